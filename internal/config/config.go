// Package config reads Clockroom's settings from the environment. Every
// setting has a default that suits `make run`; a bad value stops start-up
// with one sentence that names the variable.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Env values for CLOCKROOM_ENV.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// Config is the whole of the server's configuration.
type Config struct {
	Env                 string // development or production
	DatabaseURL         string // empty in development: start a private PostgreSQL
	Addr                string // host:port to listen on
	BaseURL             *url.URL
	SecretKey           string // signs tickets; empty in development: generated and kept in DataDir
	DataDir             string // where the private PostgreSQL and the dev secret live
	StripeSecretKey     string // empty: talk to a local stripe-mock
	StripeWebhookSecret string
	StripeAPIBase       string // empty: Stripe's own API, or the local stripe-mock in test mode
	SMTPURL             string // empty: keep mail in the outbox for /admin/outbox
	MailFrom            string // the From of every message
	DemoPassword        string
	SeedDemo            bool          // load demo data; always on in development
	LogFormat           string        // text or json
	TrustProxyHeaders   bool          // take the client address from X-Forwarded-For (only behind a proxy you run)
	AutoCheckoutAfter   time.Duration // close visits still open this long after their event ends
	StripeTimeout       time.Duration // the longest one Stripe call may take
	// RehearsalCheckout (REHEARSAL_CHECKOUT) mounts Clockroom's TEST
	// checkout outside development mode. That page has a Pay button that
	// settles a bill with no money, so anyone sent to pay by phone could
	// press it: production serves it only when this is set on purpose, with
	// no STRIPE_SECRET_KEY, for a rehearsal on an emulator.
	RehearsalCheckout bool
}

// Dev reports whether the server runs in development mode.
func (c Config) Dev() bool { return c.Env == EnvDevelopment }

// SecureCookies reports whether cookies must carry the Secure flag.
func (c Config) SecureCookies() bool { return c.BaseURL.Scheme == "https" }

// StripeTestMode reports whether no real Stripe account is configured, so a
// local stripe-mock stands in and no money moves.
func (c Config) StripeTestMode() bool { return c.StripeSecretKey == "" }

// TestCheckout reports whether Clockroom's TEST checkout stands in for
// Stripe's pages: in test mode, always in development, and in production
// only when REHEARSAL_CHECKOUT=true chooses it.
func (c Config) TestCheckout() bool { return c.StripeTestMode() && (c.Dev() || c.RehearsalCheckout) }

// DefaultDemoPassword signs in the demo accounts in development; it is
// published, so production refuses it.
const DefaultDemoPassword = "clockroom-demo"

