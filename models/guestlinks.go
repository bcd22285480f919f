package models

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
)

// What a guest's own links do. Each has its own token: the one in the
// feedback email cannot give a seat away, and the reverse.
const (
	LinkFeedback = "feedback"
	LinkGiveAway = "give-away"
)

// guestLinkDomain separates guest link tokens from anything else keyed by
// the same secret.
const guestLinkDomain = "clockroom/guest-link/v1\x00"

// guestMACSize is the size of a guest token's tag: 128 bits, beyond guessing.
const guestMACSize = 16

// ErrBadGuestLink is a guest link whose token does not verify, or whose
// RSVP is gone.
var ErrBadGuestLink = newError(KindNotFound, "not a valid guest link")

// GuestToken is the token of an RSVP's link for purpose (LinkFeedback,
// LinkGiveAway): the RSVP's id and an HMAC-SHA256 of the purpose and the id,
// base64url. It is emailed to the guest only; unlike the ticket code, which
// the host's door sees whenever a ticket is scanned, no host screen ever
// shows it, so a host cannot answer for a guest. Being derived, not stored,
// it can be written into any email at any time, and every instance with the
// same SECRET_KEY accepts it.
func (s *TicketSigner) GuestToken(purpose string, rsvpID int64) string {
	raw := binary.BigEndian.AppendUint64(nil, uint64(rsvpID))
	return base64.RawURLEncoding.EncodeToString(append(raw, s.guestMAC(purpose, raw)...))
}

// VerifyGuestToken returns the RSVP id of a token made by GuestToken for
// purpose, or false for anything else: a ticket code, a token for another
// purpose or from another key, or one tampered with.
func (s *TicketSigner) VerifyGuestToken(purpose, token string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 8+guestMACSize {
		return 0, false
	}
	id, tag := raw[:8], raw[8:]
	if !hmac.Equal(tag, s.guestMAC(purpose, id)) {
		return 0, false
	}
	n := int64(binary.BigEndian.Uint64(id))
	return n, n > 0
}

func (s *TicketSigner) guestMAC(purpose string, id []byte) []byte {
	m := hmac.New(sha256.New, s.linkKey)
	m.Write([]byte(guestLinkDomain + purpose + "\x00"))
	m.Write(id)
	return m.Sum(nil)[:guestMACSize]
}

// guestLink is the URL of an RSVP's link for purpose, for an email.
func (s *Store) guestLink(purpose string, rsvpID int64) string {
	if s.Tickets == nil {
		return s.BaseURL + "/me/tickets"
	}
	return s.BaseURL + "/" + purpose + "/" + s.Tickets.GuestToken(purpose, rsvpID)
}

// TicketByGuestToken returns the ticket of a guest link's token for
// purpose, or ErrBadGuestLink.
func (s *Store) TicketByGuestToken(ctx context.Context, purpose, token string) (Ticket, error) {
	if s.Tickets == nil {
		return Ticket{}, ErrBadGuestLink
	}
	id, ok := s.Tickets.VerifyGuestToken(purpose, token)
	if !ok {
		return Ticket{}, ErrBadGuestLink
	}
	t, err := s.TicketByRSVP(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Ticket{}, ErrBadGuestLink
	}
	return t, err
}
