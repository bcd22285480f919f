package main

import "testing"

func TestDoorSearchTermMatchesAFewGuests(t *testing.T) {
	b := &bench{f: &fixtures{users: make([]*identity, 2*fullScale.Users)}}
	if got := b.searchMatches(); got != 11 { // Guest 42 and Guest 420 to 429
		t.Fatalf("%q matches %d of %d guests, want 11", doorSearchTerm, got, len(b.f.users))
	}
}
