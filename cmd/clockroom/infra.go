package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/clockroom/clockroom/internal/config"
	"github.com/clockroom/clockroom/internal/dev/pgdev"
	"github.com/clockroom/clockroom/internal/dev/stripemock"
	"github.com/clockroom/clockroom/internal/stripeapi"
	"github.com/clockroom/clockroom/models"
)

// infra is what a command runs on: configuration, the database (a private
// cluster in development) and, in test mode, a local stripe-mock.
type infra struct {
	cfg     config.Config
	log     *slog.Logger
	db      *sqlx.DB
	dbURL   string
	cluster *pgdev.Cluster
	mock    *stripemock.Mock
}

// setup loads the configuration, opens (or starts) the database and applies
// migrations. withStripe also starts stripe-mock when no Stripe key is set.
func setup(ctx context.Context, getenv func(string) string, stdout io.Writer, withStripe bool) (*infra, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	in := &infra{cfg: cfg, log: newLogger(cfg.LogFormat, stdout)}
	ok := false
	defer func() {
		if !ok {
			in.close()
		}
	}()
	url := cfg.DatabaseURL
	if url == "" {
		in.log.Info("no DATABASE_URL: starting a private PostgreSQL", "dir", filepath.Join(cfg.DataDir, "postgres"))
		in.cluster, err = pgdev.Start(ctx, pgdev.Options{
			Dir: filepath.Join(cfg.DataDir, "postgres"),
			Log: func(f string, a ...any) { in.log.Info(fmt.Sprintf(f, a...)) },
		})
		if err != nil {
			return nil, fmt.Errorf("private database: %w", err)
		}
		url = in.cluster.URL("clockroom")
	}
	in.dbURL = url
	if in.db, err = models.Open(ctx, url); err != nil {
		return nil, err
	}
	n, err := models.Migrate(ctx, in.db.DB)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		in.log.Info("applied migrations", "count", n)
	}
	if in.cfg.SecretKey == "" && cfg.Dev() {
		if in.cfg.SecretKey, err = devSecret(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	if withStripe && cfg.StripeTestMode() && cfg.StripeAPIBase == "" {
		if !cfg.Dev() {
			// Where the public can reach it, a server never quietly takes
			// "payments" on an emulator: that is chosen on purpose.
			return nil, errors.New("configuration: STRIPE_SECRET_KEY is required in production (to run on a Stripe emulator on purpose, set STRIPE_API_BASE to it)")
		}
		if in.mock, err = stripemock.Start(ctx); err != nil {
			return nil, err
		}
		in.cfg.StripeAPIBase = in.mock.URL
		in.cfg.StripeSecretKey = ""
		in.log.Info("no STRIPE_SECRET_KEY: using a local stripe-mock, no real charges", "url", in.mock.URL)
	}
	ok = true
	return in, nil
}

// close stops what setup started, the database last.
func (in *infra) close() {
	if in.db != nil {
		in.db.Close()
	}
	in.mock.Stop()
	if in.cluster != nil {
		if err := in.cluster.Stop(); err != nil {
			in.log.Warn("stop the private database", "error", err)
		}
	}
}

// devSecret returns the development secret key kept in dataDir, creating it
// on first use so ticket codes stay valid across restarts.
func devSecret(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "secret-key")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	key := hex.EncodeToString(buf)
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return "", err
	}
	return key, os.WriteFile(path, []byte(key+"\n"), 0o600)
}

// store is the database with the ticket signer and the base URL, so every
// command that queues mail (serve, seed, user create) writes absolute links.
func (in *infra) store() *models.Store {
	return &models.Store{DB: in.db, Tickets: models.NewTicketSigner(in.cfg.SecretKey), BaseURL: in.cfg.BaseURL.String()}
}

// gateway is Stripe with the configured key, or stripe-mock in test mode.
func (in *infra) gateway() *stripeapi.Stripe {
	key := in.cfg.StripeSecretKey
	if key == "" {
		key = stripemock.TestKey
	}
	return stripeapi.NewStripe(key, in.cfg.StripeAPIBase, in.cfg.StripeTimeout)
}
