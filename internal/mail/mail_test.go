package mail

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/clockroom/clockroom/internal/testkit/testdb"
	"github.com/clockroom/clockroom/models"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// inbox is a real SMTP server on loopback that keeps what it receives.
type inbox struct {
	mu   sync.Mutex
	msgs []string
}

func (in *inbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{in: in}, nil }

type session struct{ in *inbox }

func (s *session) Reset()                               {}
func (s *session) Logout() error                        { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.in.mu.Lock()
	s.in.msgs = append(s.in.msgs, string(b))
	s.in.mu.Unlock()
	return err
}

func (in *inbox) received() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.msgs...)
}

// A mail server that is down leaves messages queued; when it comes back each
// is delivered exactly once.
func TestOutboxSurvivesAnSMTPOutage(t *testing.T) {
	ctx := context.Background()
	store := &models.Store{DB: testdb.New(t), BcryptCost: 4, Tickets: models.NewTicketSigner(strings.Repeat("k", 40)), BaseURL: "http://clockroom.test"}
	v, _ := store.CreateVenue(ctx, models.Venue{Name: "Café", TimeZone: "UTC", Currency: "GBP", RoomCapacity: 10})
	host, _ := store.CreateUser(ctx, models.NewUser{Email: "host@example.com", Name: "Host", Password: "password123", Role: models.RoleHost})
	now := time.Now()
	id, _ := store.CreateEvent(ctx, models.NewEvent{VenueID: v.ID, HostID: host.ID, Status: models.EventPublished,
		EventInput: models.EventInput{Title: "Night", StartsAt: now.Add(48 * time.Hour), EndsAt: now.Add(50 * time.Hour), Capacity: 1}})
	for i := range 2 {
		u, _ := store.CreateUser(ctx, models.NewUser{Email: fmt.Sprintf("g%d@example.com", i), Name: fmt.Sprintf("Guest %d", i), Password: "password123"})
		if _, err := store.At(now).Reserve(ctx, id, u.ID); err != nil {
			t.Fatal(err)
		}
	}

	// Reserve a port, then close it: nothing listens there yet.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	sender, err := New("smtp://"+addr, "Clockroom <no-reply@clockroom.test>")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := store.DeliverPending(ctx, 10, sender.Send); err != nil || n != 0 {
		t.Fatalf("with the server down: sent %d, %v", n, err)
	}
	out, _ := store.Outbox(ctx, 10)
	for _, m := range out {
		if m.SentAt != nil || m.LastError == nil || m.Attempts != 1 {
			t.Fatalf("a failed message must stay queued with its error: %+v", m)
		}
	}

	box := &inbox{}
	srv := smtp.NewServer(box)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	l, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()

	later := time.Now().Add(time.Hour) // past the retry delay
	if n, err := store.At(later).DeliverPending(ctx, 10, sender.Send); err != nil || n != 2 {
		t.Fatalf("after the server came back: sent %d, %v", n, err)
	}
	if n, _ := store.At(later.Add(time.Hour)).DeliverPending(ctx, 10, sender.Send); n != 0 {
		t.Fatal("messages were sent twice")
	}
	got := box.received()
	if len(got) != 2 {
		t.Fatalf("the server received %d messages, want 2", len(got))
	}
	joined := strings.Join(got, "\n")
	for _, want := range []string{"To: \"Guest 0\" <g0@example.com>", "You're in: Night", "on the waitlist: Night", "Message-ID: <outbox-", "http://clockroom.test/tickets/"} {
		if !strings.Contains(joined, want) {
			t.Fatalf("delivered mail lacks %q:\n%s", want, joined)
		}
	}
}
