// Package testdb gives tests a real PostgreSQL: one throwaway cluster per test
// binary (started by the same launcher as `make run`), one migrated template
// database, and a fresh copy of it for every test.
//
// A package that uses it calls testdb.Main from its TestMain.
package testdb

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/clockroom/clockroom/internal/dev/pgdev"
	"github.com/clockroom/clockroom/models"
)

const template = "clockroom_template"

var (
	once    sync.Once
	cluster *pgdev.Cluster
	dir     string
	initErr error
	counter atomic.Int64
)

// Main runs the package's tests and then stops the cluster, if one started.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		_ = cluster.Stop()
		_ = os.RemoveAll(dir)
	}
	os.Exit(code)
}

func start() {
	dir, initErr = os.MkdirTemp("", "clockroom-testdb-")
	if initErr != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cluster, initErr = pgdev.Start(ctx, pgdev.Options{Dir: dir, Database: template, Fast: true})
	if initErr != nil {
		return
	}
	db, err := models.Open(ctx, cluster.URL(template))
	if err != nil {
		initErr = err
		return
	}
	defer db.Close()
	_, initErr = models.Migrate(ctx, db.DB)
}

// Cluster returns the running test cluster, starting it on first use.
func Cluster(t testing.TB) *pgdev.Cluster {
	t.Helper()
	once.Do(start)
	if initErr != nil {
		t.Fatalf("test database: %v", initErr)
	}
	return cluster
}

// New returns a connection to a fresh, migrated database that is dropped when
// the test ends.
func New(t testing.TB) *sqlx.DB {
	t.Helper()
	url := NewURL(t, true)
	db, err := models.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// NewURL creates a fresh database (a copy of the migrated template, or empty
// when migrated is false) and returns its URL; it is dropped when the test ends.
func NewURL(t testing.TB, migrated bool) string {
	t.Helper()
	c := Cluster(t)
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), counter.Add(1))
	stmt := `CREATE DATABASE ` + name
	if migrated {
		stmt += ` TEMPLATE ` + template
	}
	admin, err := sqlx.Open("postgres", c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(stmt); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sqlx.Open("postgres", c.URL("postgres"))
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	return c.URL(name)
}
