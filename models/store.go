// Package models owns Clockroom's types, SQL, transactions and business rules.
// Exported Store methods are transaction boundaries; it never imports HTTP.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/clockroom/clockroom/migrations"
)

// Errors the handlers map to messages.
var (
	ErrNotFound           = newError(KindNotFound, "not found")
	ErrDuplicateEmail     = newError(KindConflict, "an account with this email already exists")
	ErrInvalidCredentials = errors.New("email or password is wrong")
)

// Store is the database and the rules that guard it.
type Store struct {
	DB         *sqlx.DB
	BcryptCost int           // 0 means DefaultBcryptCost
	Tickets    *TicketSigner // makes the ticket links in messages
	BaseURL    string        // the public URL, for links in messages
	// Listing, when set, announces the listing changes of RSVPs after they
	// commit; without it they are announced as they commit.
	Listing *ListingNotifier
	// clock is the one clock of the app: the store stamps each transaction
	// with it (an exported method reads it once, so what one call writes
	// has one instant), and the handlers, jobs and start-up read it (Now).
	// Unset is the wall clock; tests set it (SetClock) while background
	// work reads it, or stop a copy of the store at a time (At).
	clock atomic.Pointer[func() time.Time]
	// prepared holds the hot paths' statements once Prepare has run.
	prepared map[string]*sqlx.Stmt
}

// At is the store with its clock stopped at t, for writing what happened at
// a known time: the demo's past nights, and tests.
func (s *Store) At(t time.Time) *Store {
	c := &Store{DB: s.DB, BcryptCost: s.BcryptCost, Tickets: s.Tickets, BaseURL: s.BaseURL, Listing: s.Listing, prepared: s.prepared}
	c.SetClock(func() time.Time { return t })
	return c
}

// SetClock makes now the store's clock (nil: the wall clock).
func (s *Store) SetClock(now func() time.Time) {
	if now == nil {
		s.clock.Store(nil)
		return
	}
	s.clock.Store(&now)
}

// Now is the time by the store's clock.
func (s *Store) Now() time.Time {
	if c := s.clock.Load(); c != nil {
		return (*c)()
	}
	return time.Now()
}

// Prepare prepares the statements of the hot paths (an RSVP's), so that
// PostgreSQL parses and plans them once per connection instead of once per
// request. Call it once, before the store is used; without it they are sent
// as they are.
func (s *Store) Prepare(ctx context.Context) error {
	s.prepared = map[string]*sqlx.Stmt{}
	for _, q := range []string{reserveRead, reserveNew} {
		st, err := s.DB.PreparexContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		s.prepared[q] = st
	}
	return nil
}

// getPrepared is GetContext with query's prepared statement, if it has one.
func (s *Store) getPrepared(ctx context.Context, dest any, query string, args ...any) error {
	if st, ok := s.prepared[query]; ok {
		return st.GetContext(ctx, dest, args...)
	}
	return s.DB.GetContext(ctx, dest, query, args...)
}

// PoolSize is how many connections a server holds open to PostgreSQL.
const PoolSize = 25

// Open connects to PostgreSQL and checks the connection.
//
// Queries go out with binary_parameters: lib/pq then sends a query and its
// arguments in one round trip instead of two (parse, then bind). The one
// difference it makes is that a []byte argument travels as raw bytes, which
// is right for bytea and wrong for json: pass JSON as a string.
func Open(ctx context.Context, url string) (*sqlx.DB, error) {
	cfg, err := pq.NewConfig(url)
	if err != nil {
		return nil, fmt.Errorf("the database URL: %w", err)
	}
	cfg.BinaryParameters = true
	// No JIT compilation and no parallel workers, unless the URL asks: both
	// start on a query's estimated cost, and the reports' queries, the only
	// ones that reach it, spent a second compiling and tens of milliseconds
	// starting workers to save a few; a busy server's cores are taken by
	// its other requests anyway.
	if cfg.Runtime == nil {
		cfg.Runtime = map[string]string{}
	}
	for k, v := range map[string]string{"jit": "off", "max_parallel_workers_per_gather": "0"} {
		if _, set := cfg.Runtime[k]; !set {
			cfg.Runtime[k] = v
		}
	}
	conn, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, err
	}
	db := sqlx.NewDb(sql.OpenDB(conn), "postgres")
	db.SetMaxOpenConns(PoolSize)
	db.SetMaxIdleConns(PoolSize)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	return db, nil
}

// Migrate applies every pending migration under a PostgreSQL advisory lock, so
// servers that start together take turns. It returns how many it applied.
func Migrate(ctx context.Context, db *sql.DB) (int, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return 0, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithSessionLocker(locker))
	if err != nil {
		return 0, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return len(results), nil
}

// inTx runs fn in one transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation on
// the named constraint (any constraint when name is empty).
func isUniqueViolation(err error, name string) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "23505" && (name == "" || pe.Constraint == name)
}

// audit records who did what to which record.
func audit(ctx context.Context, tx sqlx.ExtContext, now time.Time, actorID int64, action, subject string, detail any) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO audit_log (actor_id, action, subject, detail, created_at) VALUES (NULLIF($1, 0), $2, $3, $4, $5)`,
		actorID, action, subject, jsonDetail(detail), now)
	return err
}
