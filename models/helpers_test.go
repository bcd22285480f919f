package models_test

import (
	"io/fs"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/testdb"
	"github.com/clockroom/clockroom/migrations"
	"github.com/clockroom/clockroom/models"
)

func migrationsFS() ([]string, error) { return fs.Glob(migrations.FS, "*.sql") }

// newStore is a Store on a fresh database, with cheap password hashing.
func newStore(t *testing.T) *models.Store {
	t.Helper()
	return &models.Store{DB: testdb.New(t), BcryptCost: 4}
}

var t0 = time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
