package handlers

import (
	"context"
	"html/template"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// listingCache keeps the rendered list of nights (not the page around it,
// which carries each visitor's name and CSRF token) for the first pages of
// the listing, so a popular listing costs no query and no template work.
//
// It is correct across server instances: PostgreSQL announces every change
// to what the list shows (migration 00006), models.WatchListing passes the
// notice on, and each notice moves gen on, making every copy older than it
// stale. A copy built from a read that began before a notice is never
// stored. While notices cannot arrive (no watcher yet, connection lost),
// nothing is cached. A copy also expires when any night on it starts or
// ends (the "happening now" mark) and after listingTTL at the latest.
type listingCache struct {
	mu      sync.Mutex
	gen     uint64
	live    bool
	entries map[int]listingEntry
	builds  singleflight.Group // one rebuild per page at a time, shared by all who wait
}

type listingEntry struct {
	gen     uint64
	expires time.Time
	html    template.HTML
	// page is the whole page around html as an anonymous visitor gets it
	// (no name, no CSRF token, no flash), once one has been rendered.
	page []byte
}

const (
	listingTTL         = 30 * time.Second
	listingCachedPages = 5
	// listingBuildTimeout bounds a shared build, which no single visitor's
	// request may cancel.
	listingBuildTimeout = 10 * time.Second
)

func newListingCache() *listingCache { return &listingCache{entries: map[int]listingEntry{}} }

// ListingChanged drops every cached copy (models.ListingWatcher).
func (lc *listingCache) ListingChanged() {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.gen++
	clear(lc.entries)
}

// ListingLive turns caching on or off (models.ListingWatcher).
func (lc *listingCache) ListingLive(live bool) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.live = live
	lc.gen++
	clear(lc.entries)
}

// get returns page's list, from the cache or from build. build reads the
// database and renders; it returns the HTML and when it goes stale. A build
// shared by everyone waiting for the same page runs with a context of its
// own (ctx's values, not its end), so the first visitor's leaving does not
// fail the others; a visitor who leaves stops waiting for it.
func (lc *listingCache) get(ctx context.Context, page int, now time.Time, build func(context.Context) (template.HTML, time.Time, error)) (template.HTML, error) {
	if page > listingCachedPages {
		html, _, err := build(ctx)
		return html, err
	}
	lc.mu.Lock()
	e, ok := lc.entries[page]
	live, gen := lc.live, lc.gen
	lc.mu.Unlock()
	if ok && e.gen == gen && now.Before(e.expires) {
		return e.html, nil
	}
	if !live {
		html, _, err := build(ctx)
		return html, err
	}
	ch := lc.builds.DoChan(strconv.Itoa(page)+"@"+strconv.FormatUint(gen, 10), func() (any, error) {
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), listingBuildTimeout)
		defer cancel()
		html, expires, err := build(bctx)
		if err != nil {
			return nil, err
		}
		lc.mu.Lock()
		if lc.live && lc.gen == gen { // no change notice since before the read
			lc.entries[page] = listingEntry{gen: gen, expires: expires, html: html}
		}
		lc.mu.Unlock()
		return html, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(template.HTML), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// anonymousPage returns the whole page n as an anonymous visitor gets it,
// if a fresh copy is kept.
func (lc *listingCache) anonymousPage(n int, now time.Time) ([]byte, bool) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	e, ok := lc.entries[n]
	if !ok || e.gen != lc.gen || !lc.live || !now.Before(e.expires) || e.page == nil {
		return nil, false
	}
	return e.page, true
}

// keepAnonymousPage keeps page, the whole page n rendered around list for an
// anonymous visitor, if list is still the kept copy of page n's list.
func (lc *listingCache) keepAnonymousPage(n int, list template.HTML, page []byte) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if e, ok := lc.entries[n]; ok && e.gen == lc.gen && e.html == list {
		e.page = page
		lc.entries[n] = e
	}
}
