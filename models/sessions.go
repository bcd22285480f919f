package models

import "context"

// SessionExists reports whether token names a stored sign-in session that
// has not expired: one probe of the sessions table's primary key, reading
// none of the session's data. It asks what the scs session store's own
// lookup asks (its table, its expiry, against the database's clock, which
// is the clock scs's store judges expiry by), so a token it says exists is
// one the session middleware will load. The request lanes use it to tell a
// real sign-in from a cookie anyone can make up. (Tokens are stored as they
// are: scs's HashTokenInStore is off.)
func (s *Store) SessionExists(ctx context.Context, token string) (bool, error) {
	var ok bool
	err := s.DB.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM sessions WHERE token = $1 AND current_timestamp < expiry)`, token)
	return ok, err
}
