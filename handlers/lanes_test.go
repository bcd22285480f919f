package handlers

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// A full general lane makes pages wait, then 503, while the door's API goes
// straight through its own lane.
func TestLanesKeepTheDoorMoving(t *testing.T) {
	e := echo.New()
	release, entered := make(chan struct{}), make(chan struct{})
	e.Use(lanes(1, 1, 100*time.Millisecond))
	e.GET("/slow", func(c echo.Context) error {
		entered <- struct{}{}
		<-release
		return c.String(http.StatusOK, "slow")
	})
	e.GET("/page", func(c echo.Context) error { return c.String(http.StatusOK, "page") })
	e.POST("/api/v1/events/1/scan", func(c echo.Context) error { return c.String(http.StatusOK, "scan") })
	srv := httptest.NewServer(e)
	defer srv.Close()

	slow := make(chan int, 1)
	go func() {
		res, err := http.Get(srv.URL + "/slow")
		if err != nil {
			slow <- 0
			return
		}
		res.Body.Close()
		slow <- res.StatusCode
	}()
	<-entered // the general lane is now full

	res, err := http.Post(srv.URL+"/api/v1/events/1/scan", "application/json", nil)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("the door's lane must be free while pages queue: %v %v", res, err)
	}
	res.Body.Close()

	start := time.Now()
	res, err = http.Get(srv.URL + "/page")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("a page that cannot get into a full lane: %d (Retry-After %q), want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Fatalf("gave up after %s, before the lane's wait", waited)
	}

	close(release)
	if code := <-slow; code != http.StatusOK {
		t.Fatalf("the slow request: %d", code)
	}
	res, err = http.Get(srv.URL + "/page")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("once the lane frees, pages go through: %v %v", res, err)
	}
	res.Body.Close()
}
