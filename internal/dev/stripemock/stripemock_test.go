package stripemock

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
)

func TestStartAnswersStripeRequestsAndStops(t *testing.T) {
	m, err := Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.URL, "http://127.0.0.1:") {
		t.Fatalf("stripe-mock must listen on loopback only, got %s", m.URL)
	}
	req, _ := http.NewRequest(http.MethodGet, m.URL+"/v1/customers", nil)
	req.Header.Set("Authorization", "Bearer "+TestKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/customers: %d", res.StatusCode)
	}
	pid := m.cmd.Process.Pid
	m.Stop()
	if err := syscall.Kill(pid, 0); err == nil {
		t.Fatalf("stripe-mock %d still running after Stop", pid)
	}
}
