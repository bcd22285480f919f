package models

import (
	"context"
	"time"

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
