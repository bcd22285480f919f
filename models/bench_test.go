package models_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/clockroom/clockroom/internal/testkit/testdb"
	"github.com/clockroom/clockroom/models"
)

func BenchmarkTicketVerify(b *testing.B) {
	s := models.NewTicketSigner(strings.Repeat("k", 40))
	code := s.Code(models.NewTicketID())
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s.Verify(code); !ok {
			b.Fatal("a good code failed")
		}
	}
}

// BenchmarkAuthenticate compares a wrong password for a known account with
// an unknown email: the two should cost the same (bcrypt at the default
// cost), so timing cannot tell which emails have accounts.
func BenchmarkAuthenticate(b *testing.B) {
	s := &models.Store{DB: testdb.New(b)}
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, models.NewUser{Email: "gus@example.com", Name: "Gus", Password: "right password"}); err != nil {
		b.Fatal(err)
	}
	for _, email := range []string{"gus@example.com", "nobody@example.com"} {
		b.Run(strings.Split(email, "@")[0], func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++ // a fresh address each time, so the limit never answers first
				s.Authenticate(ctx, email, "wrong", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
			}
		})
	}
}
