package models_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/clockroom/clockroom/models"
)

func TestTicketCodes(t *testing.T) {
	s := models.NewTicketSigner(strings.Repeat("a", 40))
	id := models.NewTicketID()
	code := s.Code(id)
	got, ok := s.Verify(code)
	if !ok || !bytes.Equal(got, id) {
		t.Fatalf("a fresh code must verify to its id")
	}
	if !bytes.Equal(models.NewTicketSigner(strings.Repeat("a", 40)).PublicKey(), s.PublicKey()) {
		t.Fatal("the same secret must give the same key on every instance")
	}
	if other := models.NewTicketID(); bytes.Equal(other, id) {
		t.Fatal("ticket ids must be random")
	}

	raw, _ := base64.RawURLEncoding.DecodeString(code)
	flip := func(i int) string {
		b := append([]byte{}, raw...)
		b[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	bad := map[string]string{
		"empty":              "",
		"not base64":         "!!!not-a-code!!!",
		"random bytes":       base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, len(raw))),
		"tampered id":        flip(0),
		"tampered signature": flip(len(raw) - 1),
		"truncated":          code[:len(code)-4],
		"extended":           code + "AAAA",
		"other server":       models.NewTicketSigner(strings.Repeat("b", 40)).Code(id),
	}
	for name, c := range bad {
		if _, ok := s.Verify(c); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzTicketVerifyNeverAcceptsForgeries(f *testing.F) {
	s := models.NewTicketSigner(strings.Repeat("a", 40))
	f.Add(s.Code(models.NewTicketID()))
	f.Add("")
	f.Fuzz(func(t *testing.T, code string) {
		id, ok := s.Verify(code)
		if ok && s.Code(id) != code {
			t.Fatalf("accepted a code that is not the signature of its id: %q", code)
		}
	})
}

// A guest link's token opens only its own RSVP's link of its own purpose,
// on a server with the same secret: never a ticket code, never the other
// link's token, never one tampered with.
func TestGuestTokens(t *testing.T) {
	s := models.NewTicketSigner(strings.Repeat("a", 40))
	for _, purpose := range []string{models.LinkFeedback, models.LinkGiveAway} {
		token := s.GuestToken(purpose, 42)
		if id, ok := s.VerifyGuestToken(purpose, token); !ok || id != 42 {
			t.Fatalf("%s: a fresh token verifies to %d %v", purpose, id, ok)
		}
		if id, ok := models.NewTicketSigner(strings.Repeat("a", 40)).VerifyGuestToken(purpose, token); !ok || id != 42 {
			t.Fatalf("%s: another instance with the same secret refuses the token", purpose)
		}
	}
	if s.GuestToken(models.LinkFeedback, 42) == s.GuestToken(models.LinkGiveAway, 42) || s.GuestToken(models.LinkFeedback, 42) == s.GuestToken(models.LinkFeedback, 43) {
		t.Fatal("tokens must differ by purpose and RSVP")
	}
	token := s.GuestToken(models.LinkFeedback, 42)
	raw, _ := base64.RawURLEncoding.DecodeString(token)
	flip := func(i int) string {
		b := append([]byte{}, raw...)
		b[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	bad := map[string]string{
		"empty":          "",
		"not base64":     "!!!",
		"ticket code":    s.Code(models.NewTicketID()),
		"other purpose":  s.GuestToken(models.LinkGiveAway, 42),
		"other server":   models.NewTicketSigner(strings.Repeat("b", 40)).GuestToken(models.LinkFeedback, 42),
		"tampered id":    flip(7),
		"tampered tag":   flip(len(raw) - 1),
		"truncated":      token[:len(token)-2],
		"extended":       token + "AA",
		"zero id":        s.GuestToken(models.LinkFeedback, 0),
		"negative id":    s.GuestToken(models.LinkFeedback, -1),
		"id with no tag": base64.RawURLEncoding.EncodeToString(raw[:8]),
	}
	for name, tok := range bad {
		if id, ok := s.VerifyGuestToken(models.LinkFeedback, tok); ok {
			t.Errorf("%s: accepted as RSVP %d", name, id)
		}
	}
}
