package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

const root = "../../.."

func loadCompose(t *testing.T, env ...string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithEnv(env), cli.WithDiscardEnvFile)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(t.Context())
}

func TestComposeFileLoads(t *testing.T) {
	p, err := loadCompose(t, "SECRET_KEY="+strings.Repeat("s", 64))
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	for _, name := range []string{"db", "stripe-mock", "app"} {
		svc, ok := p.Services[name]
		if !ok {
			t.Fatalf("service %q missing", name)
		}
		if svc.HealthCheck == nil || len(svc.HealthCheck.Test) == 0 {
			t.Errorf("service %q has no healthcheck", name)
		}
	}
	app := p.Services["app"]
	for _, dep := range []string{"db", "stripe-mock"} {
		if d, ok := app.DependsOn[dep]; !ok || d.Condition != types.ServiceConditionHealthy {
			t.Errorf("app must wait for %s to be healthy, got %+v", dep, app.DependsOn[dep])
		}
	}
	if app.Build == nil || app.Build.Context == "" {
		t.Fatal("app must be built from the repository")
	}
	if _, err := os.Stat(filepath.Join(app.Build.Context, "Dockerfile")); err != nil {
		t.Fatalf("the app's build context has no Dockerfile: %v", err)
	}
	env := app.Environment
	for _, k := range []string{"DATABASE_URL", "SECRET_KEY", "STRIPE_API_BASE", "ADDR"} {
		if v := env[k]; v == nil || *v == "" {
			t.Errorf("app environment lacks %s", k)
		}
	}
	if !strings.Contains(*env["DATABASE_URL"], "@db:5432/") || *env["STRIPE_API_BASE"] != "http://stripe-mock:12111" {
		t.Errorf("app must talk to the compose services: %s, %s", *env["DATABASE_URL"], *env["STRIPE_API_BASE"])
	}
	if len(app.Ports) != 1 || app.Ports[0].Target != 8080 {
		t.Errorf("app must publish port 8080: %+v", app.Ports)
	}
}

// The compose file runs production on stripe-mock: the TEST checkout, whose
// Pay button settles a bill with no money, is off unless chosen.
func TestComposeLeavesTheTestCheckoutOff(t *testing.T) {
	for chosen, want := range map[string]string{"": "false", "true": "true"} {
		env := []string{"SECRET_KEY=" + strings.Repeat("s", 64)}
		if chosen != "" {
			env = append(env, "REHEARSAL_CHECKOUT="+chosen)
		}
		p, err := loadCompose(t, env...)
		if err != nil {
			t.Fatal(err)
		}
		if v := p.Services["app"].Environment["REHEARSAL_CHECKOUT"]; v == nil || *v != want {
			t.Fatalf("REHEARSAL_CHECKOUT=%q: app environment has %v, want %q", chosen, v, want)
		}
	}
}

func TestComposeRequiresASecretKey(t *testing.T) {
	_, err := loadCompose(t)
	if err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Fatalf("without SECRET_KEY compose must refuse with a message naming it, got %v", err)
	}
}

func TestDockerfileMatchesTheModule(t *testing.T) {
	df, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	if goVersion == nil || !strings.Contains(string(df), "FROM golang:"+string(goVersion[1])) {
		t.Fatalf("the Dockerfile's Go image must match go.mod's go %s", goVersion[1])
	}
	for _, want := range []string{"./cmd/clockroom", "github.com/stripe/stripe-mock", "USER nonroot", "AS build"} {
		if !strings.Contains(string(df), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
