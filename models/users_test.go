package models_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/clockroom/clockroom/models"
)

func TestCreateUserNormalisesAndRejectsDuplicates(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, models.NewUser{Email: "  Ada@Example.COM ", Name: " Ada ", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.com" || u.Name != "Ada" || u.Role != models.RoleAttendee || u.PasswordHash == "correct horse" {
		t.Fatalf("stored user wrong: %+v", u)
	}
	_, err = s.CreateUser(ctx, models.NewUser{Email: "ADA@example.com", Name: "Other", Password: "another password"})
	if !errors.Is(err, models.ErrDuplicateEmail) {
		t.Fatalf("duplicate email: got %v", err)
	}
}

func TestAuthenticate(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, models.NewUser{Email: "gus@example.com", Name: "Gus", Password: "right password"}); err != nil {
		t.Fatal(err)
	}
	if u, err := s.At(t0).Authenticate(ctx, "GUS@example.com", "right password", "10.0.0.1"); err != nil || u.Name != "Gus" {
		t.Fatalf("right password: %v", err)
	}
	_, wrongPassword := s.At(t0).Authenticate(ctx, "gus@example.com", "wrong password", "10.0.0.1")
	_, unknownEmail := s.At(t0).Authenticate(ctx, "nobody@example.com", "wrong password", "10.0.0.1")
	if !errors.Is(wrongPassword, models.ErrInvalidCredentials) || !errors.Is(unknownEmail, models.ErrInvalidCredentials) {
		t.Fatalf("wrong password and unknown email must give the same error: %v / %v", wrongPassword, unknownEmail)
	}
}

