package models_test

import (
	"testing"
	"time"
)

// A session exists while its row is there and unexpired, as scs's store
// sees it; an expired or unknown token names none.
func TestSessionExists(t *testing.T) {
	s := newStore(t)
	now := time.Now()
	if _, err := s.DB.Exec(`INSERT INTO sessions (token, data, expiry) VALUES ('live', '', $1), ('old', '', $2)`, now.Add(time.Hour), now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]bool{"live": true, "old": false, "never": false, "": false} {
		got, err := s.SessionExists(t.Context(), token)
		if err != nil || got != want {
			t.Fatalf("SessionExists(%q) = %v, %v; want %v", token, got, err, want)
		}
	}
}
