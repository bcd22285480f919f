package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clockroom/clockroom/internal/testkit/testdb"
	"github.com/clockroom/clockroom/models"
)

// `clockroom tariffs import` saves the engine's example file (one tariff
// changed), again (none), and refuses a file with a bad price, naming the
// tariff and field, changing nothing; `tariffs export` writes the file
// back, to a file or to standard output.
func TestTariffsCommand(t *testing.T) {
	ctx := context.Background()
	url := testdb.NewURL(t, false)
	env := envMap(map[string]string{"DATABASE_URL": url, "SECRET_KEY": strings.Repeat("x", 40)})
	if err := run(ctx, []string{"migrate"}, env, io.Discard); err != nil {
		t.Fatal(err)
	}
	db, err := models.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store := &models.Store{DB: db}
	if _, err := store.CreateVenue(ctx, models.Venue{Name: "Café", TimeZone: "Europe/London", Currency: "GBP", RoomCapacity: 30}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	example, err := os.ReadFile(filepath.Join("..", "..", "internal", "tariff", "testdata", "standard.json"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "tariffs.json")
	os.WriteFile(file, example, 0o644)

	var out strings.Builder
	if err := run(ctx, []string{"tariffs", "import", file}, env, &out); err != nil || out.String() != "imported "+file+": 1 tariff changed\n" {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"tariffs", "import", file}, env, &out); err != nil || !strings.Contains(out.String(), ": 0 tariffs changed") {
		t.Fatalf("import again: %v\n%s", err, out.String())
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(strings.Replace(string(example), `"per_minute": 7`, `"per_minute": -7`, 1)), 0o644)
	err = run(ctx, []string{"tariffs", "import", bad}, env, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "nothing changed") || !strings.Contains(err.Error(), `tariff "Standard", field steps[0].per_minute: must not be negative`) {
		t.Fatalf("a bad price: %v", err)
	}
	os.WriteFile(bad, []byte(`{"format": "clockroom.tariffs/1", "tariffs": [{"name": "X", "per_minut": 1}]}`), 0o644)
	if err := run(ctx, []string{"tariffs", "import", bad}, env, io.Discard); err == nil || !strings.Contains(err.Error(), `unknown field "per_minut"`) {
		t.Fatalf("not a tariffs file: %v", err)
	}
	if tv, err := store.TariffByName(ctx, "Standard"); err != nil || tv.Version != 1 {
		t.Fatalf("after refusals: version %d, %v", tv.Version, err)
	}

	exported := filepath.Join(dir, "exported.json")
	out.Reset()
	if err := run(ctx, []string{"tariffs", "export", exported}, env, &out); err != nil || out.String() != "exported 1 tariff to "+exported+"\n" {
		t.Fatalf("export: %v\n%s", err, out.String())
	}
	written, _ := os.ReadFile(exported)
	out.Reset()
	if err := run(ctx, []string{"tariffs", "export", "-"}, env, &out); err != nil || out.String() != string(written) ||
		!strings.HasPrefix(out.String(), "{\n  \"format\": \"clockroom.tariffs/1\"") || !strings.Contains(out.String(), `"name": "Night pack"`) {
		t.Fatalf("export to standard output: %v\n%s", err, out.String())
	}
	for _, args := range [][]string{{"tariffs"}, {"tariffs", "import"}, {"tariffs", "delete", "x"}} {
		if err := run(ctx, args, env, io.Discard); err == nil || !strings.Contains(err.Error(), "usage: clockroom tariffs export") {
			t.Fatalf("%v: %v", args, err)
		}
	}
	if err := run(ctx, []string{"help"}, env, &out); err != nil || !strings.Contains(out.String(), "tariffs import FILE") {
		t.Fatal("the usage does not mention tariffs import")
	}
}
