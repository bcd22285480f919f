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
