package models

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// TicketIDSize is the size of the random part of a ticket code.
const TicketIDSize = 16

// ticketDomain separates ticket signatures from anything else signed with a
// key derived from the same secret.
const ticketDomain = "clockroom/ticket/v1\x00"

// TicketSigner makes and checks ticket codes: a random id and an Ed25519
// signature of it, base64url. The id makes a code unguessable, the signature
// unforgeable; a door device holding only the public key can check a code
// without the network. It also makes the tokens of a guest's own links
// (GuestToken), under a key of their own.
type TicketSigner struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
	// linkKey authenticates guest link tokens; it is not the signing key,
	// so neither ever stands in for the other.
	linkKey []byte
}

// NewTicketSigner derives the signing key from the server's secret key, so
// every instance with the same SECRET_KEY makes and accepts the same codes.
func NewTicketSigner(secret string) *TicketSigner {
	seed := sha256.Sum256([]byte("clockroom/ticket-signing-key/v1\x00" + secret))
	priv := ed25519.NewKeyFromSeed(seed[:])
	link := sha256.Sum256([]byte("clockroom/guest-link-key/v1\x00" + secret))
	return &TicketSigner{priv: priv, pub: priv.Public().(ed25519.PublicKey), linkKey: link[:]}
}

// NewTicketID returns a fresh random ticket id.
func NewTicketID() []byte {
	id := make([]byte, TicketIDSize)
	if _, err := rand.Read(id); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on Linux
	}
	return id
}

// Code is the ticket code for id.
func (s *TicketSigner) Code(id []byte) string {
	sig := ed25519.Sign(s.priv, append([]byte(ticketDomain), id...))
	return base64.RawURLEncoding.EncodeToString(append(append([]byte{}, id...), sig...))
}

// Verify returns the ticket id in code, or false for anything that is not a
// code this server signed (malformed, tampered, or from another key).
func (s *TicketSigner) Verify(code string) ([]byte, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(code)
	if err != nil || len(raw) != TicketIDSize+ed25519.SignatureSize {
		return nil, false
	}
	id, sig := raw[:TicketIDSize], raw[TicketIDSize:]
	if !ed25519.Verify(s.pub, append([]byte(ticketDomain), id...), sig) {
		return nil, false
	}
	return id, true
}

// PublicKey is the key that checks codes, for offline door devices.
func (s *TicketSigner) PublicKey() ed25519.PublicKey { return s.pub }
