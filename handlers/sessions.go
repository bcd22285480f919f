package handlers

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// knownSessions tells a request whose session cookie names a session that
// exists from one whose cookie is made up. Anyone can send a cookie called
// clockroom_session; only a sign-in (or its second-factor step) stores one.
// The lanes choose from the answer, so a flood of forged cookies takes the
// anonymous lane and never the lanes of members, staff and the door; and
// the session middleware never looks a forged token up again.
//
// The answer costs one primary-key probe of the sessions table, bounded in
// turn so that a flood of well-formed forgeries cannot make it unbounded
// work: a token that is not shaped like an scs token is no session without
// asking; answers are remembered for a minute (tokens that exist apart from
// those that do not, so forgeries cannot push members' tokens out); and at
// most sessionLookups probes run at once, each waiting at most the lanes'
// wait for its turn. Sessions live in PostgreSQL, so another instance may
// sign in or out meanwhile; what this instance remembers stays right:
//   - a token remembered as unknown never comes to exist: scs makes every
//     new session's token afresh from 32 random bytes;
//   - a token remembered as known that has since been signed out only keeps
//     its general lane for the rest of the minute: the session middleware
//     loads it from the store, finds nothing, and the request is anonymous.
type knownSessions struct {
	cookie         string
	exists         func(ctx context.Context, token string) (bool, error)
	slots          chan struct{}
	wait           time.Duration
	known, unknown *tokenMemo
}

const (
	sessionLookups = 2           // session probes at once: each takes a fraction of a millisecond
	tokenMemoTTL   = time.Minute // how long an answer is remembered
	tokenMemoSize  = 10000       // tokens per generation of a memo (two generations at most)
	sessionKey     = "clockroom.session"
)

// newKnownSessions checks the named cookie's tokens with exists.
func newKnownSessions(cookie string, exists func(context.Context, string) (bool, error), lookups int, wait time.Duration) *knownSessions {
	return &knownSessions{cookie: cookie, exists: exists, slots: make(chan struct{}, lookups), wait: wait,
		known: newTokenMemo(tokenMemoTTL, tokenMemoSize), unknown: newTokenMemo(tokenMemoTTL, tokenMemoSize)}
}

// checkedToken is a request's session token once checked: "" when the
// request carries no session that exists.
type checkedToken string

// token is the request's session token if it names a session that exists,
// else "". It is checked once per request and kept on the context.
func (k *knownSessions) token(c echo.Context) (string, error) {
	if t, ok := c.Get(sessionKey).(checkedToken); ok {
		return string(t), nil
	}
	ck, err := c.Request().Cookie(k.cookie)
	token := ""
	if err == nil && tokenShaped(ck.Value) {
		found, err := k.lookup(c.Request().Context(), ck.Value)
		if errors.Is(err, errLookupsFull) {
			return "", busy(c)
		}
		if err != nil {
			return "", err
		}
		if found {
			token = ck.Value
		}
	}
	c.Set(sessionKey, checkedToken(token))
	return token, nil
}

// lookup asks the memos, then the session store, whether token exists.
func (k *knownSessions) lookup(ctx context.Context, token string) (bool, error) {
	if found, ok := k.remembered(token); ok {
		return found, nil
	}
	select {
	case k.slots <- struct{}{}:
	default:
		t := time.NewTimer(k.wait)
		defer t.Stop()
		select {
		case k.slots <- struct{}{}:
		case <-ctx.Done():
			return false, ctx.Err()
		case <-t.C:
			return false, errLookupsFull
		}
	}
	defer func() { <-k.slots }()
	if found, ok := k.remembered(token); ok { // looked up while this one waited
		return found, nil
	}
	found, err := k.exists(ctx, token)
	if err != nil {
		return false, err
	}
	if found {
		k.known.add(token)
	} else {
		k.unknown.add(token)
	}
	return found, nil
}

func (k *knownSessions) remembered(token string) (found, ok bool) {
	if k.known.has(token) {
		return true, true
	}
	return false, k.unknown.has(token)
}

// tokenShaped reports whether s could be an scs session token: 32 random
// bytes in unpadded base64url, 43 characters.
func tokenShaped(s string) bool {
	if len(s) != 43 {
		return false
	}
	for i := range len(s) {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// errLookupsFull is a session lookup's answer when the lookups stay full for
// the whole wait: the request gets the lanes' 503.
var errLookupsFull = errors.New("session lookups full")

// tokenMemo remembers tokens for at least ttl, in two generations of at
// most size each: when the newer fills up, the older is dropped whole. So
// it never holds more than 2×size tokens, and costs nothing to keep tidy.
type tokenMemo struct {
	mu       sync.Mutex
	ttl      time.Duration
	size     int
	cur, old map[string]time.Time // token → when it was looked up
}

func newTokenMemo(ttl time.Duration, size int) *tokenMemo {
	return &tokenMemo{ttl: ttl, size: size, cur: map[string]time.Time{}, old: map[string]time.Time{}}
}

// has reports whether token was added less than ttl ago. (The real clock,
// like the sessions' expiry, not the app's.)
func (m *tokenMemo) has(token string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	at, ok := m.cur[token]
	if !ok {
		at, ok = m.old[token]
	}
	return ok && time.Since(at) < m.ttl
}

func (m *tokenMemo) add(token string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.cur) >= m.size {
		m.old, m.cur = m.cur, make(map[string]time.Time, m.size)
	}
	m.cur[token] = time.Now()
}
