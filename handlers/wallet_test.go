package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// GET /api/v1/me/wallet answers the caller's own time bank and ledger,
// newest first; another member's wallet is never in it, and signed out it
// is a 401 in JSON.
func TestWalletAPI(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	admin := ta.user(t, "boss@example.com", models.RoleAdmin)
	ann, annUser := ta.signedIn(t, "ann@example.com", models.RoleAttendee)
	bob, _ := ta.signedIn(t, "bob@example.com", models.RoleAttendee)
	expires := time.Now().Add(365 * 24 * time.Hour).Truncate(time.Second)
	if err := ta.store.AdjustTime(t.Context(), annUser.ID, 150, &expires, "welcome card", admin.ID); err != nil {
		t.Fatal(err)
	}
	if err := ta.store.AdjustTime(t.Context(), annUser.ID, -30, nil, "used at the bar", admin.ID); err != nil {
		t.Fatal(err)
	}

	var w struct {
		Minutes int `json:"minutes"`
		Balance struct {
			Amount   int64  `json:"amount"`
			Currency string `json:"currency"`
		} `json:"balance"`
		Membership *json.RawMessage `json:"membership"`
		Entries    []struct {
			Kind      string     `json:"kind"`
			Minutes   int        `json:"minutes"`
			Amount    int64      `json:"amount"`
			Source    string     `json:"source"`
			ExpiresAt *time.Time `json:"expires_at"`
			CreatedAt time.Time  `json:"created_at"`
		} `json:"entries"`
	}
	res := ann.get("/api/v1/me/wallet")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("Ann's wallet: %d %s", res.StatusCode, res.body)
	}
	if err := json.Unmarshal([]byte(res.body), &w); err != nil {
		t.Fatal(err)
	}
	if w.Minutes != 120 || w.Balance.Amount != 0 || w.Balance.Currency != "GBP" || w.Membership != nil || len(w.Entries) != 2 ||
		w.Entries[0].Minutes != -30 || w.Entries[0].Kind != "adjustment" || w.Entries[1].Minutes != 150 ||
		w.Entries[1].ExpiresAt == nil || !w.Entries[1].ExpiresAt.Equal(expires) || !strings.Contains(res.body, `"membership":null`) {
		t.Fatalf("Ann's wallet: %s", res.body)
	}

	res = bob.get("/api/v1/me/wallet")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `"minutes":0`) || !strings.Contains(res.body, `"entries":[]`) {
		t.Fatalf("Bob sees only his own, empty wallet: %d %s", res.StatusCode, res.body)
	}
	if res := bob.get("/api/v1/users/" + itoa(annUser.ID) + "/wallet"); res.StatusCode == http.StatusOK {
		t.Fatalf("another member's wallet by id: %d %s", res.StatusCode, res.body)
	}

	out := ta.client(t).get("/api/v1/me/wallet")
	if out.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(out.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("signed out: %d %s %s", out.StatusCode, out.Header.Get("Content-Type"), out.body)
	}
}