func TestLoginLimitPerAccountAndPerAddress(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, models.NewUser{Email: "gus@example.com", Name: "Gus", Password: "right password"}); err != nil {
		t.Fatal(err)
	}
	for i := range models.MaxFailuresPerEmail {
		_, err := s.At(t0.Add(time.Duration(i)*time.Second)).Authenticate(ctx, "gus@example.com", "wrong", "10.0.0.1")
		if !errors.Is(err, models.ErrInvalidCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	var throttled *models.ThrottledError
	_, err := s.At(t0.Add(time.Minute)).Authenticate(ctx, "gus@example.com", "right password", "10.0.0.1")
	if !errors.As(err, &throttled) {
		t.Fatalf("the guessing address must be stopped, even with the right password: %v", err)
	}
	if throttled.RetryAfter <= 0 || throttled.RetryAfter > models.LoginWindow {
		t.Fatalf("retry after %v", throttled.RetryAfter)
	}
	// The owner, elsewhere, is not locked out by a stranger's guesses.
	if _, err := s.At(t0.Add(time.Minute)).Authenticate(ctx, "gus@example.com", "right password", "10.0.0.2"); err != nil {
		t.Fatalf("the owner on another address: %v", err)
	}
	if _, err := s.At(t0.Add(models.LoginWindow+time.Minute)).Authenticate(ctx, "gus@example.com", "right password", "10.0.0.1"); err != nil {
		t.Fatalf("after the window the address may try again: %v", err)
	}

	// One address trying many accounts is stopped too.
	for i := range models.MaxFailuresPerIP {
		email := "guess" + string(rune('a'+i%26)) + "@example.com"
		if _, err := s.At(t0.Add(time.Duration(i)*time.Second)).Authenticate(ctx, email, "x", "10.9.9.9"); errors.As(err, &throttled) {
			t.Fatalf("throttled too early, at attempt %d", i)
		}
	}
	if _, err := s.At(t0.Add(time.Minute)).Authenticate(ctx, "fresh@example.com", "x", "10.9.9.9"); !errors.As(err, &throttled) {
		t.Fatalf("the address must be throttled: %v", err)
	}
}

func TestSetRoleIsAudited(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	admin, _ := s.CreateUser(ctx, models.NewUser{Email: "a@example.com", Name: "A", Password: "password123", Role: models.RoleAdmin})
	u, _ := s.CreateUser(ctx, models.NewUser{Email: "h@example.com", Name: "H", Password: "password123"})
	if err := s.At(t0).SetRole(ctx, admin.ID, u.ID, models.RoleHost); err != nil {
		t.Fatal(err)
	}
	got, _ := s.UserByID(ctx, u.ID)
	if got.Role != models.RoleHost {
		t.Fatalf("role %s", got.Role)
	}
	var n int
	if err := s.DB.Get(&n, `SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action = 'user.role' AND detail->>'to' = 'host'`, admin.ID); err != nil || n != 1 {
		t.Fatalf("audit rows %d, %v", n, err)
	}
	if err := s.At(t0).SetRole(ctx, admin.ID, 99999, models.RoleHost); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestRoleOrder(t *testing.T) {
	cases := []struct {
		r, min models.Role
		want   bool
	}{
		{models.RoleAttendee, models.RoleAttendee, true},
		{models.RoleAttendee, models.RoleHost, false},
		{models.RoleHost, models.RoleHost, true},
		{models.RoleHost, models.RoleStaff, false},
		{models.RoleStaff, models.RoleHost, true},
		{models.RoleAdmin, models.RoleStaff, true},
		{models.Role("root"), models.RoleAttendee, false},
	}
	for _, c := range cases {
		if got := c.r.AtLeast(c.min); got != c.want {
			t.Errorf("%s.AtLeast(%s) = %v", c.r, c.min, got)
		}
	}
}

func TestSeedDemoOnceAndOpenNowEvent(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	loaded, err := s.At(t0).SeedDemo(ctx, "clockroom-demo")
	if err != nil || !loaded {
		t.Fatalf("first seed: %v %v", loaded, err)
	}
	if again, err := s.At(t0).SeedDemo(ctx, "clockroom-demo"); err != nil || again {
		t.Fatalf("second seed must do nothing: %v %v", again, err)
	}
	events, err := s.At(t0).UpcomingEvents(ctx, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	hosts, small, openNow := map[int64]bool{}, false, 0
	for _, e := range events {
		hosts[e.HostID] = true
		small = small || e.Capacity <= 5
		if e.HappeningAt(t0) && e.EndsAt.Sub(t0) >= 2*time.Hour {
			openNow++
		}
	}
	if len(events) < 6 || len(hosts) < 3 || !small || openNow != 1 {
		t.Fatalf("demo events: %d events, %d hosts, small %v, open now %d", len(events), len(hosts), small, openNow)
	}
	// The demo venue prices stays by a real shape, and its past stays are
	// explained line by line.
	if tv, err := s.TariffByName(ctx, "Standard"); err != nil || !tv.Standard || len(tv.Tariff.Steps) != 2 || len(tv.Tariff.Passes) != 1 || len(tv.Tariff.Groups) != 1 {
		t.Fatalf("demo tariff: %+v %v", tv, err)
	}
	var explained int
	s.DB.Get(&explained, `SELECT count(*) FROM visits WHERE bill IS NOT NULL AND jsonb_array_length(bill->'lines') > 0`)
	if explained == 0 {
		t.Fatal("no demo stay has an explained bill")
	}
	for _, a := range models.DemoAccounts {
		if _, err := s.At(t0).Authenticate(ctx, a.Email, "clockroom-demo", "127.0.0.1"); err != nil {
			t.Fatalf("demo login %s: %v", a.Email, err)
		}
	}
	// A day later the old open-now event has ended: a new one appears, once.
	later := t0.Add(24 * time.Hour)
	for range 2 {
		if err := s.At(later).EnsureOpenNowEvent(ctx); err != nil {
			t.Fatal(err)
		}
	}
	events, _ = s.At(later).UpcomingEvents(ctx, 100, 0)
	openNow = 0
	for _, e := range events {
		if e.Title == models.OpenNowTitle && e.HappeningAt(later) {
			openNow++
		}
	}
	if openNow != 1 {
		t.Fatalf("want exactly one open-now event a day later, got %d", openNow)
	}
}

func TestPrune(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.DB.Exec(`INSERT INTO sessions (token, data, expiry) VALUES ('old', '', $1), ('live', '', $2)`, t0.Add(-time.Hour), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s.At(t0.Add(-models.AccountGuessWindow-time.Minute)).Authenticate(ctx, "x@example.com", "nope", "10.0.0.1")
	s.At(t0).Authenticate(ctx, "x@example.com", "nope", "10.0.0.1")
	if err := s.At(t0).Prune(ctx); err != nil {
		t.Fatal(err)
	}
	var sessions, failures int
	s.DB.Get(&sessions, `SELECT count(*) FROM sessions`)
	s.DB.Get(&failures, `SELECT count(*) FROM login_failures`)
	if sessions != 1 || failures != 1 {
		t.Fatalf("after prune: %d sessions, %d failures; want 1 and 1", sessions, failures)
	}
}

// Guesses sent all at once from one address cannot slip past the limit:
// attempts are counted and decided under the address's lock.
func TestParallelGuessesStayWithinTheLimit(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, models.NewUser{Email: "gus@example.com", Name: "Gus", Password: "right password"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	checked := 0
	for range 60 {
		wg.Go(func() {
			_, err := s.At(t0).Authenticate(ctx, "gus@example.com", "a guess", "10.6.6.6")
			if errors.Is(err, models.ErrInvalidCredentials) {
				mu.Lock()
				checked++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if checked != models.MaxFailuresPerEmail {
		t.Fatalf("%d guesses were checked, want the limit %d", checked, models.MaxFailuresPerEmail)
	}
}

// An unknown email costs what a wrong password does: the stand-in hash it
// is checked against has the store's own bcrypt cost (the times themselves
// are measured by BenchmarkAuthenticate, not asserted).
func TestUnknownEmailCostsAsMuch(t *testing.T) {
	for _, cost := range []int{4, 10} {
		s := &models.Store{BcryptCost: cost}
		if got := models.DummyHashCost(s); got != cost {
			t.Fatalf("the stand-in hash costs %d, the store hashes at %d", got, cost)
		}
	}
}

// Rotating through the addresses of one IPv6 /64 (which one subscriber
// holds) gives no more guesses than one address does.
func TestIPv6GuessesCountByTheSlash64(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, models.NewUser{Email: "gus@example.com", Name: "Gus", Password: "right password"}); err != nil {
		t.Fatal(err)
	}
	for i := range models.MaxFailuresPerEmail {
		ip := fmt.Sprintf("2001:db8:1:2::%x", i+1)
		if _, err := s.At(t0).Authenticate(ctx, "gus@example.com", "a guess", ip); !errors.Is(err, models.ErrInvalidCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	var throttled *models.ThrottledError
	if _, err := s.At(t0).Authenticate(ctx, "gus@example.com", "right password", "2001:db8:1:2:dead:beef:0:1"); !errors.As(err, &throttled) {
		t.Fatalf("another address in the same /64 was let through: %v", err)
	}
	if _, err := s.At(t0).Authenticate(ctx, "gus@example.com", "right password", "2001:db8:1:3::1"); err != nil {
		t.Fatalf("the owner on another /64: %v", err)
	}
	for ip, want := range map[string]string{
		"192.0.2.7": "192.0.2.7", "::ffff:192.0.2.7": "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64", "not an address": "not an address",
	} {
		if got := models.NetworkOf(ip); got != want {
			t.Errorf("NetworkOf(%q) = %q, want %q", ip, got, want)
		}
	}
}

// Guesses at one account from many networks stop its password alone from
// working, even the right one, for the owner too; an unknown email behaves
// the same (nothing tells who has an account). The owner signs in by an
// emailed link, which makes the password work again.
func TestGuessesFromManyNetworksSuspendThePassword(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, models.NewUser{Email: "gus@example.com", Name: "Gus", Password: "right password"}); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"gus@example.com", "nobody@example.com"} {
		for i := range models.MaxFailuresPerAccount {
			at := t0.Add(time.Duration(i) * time.Minute)
			if _, err := s.At(at).Authenticate(ctx, email, "a guess", fmt.Sprintf("198.51.100.%d", i)); !errors.Is(err, models.ErrInvalidCredentials) {
				t.Fatalf("%s, guess %d from a fresh address: %v", email, i, err)
			}
		}
		if _, err := s.At(t0.Add(time.Hour)).Authenticate(ctx, email, "right password", "203.0.113.9"); !errors.Is(err, models.ErrPasswordSuspended) {
			t.Fatalf("%s: the password still works after %d guesses from as many addresses: %v", email, models.MaxFailuresPerAccount, err)
		}
	}
	if _, err := s.At(t0.Add(time.Hour)).SendLink(ctx, "gus@example.com", models.LinkSignIn); err != nil {
		t.Fatal(err)
	}
	token := lastToken(t, s, "gus@example.com")
	if _, err := s.At(t0.Add(time.Hour)).UseLink(ctx, token, models.LinkSignIn); err != nil {
		t.Fatalf("the owner's emailed link: %v", err)
	}
	if _, err := s.At(t0.Add(time.Hour)).Authenticate(ctx, "gus@example.com", "right password", "203.0.113.9"); err != nil {
		t.Fatalf("after the owner signed in by link, the password: %v", err)
	}
	if _, err := s.At(t0.Add(models.AccountGuessWindow+time.Hour)).Authenticate(ctx, "nobody@example.com", "x", "203.0.113.9"); !errors.Is(err, models.ErrInvalidCredentials) {
		t.Fatalf("a day later the guesses are forgotten: %v", err)
	}
}

// An authenticator code signs in once: the same code again, or an older
// one, is refused, and a later one works.
func TestAuthenticatorCodeWorksOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, models.NewUser{Email: "gus@example.com", Name: "Gus", Password: "right password"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := models.NewTOTP(u, "Clockroom")
	if err != nil {
		t.Fatal(err)
	}
	code := func(at time.Time) string {
		c, err := totp.GenerateCode(key.Secret(), at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if _, err := s.At(t0).EnableTOTP(ctx, u.ID, key.Secret(), code(t0)); err != nil {
		t.Fatal(err)
	}
	if u, err = s.UserByID(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(time.Minute)
	if err := s.At(later.Add(-30*time.Second)).CheckSecondFactor(ctx, u, code(t0)); !errors.Is(err, models.ErrBadCode) {
		t.Fatalf("the code that turned it on worked again: %v", err)
	}
	if err := s.At(later).CheckSecondFactor(ctx, u, code(later)); err != nil {
		t.Fatalf("a fresh code: %v", err)
	}
	for _, c := range []string{code(later), code(later.Add(-30 * time.Second))} {
		if err := s.At(later).CheckSecondFactor(ctx, u, c); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("a code used already, or older than it, worked: %v", err)
		}
	}
}

// The current password, asked for before a change, is checked only a few
// times in a window, right or wrong: a stolen session cannot guess it.
func TestCurrentPasswordChecksAreLimited(t *testing.T) {
	s := newStore(t).At(t0)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, models.NewUser{Email: "gus@example.com", Name: "Gus", Password: "right password"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range models.MaxPasswordChecks {
		if _, err := s.ChangePassword(ctx, u.ID, "a guess", "a new password"); !errors.Is(err, models.ErrWrongPassword) {
			t.Fatalf("check %d: %v", i, err)
		}
	}
	checks := map[string]error{}
	_, checks["change the password"] = s.ChangePassword(ctx, u.ID, "right password", "a new password")
	checks["change the email"] = s.SendEmailChange(ctx, u, "right password", "new@example.com")
	checks["delete the account"] = s.DeleteAccount(ctx, u.ID, "right password")
	for what, err := range checks {
		if !errors.Is(err, models.ErrTooManyPasswordChecks) {
			t.Errorf("%s after %d wrong passwords: %v", what, models.MaxPasswordChecks, err)
		}
	}
	if _, err := s.Authenticate(ctx, "gus@example.com", "right password", "10.0.0.1"); err != nil {
		t.Fatalf("the password changed anyway, or the account is gone: %v", err)
	}
	if _, err := s.At(t0.Add(models.LoginWindow+time.Second)).ChangePassword(ctx, u.ID, "right password", "a new password"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// Changing the password or the email, or signing out everywhere, revokes
// every emailed link not yet used.
func TestAccountChangesRevokeLinks(t *testing.T) {
	s := newStore(t).At(t0)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, models.NewUser{Email: "gus@example.com", Name: "Gus", Password: "right password"})
	if err != nil {
		t.Fatal(err)
	}
	for what, change := range map[string]func() error{
		"password change": func() error {
			_, err := s.ChangePassword(ctx, u.ID, "right password", "right password")
			return err
		},
		"sign out everywhere": func() error { return s.SignOutEverywhere(ctx, u.ID) },
		"email change": func() error {
			if err := s.SendEmailChange(ctx, u, "right password", "gus2@example.com"); err != nil {
				return err
			}
			_, err := s.ChangeEmail(ctx, lastToken(t, s, "gus2@example.com"))
			return err
		},
	} {
		u, _ = s.UserByID(ctx, u.ID)
		if _, err := s.SendLink(ctx, u.Email, models.LinkSignIn); err != nil {
			t.Fatal(err)
		}
		token := lastToken(t, s, u.Email)
		if err := change(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if _, err := s.UseLink(ctx, token, models.LinkSignIn); !errors.Is(err, models.ErrLinkUsed) {
			t.Errorf("a sign-in link sent before the %s still works: %v", what, err)
		}
	}
}

// A sent account link's body is not kept: the outbox never holds a live
// token once it is delivered. Other messages keep theirs.
func TestSentLinksAreBlanked(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, models.NewUser{Email: "gus@example.com", Name: "Gus", Password: "right password"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.At(t0).SendLink(ctx, "gus@example.com", models.LinkReset); err != nil {
		t.Fatal(err)
	}
	token := lastToken(t, s, "gus@example.com")
	var delivered []string
	n, err := s.At(t0).DeliverPending(ctx, 10, func(_ context.Context, m models.Message) error {
		delivered = append(delivered, m.Body)
		return nil
	})
	if err != nil || n != 1 || !strings.Contains(delivered[0], token) {
		t.Fatalf("delivered %d (%v): the message sent must hold its link", n, err)
	}
	ms, _ := s.MessagesTo(ctx, "gus@example.com")
	if len(ms) != 1 || strings.Contains(ms[0].Body, token) || ms[0].SentAt == nil {
		t.Fatalf("the sent link's token is still kept: %+v", ms)
	}
}

// lastToken is the token of the newest link emailed to email.
func lastToken(t *testing.T, s *models.Store, email string) string {
	t.Helper()
	ms, err := s.MessagesTo(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(ms) - 1; i >= 0; i-- {
		if m := linkToken.FindStringSubmatch(ms[i].Body); m != nil {
			return m[1]
		}
	}
	t.Fatalf("no link emailed to %s", email)
	return ""
}

var linkToken = regexp.MustCompile(`/(?:reset|signin|verify|email)/([A-Za-z0-9_-]{43})`)
