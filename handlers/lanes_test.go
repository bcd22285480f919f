package handlers

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// laneServer is lanes of one slot each.
func laneServer(t *testing.T) (*httptest.Server, chan struct{}, chan struct{}) {
	e := echo.New()
	release, entered := make(chan struct{}), make(chan struct{})
	e.Use(lanes(1, 1, 1, 100*time.Millisecond, "clockroom_session"))
	e.GET("/slow", func(c echo.Context) error {
		entered <- struct{}{}
		<-release
		return c.String(http.StatusOK, "slow")
	})
	e.GET("/page", func(c echo.Context) error { return c.String(http.StatusOK, "page") })
	e.POST("/api/v1/events/1/scan", func(c echo.Context) error { return c.String(http.StatusOK, "scan") })
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv, release, entered
}

// laneGet sends a request with a session cookie when role is set ("" for a
// visitor without one) and returns its status (0 if it failed to arrive).
func laneGet(method, url, role string) int {
	req, _ := http.NewRequest(method, url, nil)
	if role != "" {
		req.AddCookie(&http.Cookie{Name: "clockroom_session", Value: "session-of-a-" + role})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// A full general lane makes pages wait, then 503, while the door's API goes
// straight through its own lane; visitors who are not signed in have a lane
// of their own, so filling it never holds up staff.
func TestLanesKeepTheDoorMoving(t *testing.T) {
	srv, release, entered := laneServer(t)
	slow := make(chan int, 1)
	go func() { slow <- laneGet(http.MethodGet, srv.URL+"/slow", string(models.RoleStaff)) }()
	<-entered // the general lane is now full

	if code := laneGet(http.MethodPost, srv.URL+"/api/v1/events/1/scan", string(models.RoleHost)); code != http.StatusOK {
		t.Fatalf("the door's lane must be free while pages queue: %d", code)
	}
	if code := laneGet(http.MethodGet, srv.URL+"/page", ""); code != http.StatusOK {
		t.Fatalf("a visitor's page has its own lane: %d", code)
	}
	start := time.Now()
	if code := laneGet(http.MethodGet, srv.URL+"/page", string(models.RoleStaff)); code != http.StatusServiceUnavailable {
		t.Fatalf("a page that cannot get into a full lane: %d, want 503", code)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Fatalf("gave up after %s, before the lane's wait", waited)
	}
	close(release)
	if code := <-slow; code != http.StatusOK {
		t.Fatalf("the slow request: %d", code)
	}
	if code := laneGet(http.MethodGet, srv.URL+"/page", string(models.RoleStaff)); code != http.StatusOK {
		t.Fatalf("once the lane frees, pages go through: %d", code)
	}

	// A stranger can fill the visitors' lane; staff and the door go on.
	srv2, release2, entered2 := laneServer(t)
	go laneGet(http.MethodGet, srv2.URL+"/slow", "")
	<-entered2
	if code := laneGet(http.MethodGet, srv2.URL+"/page", string(models.RoleStaff)); code != http.StatusOK {
		t.Fatalf("staff behind a full visitors' lane: %d", code)
	}
	if code := laneGet(http.MethodPost, srv2.URL+"/api/v1/events/1/scan", ""); code != http.StatusServiceUnavailable {
		t.Fatalf("an API call that is not signed in takes the visitors' lane: %d", code)
	}
	close(release2)
}

// Fifty connections that send a form's headers and then nothing hold up
// nobody: the listing and a door scan still answer at once.
func TestStalledBodiesHoldNoLane(t *testing.T) {
	ta, staff, e := billingSetup(t)
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	host := strings.TrimPrefix(ta.srv.URL, "http://")
	var conns []net.Conn
	for i := range 50 {
		conn, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		path := "/login"
		if i%2 == 1 {
			path = fmt.Sprintf("/api/v1/events/%d/scan", e.ID)
		}
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n", path, host)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	time.Sleep(200 * time.Millisecond) // they are all waiting on their bodies now
	done := make(chan string, 2)
	go func() {
		res, err := staff.http.Get(ta.srv.URL + "/")
		if err != nil {
			done <- err.Error()
			return
		}
		res.Body.Close()
		done <- fmt.Sprint("listing ", res.StatusCode)
	}()
	go func() {
		st, body := staff.apiPost(scanPath(e), map[string]string{"code": ada})
		done <- fmt.Sprint("scan ", st, " ", body["result"])
	}()
	for range 2 {
		select {
		case got := <-done:
			if got != "listing 200" && got != "scan 200 admitted" {
				t.Fatalf("with 50 stalled connections: %s", got)
			}
		case <-time.After(2 * laneWait): // a guard against a hang; a starved request would 503 first
			t.Fatal("a request waited behind stalled connections")
		}
	}
	// A stalled body is given up after its deadline, with a 408.
	conn := conns[0]
	conn.SetReadDeadline(time.Now().Add(2 * bodyWait))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(line, "408") {
		t.Fatalf("a stalled body: %q %v", line, err)
	}
}
