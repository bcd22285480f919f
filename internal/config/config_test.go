package config

import (
	"strings"
	"testing"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestDefaultsAreDevelopment(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Dev() || c.Addr != "localhost:8080" || c.BaseURL.String() != "http://localhost:8080" ||
		!c.StripeTestMode() || c.SecureCookies() || !c.SeedDemo || c.LogFormat != "text" || c.DemoPassword != "clockroom-demo" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestDatabaseURLMeansProduction(t *testing.T) {
	c, err := Load(env(map[string]string{
		"DATABASE_URL": "postgres://u:p@db:5432/clockroom?sslmode=disable",
		"SECRET_KEY":   strings.Repeat("k", 32),
		"BASE_URL":     "https://cafe.example.com/",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Dev() || c.SeedDemo || c.LogFormat != "json" || !c.SecureCookies() || c.BaseURL.String() != "https://cafe.example.com" {
		t.Fatalf("production config wrong: %+v", c)
	}
}

func TestBadValuesNameTheirVariable(t *testing.T) {
	prod := map[string]string{"DATABASE_URL": "postgres://db/clockroom", "SECRET_KEY": strings.Repeat("s", 40)}
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"bad database url", map[string]string{"DATABASE_URL": "mysql://db/x", "SECRET_KEY": strings.Repeat("s", 40)}, "DATABASE_URL must be a URL"},
		{"database url without host", map[string]string{"DATABASE_URL": "postgres:///x", "SECRET_KEY": strings.Repeat("s", 40)}, "DATABASE_URL must name a host"},
		{"port not a number", map[string]string{"ADDR": "localhost:http"}, "ADDR must end in a port"},
		{"port too big", map[string]string{"ADDR": ":99999"}, "ADDR must end in a port"},
		{"addr without port", map[string]string{"ADDR": "localhost"}, "ADDR must be host:port"},
		{"relative base url", map[string]string{"BASE_URL": "/clockroom"}, "BASE_URL must be an absolute"},
		{"ftp base url", map[string]string{"BASE_URL": "ftp://x.example"}, "BASE_URL must be an absolute"},
		{"missing secret in production", map[string]string{"DATABASE_URL": "postgres://db/clockroom"}, "SECRET_KEY is required outside development"},
		{"short secret", merge(prod, map[string]string{"SECRET_KEY": "short"}), "SECRET_KEY must be at least 32"},
		{"stripe key shape", map[string]string{"STRIPE_SECRET_KEY": "pk_test_123"}, "STRIPE_SECRET_KEY must be a Stripe secret key"},
		{"webhook secret shape", map[string]string{"STRIPE_WEBHOOK_SECRET": "abc"}, "STRIPE_WEBHOOK_SECRET must be"},
		{"stripe api base", map[string]string{"STRIPE_API_BASE": "localhost:12111"}, "STRIPE_API_BASE must be an absolute"},
		{"smtp url", map[string]string{"SMTP_URL": "mail.example.com:25"}, "SMTP_URL must be a URL"},
		{"env name", map[string]string{"CLOCKROOM_ENV": "staging"}, "CLOCKROOM_ENV must be"},
		{"demo password", map[string]string{"DEMO_PASSWORD": "short"}, "DEMO_PASSWORD must be at least 8"},
		{"log format", map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT must be"},
		{"seed flag", map[string]string{"SEED_DEMO": "maybe"}, "SEED_DEMO must be"},
		{"auto checkout", map[string]string{"AUTO_CHECKOUT_AFTER": "soon"}, "AUTO_CHECKOUT_AFTER must be a duration"},
		{"proxy flag", map[string]string{"TRUST_PROXY_HEADERS": "yes please"}, "TRUST_PROXY_HEADERS must be"},
		{"rehearsal flag", map[string]string{"REHEARSAL_CHECKOUT": "on"}, "REHEARSAL_CHECKOUT must be"},
		{"rehearsal with a real key", map[string]string{"REHEARSAL_CHECKOUT": "true", "STRIPE_SECRET_KEY": "sk_live_123"}, "REHEARSAL_CHECKOUT is only for a Stripe emulator"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(env(tc.env))
			if err == nil {
				t.Fatal("Load accepted a bad value")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
			if strings.Count(err.Error(), "\n") != 0 {
				t.Fatalf("one bad value should give one line, got %q", err)
			}
		})
	}
}

func TestSeveralBadValuesAreAllReported(t *testing.T) {
	_, err := Load(env(map[string]string{"ADDR": "nope", "BASE_URL": "nope"}))
	if err == nil || !strings.Contains(err.Error(), "ADDR") || !strings.Contains(err.Error(), "BASE_URL") {
		t.Fatalf("want both variables named, got %v", err)
	}
}

func merge(a, b map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// Production refuses the published demo password for demo data.
func TestProductionRefusesTheDemoPassword(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "postgres://db/clockroom", "SECRET_KEY": strings.Repeat("k", 40), "SEED_DEMO": "true"}
	get := func(k string) string { return env[k] }
	if _, err := Load(get); err == nil || !strings.Contains(err.Error(), "DEMO_PASSWORD must be your own in production") {
		t.Fatalf("production with the demo password: %v", err)
	}
	env["DEMO_PASSWORD"] = "a-password-of-our-own"
	if _, err := Load(get); err != nil {
		t.Fatalf("production with its own demo password: %v", err)
	}
	env["SEED_DEMO"], env["DEMO_PASSWORD"] = "false", ""
	if _, err := Load(get); err != nil {
		t.Fatalf("production without demo data: %v", err)
	}
}

// The TEST checkout settles bills with no money: development has it on the
// emulator, production only when REHEARSAL_CHECKOUT names it, never with a
// real key.
func TestRehearsalCheckoutIsChosenOnPurposeInProduction(t *testing.T) {
	prod := map[string]string{"DATABASE_URL": "postgres://db/clockroom", "SECRET_KEY": strings.Repeat("k", 40), "STRIPE_API_BASE": "http://stripe-mock:12111"}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"development on the emulator", nil, true},
		{"development with a key", map[string]string{"STRIPE_SECRET_KEY": "sk_test_123"}, false},
		{"production on the emulator", prod, false},
		{"production on the emulator, chosen", merge(prod, map[string]string{"REHEARSAL_CHECKOUT": "true"}), true},
		{"production on the emulator, refused", merge(prod, map[string]string{"REHEARSAL_CHECKOUT": "false"}), false},
		{"production with a key", merge(prod, map[string]string{"STRIPE_SECRET_KEY": "sk_live_123", "STRIPE_API_BASE": ""}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.TestCheckout() != tc.want {
				t.Fatalf("TestCheckout() = %v, want %v", c.TestCheckout(), tc.want)
			}
		})
	}
}
