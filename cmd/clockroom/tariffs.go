package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/clockroom/clockroom/internal/tariff"
	"github.com/clockroom/clockroom/models"
)

const tariffsUsage = `usage: clockroom tariffs export [FILE|-]   write the venue's tariffs to FILE (- or none: standard output)
       clockroom tariffs import FILE       save each tariff in FILE as a new version, all of them or none`

// tariffsCmd handles `clockroom tariffs export|import`: the venue's
// tariffs as the engine's documented JSON file, to keep in version
// control, through the same store methods as the admin's page.
func tariffsCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	switch {
	case len(args) == 1 && args[0] == "export":
		return exportTariffs(ctx, "-", getenv, stdout)
	case len(args) == 2 && args[0] == "export":
		return exportTariffs(ctx, args[1], getenv, stdout)
	case len(args) == 2 && args[0] == "import":
		return importTariffs(ctx, args[1], getenv, stdout)
	}
	return errors.New(tariffsUsage)
}

// exportTariffs writes the tariffs file to file, or to stdout for "-".
func exportTariffs(ctx context.Context, file string, getenv func(string) string, stdout io.Writer) error {
	in, err := setup(ctx, getenv, io.Discard, false) // stdout may be the file: no log lines in it
	if err != nil {
		return err
	}
	defer in.close()
	data, err := in.store().ExportTariffs(ctx)
	if err != nil {
		return err
	}
	if file == "-" {
		_, err := stdout.Write(data)
		return err
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return err
	}
	list, err := tariff.Unmarshal(data)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %s to %s\n", count(len(list), "tariff", "tariffs"), file)
	return nil
}

// importTariffs saves every tariff of file as a new version, in one
// transaction, and says how many changed; a refusal says which tariff and
// field, and changes nothing.
func importTariffs(ctx context.Context, file string, getenv func(string) string, stdout io.Writer) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if _, err := tariff.Unmarshal(data); err != nil {
		return fmt.Errorf("import refused, nothing changed: %s: %w", file, err)
	}
	in, err := setup(ctx, getenv, io.Discard, false)
	if err != nil {
		return err
	}
	defer in.close()
	n, err := in.store().ImportTariffs(ctx, data, 0)
	var te *models.TariffError
	switch {
	case errors.As(err, &te):
		return importRefused(file, te.Problems)
	case errors.Is(err, models.ErrTariffCurrency):
		return fmt.Errorf("import refused, nothing changed: a tariff in %s is in another currency than the venue's", file)
	case errors.Is(err, sql.ErrNoRows):
		return errors.New("import refused: there is no venue yet (start the server once, or run clockroom seed)")
	case err != nil:
		return err
	}
	fmt.Fprintf(stdout, "imported %s: %s changed\n", file, count(n, "tariff", "tariffs"))
	return nil
}

// importRefused lists each problem of a refused import by tariff and field.
func importRefused(file string, problems tariff.Errors) error {
	lines := []string{"import refused, nothing changed: " + file}
	for _, p := range problems {
		name, field, _ := strings.Cut(p.Field, ": ")
		lines = append(lines, fmt.Sprintf("  tariff %q, field %s: %s", name, field, p.Message))
	}
	return errors.New(strings.Join(lines, "\n"))
}

// count writes "1 tariff", "2 tariffs".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
