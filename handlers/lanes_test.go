package handlers

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// laneServer is lanes of one slot each, whose sessions are those of staff
// and hosts (laneToken).
func laneServer(t *testing.T) (*httptest.Server, chan struct{}, chan struct{}) {
	e := echo.New()
	release, entered := make(chan struct{}), make(chan struct{})
	cfg := laneConfig{general: 1, door: 1, anonymous: 1, wait: 100 * time.Millisecond, write: time.Minute, outside: time.Minute}
	e.Use(lanes(cfg, newKnownSessions("clockroom_session", laneSessions(string(models.RoleStaff), string(models.RoleHost)), 1, time.Second)))
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

// laneToken is the session token of someone signed in as role, shaped as
// scs makes them.
func laneToken(role string) string {
	sum := sha256.Sum256([]byte("session-of-a-" + role))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// laneSessions is a session store's lookup that knows the sessions of roles.
func laneSessions(roles ...string) func(context.Context, string) (bool, error) {
	return func(_ context.Context, token string) (bool, error) {
		for _, r := range roles {
			if token == laneToken(r) {
				return true, nil
			}
		}
		return false, nil
	}
}

// laneGet sends a request with a session cookie when role is set ("" for a
// visitor without one) and returns its status (0 if it failed to arrive).
func laneGet(method, url, role string) int {
	req, _ := http.NewRequest(method, url, nil)
	if role != "" {
		req.AddCookie(&http.Cookie{Name: "clockroom_session", Value: laneToken(role)})
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

	// A stranger can fill the visitors' lane, with no cookie or with one
	// that names no session; staff and the door go on.
	for _, stranger := range []string{"", "forger"} {
		srv2, release2, entered2 := laneServer(t)
		go laneGet(http.MethodGet, srv2.URL+"/slow", stranger)
		<-entered2
		if code := laneGet(http.MethodGet, srv2.URL+"/page", string(models.RoleStaff)); code != http.StatusOK {
			t.Fatalf("staff behind a visitors' lane full of %q: %d", stranger, code)
		}
		if code := laneGet(http.MethodPost, srv2.URL+"/api/v1/events/1/scan", string(models.RoleHost)); code != http.StatusOK {
			t.Fatalf("the door behind a visitors' lane full of %q: %d", stranger, code)
		}
		for _, other := range []string{"", "forger"} {
			if code := laneGet(http.MethodPost, srv2.URL+"/api/v1/events/1/scan", other); code != http.StatusServiceUnavailable {
				t.Fatalf("an API call with %q takes the visitors' lane: %d", other, code)
			}
		}
		close(release2)
	}
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

// A flood of requests with made-up session cookies (junk, or shaped like an
// scs token but naming no session) fills the anonymous lane and no other:
// a member's page and the door's scan go straight through their own lanes,
// and a made-up token signs nobody in. The real router, its lanes one slot
// wide; the flood holds its slot by a sign-in attempt kept waiting on the
// address's login lock, which the test holds.
func TestForgedSessionFloodLeavesMembersTheirLane(t *testing.T) {
	for _, width := range []*int{&generalLane, &doorLane, &anonymousLane} {
		was := *width
		*width = 1
		t.Cleanup(func() { *width = was })
	}
	ta, staff, e := billingSetup(t)
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	gus, _ := ta.signedIn(t, "gus@example.com", models.RoleAttendee)
	stranger := ta.client(t)
	stranger.get("/login") // a real form token: the flood passes the CSRF check
	csrf := stranger.cookie("clockroom_csrf").Value

	tx, err := ta.store.DB.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtextextended('login:' || $1, 0))`, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	unknown := make([]byte, 32)
	rand.Read(unknown)
	forged := []string{"x", strings.Repeat("%", 43), base64.RawURLEncoding.EncodeToString(unknown), laneToken("nobody")}
	var flood sync.WaitGroup
	for i := range 8 {
		flood.Go(func() {
			form := url.Values{"_csrf": {stranger.csrf}, "email": {"nobody@example.com"}, "password": {"guess"}}
			req, _ := http.NewRequest(http.MethodPost, ta.srv.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Cookie", "clockroom_session="+forged[i%len(forged)]+"; clockroom_csrf="+csrf)
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
			}
		})
	}
	waitFor(t, func() bool {
		var waiting int
		ta.store.DB.Get(&waiting, `SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
			WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()`)
		return waiting == 1
	}, "a forged request to hold its lane's one slot")

	// A client that waits longer than a lane does: a starved request shows
	// as a 503, not as the client giving up.
	patient := &http.Client{Jar: gus.http.Jar, Timeout: 2 * laneWait, CheckRedirect: gus.http.CheckRedirect}
	res, err := patient.Get(ta.srv.URL + "/me/tickets")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("a member's page behind a flood of forged session cookies: %d", res.StatusCode)
	}
	st, body := staff.apiPost(scanPath(e), map[string]string{"code": ada})
	wantResult(t, st, body, "admitted")

	tx.Rollback()
	flood.Wait()
	for _, token := range forged {
		req, _ := http.NewRequest(http.MethodGet, ta.srv.URL+"/me/tickets", nil)
		req.AddCookie(&http.Cookie{Name: "clockroom_session", Value: token})
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("a forged session %q: %d %s", token, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// smallBuffers is a listener whose connections have a small send buffer,
// so a client that does not read soon stops the server's writes.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4 << 10)
	}
	return c, err
}

// A client that asks for a large answer and never reads it holds its lane
// until the write deadline, and no longer: the next request gets the slot.
// A client that reads gets the whole answer, and a request that left its
// lane to wait on Stripe has the outside time to answer.
func TestUnreadAnswerHoldsTheLaneOnlyUntilTheWriteDeadline(t *testing.T) {
	const size = 4 << 20
	big := bytes.Repeat([]byte("clockroom "), size/10)
	// The write deadline is generous for a client that reads (4 MB under
	// the race detector on a busy machine), and still far below the lanes'
	// wait, which the next request would otherwise run into.
	cfg := laneConfig{general: 1, door: 1, anonymous: 1, wait: 2 * laneWait, write: 8 * time.Second, outside: 12 * time.Second}
	e := echo.New()
	e.Use(lanes(cfg, newKnownSessions("clockroom_session", laneSessions(), 1, time.Second)))
	entered := make(chan struct{}, 1)
	e.GET("/big", func(c echo.Context) error {
		select {
		case entered <- struct{}{}:
		default:
		}
		return c.Blob(http.StatusOK, "text/csv", big)
	})
	e.GET("/page", func(c echo.Context) error { return c.String(http.StatusOK, "page") })
	e.GET("/outside", func(c echo.Context) error {
		leaveLane(c)
		time.Sleep(cfg.write + time.Second) // Stripe taking its time
		return c.String(http.StatusOK, "answered")
	})
	srv := httptest.NewUnstartedServer(e)
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)

	stalled, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	stalled.(*net.TCPConn).SetReadBuffer(4 << 10)
	fmt.Fprintf(stalled, "GET /big HTTP/1.1\r\nHost: clockroom\r\n\r\n") // and never reads
	<-entered
	start := time.Now()
	if code := laneGet(http.MethodGet, srv.URL+"/page", ""); code != http.StatusOK {
		t.Fatalf("the next request, after %s behind an answer nobody reads: %d", time.Since(start).Round(time.Millisecond), code)
	}

	res, err := http.Get(srv.URL + "/big")
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil || n != int64(len(big)) {
		t.Fatalf("a client that reads got %d of %d bytes: %v", n, len(big), err)
	}
	res, err = http.Get(srv.URL + "/outside")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || string(b) != "answered" {
		t.Fatalf("an answer after waiting outside the lane: %q %v", b, err)
	}
}
