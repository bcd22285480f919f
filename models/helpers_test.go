package models_test

import (
	"io/fs"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/testkit/testdb"
	"github.com/clockroom/clockroom/migrations"
	"github.com/clockroom/clockroom/models"
)

func migrationsFS() ([]string, error) { return fs.Glob(migrations.FS, "*.sql") }

// newStore is a Store on a fresh database, with cheap password hashing.
func newStore(t *testing.T) *models.Store {
	t.Helper()
	return &models.Store{DB: testdb.New(t), BcryptCost: 4}
}

// t0 is the tests' "now": the real clock at the minute the run began, so
// fixtures sit where the code's own clock expects them on any date.
var t0 = time.Now().UTC().Truncate(time.Minute)
