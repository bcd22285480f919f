package models_test

import (
	"context"
	"sync"
	"testing"

	"github.com/clockroom/clockroom/internal/testkit/testdb"
	"github.com/clockroom/clockroom/models"
)

func TestMigrateTwiceIsANoOp(t *testing.T) {
	db := testdb.New(t) // already migrated from the template
	n, err := models.Migrate(context.Background(), db.DB)
	if err != nil || n != 0 {
		t.Fatalf("second migration applied %d, err %v; want 0, nil", n, err)
	}
}

func TestConcurrentMigratorsTakeTurns(t *testing.T) {
	url := testdb.NewURL(t, false) // empty database
	ctx := context.Background()
	const runners = 4
	applied := make([]int, runners)
	errs := make([]error, runners)
	var wg sync.WaitGroup
	for i := range runners {
		wg.Go(func() {
			db, err := models.Open(ctx, url)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			applied[i], errs[i] = models.Migrate(ctx, db.DB)
		})
	}
	wg.Wait()
	total := 0
	for i := range runners {
		if errs[i] != nil {
			t.Fatalf("runner %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	files, _ := migrationCount()
	if total != files {
		t.Fatalf("migrations applied %d times in all across runners, want exactly %d (once each)", total, files)
	}
	db, err := models.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables int
	if err := db.Get(&tables, `SELECT count(*) FROM information_schema.tables WHERE table_name IN ('users','events','rsvps','sessions')`); err != nil || tables != 4 {
		t.Fatalf("schema incomplete: %d tables, %v", tables, err)
	}
}

func migrationCount() (int, error) {
	entries, err := migrationsFS()
	return len(entries), err
}
