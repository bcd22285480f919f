package models

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// ListingChannel is the PostgreSQL notification channel on which every
// change to what the listing shows is announced (see migration 00006).
const ListingChannel = "clockroom_listing"

// ListingWatcher is told when the listing may have changed.
type ListingWatcher interface {
	// ListingChanged: drop anything cached from before now.
	ListingChanged()
	// ListingLive: whether notices are arriving. While they are not, a
	// change could go unheard, so nothing may be cached.
	ListingLive(live bool)
}

// WatchListing listens on ListingChannel until ctx ends, telling w about
// every change, about losing the connection (not live) and about getting
// it back (live again, after a change notice, since notices were missed).
func WatchListing(ctx context.Context, url string, w ListingWatcher, logf func(msg string, args ...any)) error {
	l := pq.NewListener(url, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			w.ListingLive(false)
			if err != nil {
				logf("listing notices: connection lost, caching paused", "error", err)
			}
		case pq.ListenerEventReconnected:
			w.ListingChanged()
			w.ListingLive(true)
			logf("listing notices: reconnected, caching resumed")
		}
	})
	defer l.Close()
	if err := l.Listen(ListingChannel); err != nil {
		return err
	}
	w.ListingChanged()
	w.ListingLive(true)
	defer w.ListingLive(false)
	ping := time.NewTicker(30 * time.Second) // finds a dead connection that said nothing
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-l.Notify:
			w.ListingChanged() // a nil notice (after a reconnect) means the same
		case <-ping.C:
			if err := l.Ping(); err != nil {
				w.ListingLive(false)
			}
		}
	}
}

// ListingNotifier announces, after they have committed, the listing changes
// whose transactions left the notice to it (migration 00023): at once when
// it has been quiet, then at most one notice per window for all the changes
// made meanwhile, so a rush of RSVPs costs a notice now and then instead of
// one lock of the whole database per commit.
type ListingNotifier struct {
	db      *sqlx.DB
	window  time.Duration
	pending chan struct{}
	logf    func(msg string, args ...any)
}

// ListingNoticeWindow is the longest a change waits for its notice, beyond
// the notice before it.
const ListingNoticeWindow = 50 * time.Millisecond

// NewListingNotifier makes a notifier; Run sends its notices.
func NewListingNotifier(db *sqlx.DB, window time.Duration, logf func(msg string, args ...any)) *ListingNotifier {
	return &ListingNotifier{db: db, window: window, pending: make(chan struct{}, 1), logf: logf}
}

// Changed says the listing changed in a transaction that has committed. It
// never waits.
func (n *ListingNotifier) Changed() {
	select {
	case n.pending <- struct{}{}:
	default: // a notice is already due
	}
}

// Run sends the notices until ctx ends, then the last one due.
func (n *ListingNotifier) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			select {
			case <-n.pending:
				n.send(context.WithoutCancel(ctx))
			default:
			}
			return
		case <-n.pending:
		}
		n.send(ctx)
		select { // the changes of the window after a notice wait for its end
		case <-ctx.Done():
		case <-time.After(n.window):
		}
	}
}

func (n *ListingNotifier) send(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := n.db.ExecContext(ctx, `SELECT pg_notify($1, '')`, ListingChannel); err != nil {
		n.Changed() // again after the window
		if n.logf != nil {
			n.logf("listing notices: could not announce a change, trying again", "error", err)
		}
	}
}