// Load reads the configuration through getenv (os.Getenv in production, a map
// in tests) and checks every value.
func Load(getenv func(string) string) (Config, error) {
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		DatabaseURL:         get("DATABASE_URL", ""),
		Addr:                get("ADDR", "localhost:8080"),
		SecretKey:           get("SECRET_KEY", ""),
		DataDir:             get("CLOCKROOM_DATA_DIR", ".clockroom"),
		StripeSecretKey:     get("STRIPE_SECRET_KEY", ""),
		StripeWebhookSecret: get("STRIPE_WEBHOOK_SECRET", ""),
		StripeAPIBase:       get("STRIPE_API_BASE", ""),
		SMTPURL:             get("SMTP_URL", ""),
		DemoPassword:        get("DEMO_PASSWORD", DefaultDemoPassword),
	}
	defEnv := EnvDevelopment
	if c.DatabaseURL != "" {
		defEnv = EnvProduction
	}
	c.Env = get("CLOCKROOM_ENV", defEnv)
	defFormat := "json"
	if c.Dev() {
		defFormat = "text"
	}
	c.LogFormat = get("LOG_FORMAT", defFormat)

	var errs []error
	bad := func(key, msg string) { errs = append(errs, fmt.Errorf("%s %s", key, msg)) }

	envOK := c.Env == EnvDevelopment || c.Env == EnvProduction
	if !envOK {
		bad("CLOCKROOM_ENV", `must be "development" or "production"`)
	}
	if c.DatabaseURL != "" {
		if err := checkDatabaseURL(c.DatabaseURL); err != nil {
			bad("DATABASE_URL", err.Error())
		}
	}
	if err := checkAddr(c.Addr); err != nil {
		bad("ADDR", err.Error())
	}
	base, err := checkHTTPURL(get("BASE_URL", defaultBaseURL(c.Addr)))
	if err != nil {
		bad("BASE_URL", err.Error())
	}
	c.BaseURL = base
	defFrom := "Clockroom <no-reply@clockroom.invalid>"
	if base != nil && strings.Contains(base.Hostname(), ".") {
		defFrom = "Clockroom <no-reply@" + base.Hostname() + ">"
	}
	c.MailFrom = get("MAIL_FROM", defFrom)
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		bad("MAIL_FROM", `must be an address like "Clockroom <hello@example.com>"`)
	}
	switch {
	case c.SecretKey == "" && !c.Dev() && envOK:
		bad("SECRET_KEY", "is required outside development mode (at least 32 random characters, e.g. from `openssl rand -hex 32`)")
	case c.SecretKey != "" && len(c.SecretKey) < 32:
		bad("SECRET_KEY", "must be at least 32 characters long")
	}
	if c.StripeSecretKey != "" && !strings.HasPrefix(c.StripeSecretKey, "sk_") && !strings.HasPrefix(c.StripeSecretKey, "rk_") {
		bad("STRIPE_SECRET_KEY", `must be a Stripe secret key starting with "sk_" or "rk_"`)
	}
	if c.StripeWebhookSecret != "" && !strings.HasPrefix(c.StripeWebhookSecret, "whsec_") {
		bad("STRIPE_WEBHOOK_SECRET", `must be a Stripe webhook signing secret starting with "whsec_"`)
	}
	if c.StripeAPIBase != "" {
		if _, err := checkHTTPURL(c.StripeAPIBase); err != nil {
			bad("STRIPE_API_BASE", err.Error())
		}
	}
	if c.SMTPURL != "" {
		if err := checkSMTPURL(c.SMTPURL); err != nil {
			bad("SMTP_URL", err.Error())
		}
	}
	if len(c.DemoPassword) < 8 {
		bad("DEMO_PASSWORD", "must be at least 8 characters long")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("LOG_FORMAT", `must be "text" or "json"`)
	}
	seed, err := parseBool(get("SEED_DEMO", "false"))
	if err != nil {
		bad("SEED_DEMO", err.Error())
	}
	c.SeedDemo = seed || c.Dev()
	if c.Env == EnvProduction {
		// Safe defaults where the public can reach it: real payments unless
		// an emulator is chosen on purpose, and no published password.
		if c.SeedDemo && c.DemoPassword == DefaultDemoPassword {
			bad("DEMO_PASSWORD", "must be your own in production: the default demo password is published in the README")
		}
	}
	if c.AutoCheckoutAfter, err = time.ParseDuration(get("AUTO_CHECKOUT_AFTER", "30m")); err != nil || c.AutoCheckoutAfter < 0 || c.AutoCheckoutAfter > 24*time.Hour {
		bad("AUTO_CHECKOUT_AFTER", `must be a duration from 0s to 24h, like "30m"`)
	}
	if c.StripeTimeout, err = time.ParseDuration(get("STRIPE_TIMEOUT", "10s")); err != nil || c.StripeTimeout < 100*time.Millisecond || c.StripeTimeout > 2*time.Minute {
		bad("STRIPE_TIMEOUT", `must be a duration from 100ms to 2m, like "10s"`)
	}
	if c.TrustProxyHeaders, err = parseBool(get("TRUST_PROXY_HEADERS", "false")); err != nil {
		bad("TRUST_PROXY_HEADERS", err.Error())
	}
	if c.RehearsalCheckout, err = parseBool(get("REHEARSAL_CHECKOUT", "false")); err != nil {
		bad("REHEARSAL_CHECKOUT", err.Error())
	} else if c.RehearsalCheckout && !c.StripeTestMode() {
		// With a real account its Pay button would mark real bills paid.
		bad("REHEARSAL_CHECKOUT", "is only for a Stripe emulator: unset it, or unset STRIPE_SECRET_KEY")
	}
	if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	return c, errors.Join(errs...)
}

func defaultBaseURL(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || checkAddr(addr) != nil || port == "0" {
		port = "8080"
	}
	return "http://localhost:" + port
}

func checkDatabaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return errors.New(`must be a URL like "postgres://user:password@host:5432/clockroom?sslmode=disable"`)
	}
	if u.Host == "" && u.Query().Get("host") == "" {
		return errors.New("must name a host (or a host= socket folder)")
	}
	return nil
}

func checkAddr(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf(`must be host:port, like "localhost:8080" or ":8080" (got %q)`, s)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("must end in a port from 1 to 65535, or 0 for any free port (got %q)", port)
	}
	return nil
}

func checkHTTPURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf(`must be an absolute http:// or https:// URL (got %q)`, s)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

func checkSMTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return errors.New(`must be a URL like "smtp://user:password@mail.example.com:587" or "smtps://..."`)
	}
	return nil
}

func parseBool(s string) (bool, error) {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf(`must be "true" or "false" (got %q)`, s)
	}
	return b, nil
}
