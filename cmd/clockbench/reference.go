package main

// The references: what this machine does with none of Clockroom's code,
// measured in the same run, so a slower server or a heavier transaction can
// never make a ratio look better.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// referenceCommand is the hidden subcommand that runs the do-nothing server.
const referenceCommand = "reference-echo"

// serveReference runs an Echo server with one handler that writes "ok" and
// no middleware at all, until the process is stopped.
func serveReference(addr string) error {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	return e.Start(addr)
}

// reference is the do-nothing server, a process of its own as Clockroom's is.
type reference struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

// startReference starts this program's reference server and waits until it
// answers.
func startReference(ctx context.Context) (*reference, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	r := &reference{cmd: exec.Command(exe, referenceCommand, addr), base: "http://" + addr, done: make(chan error, 1)}
	r.cmd.Stderr = os.Stderr
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the reference server: %w", err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	c := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-r.done:
			return nil, fmt.Errorf("the reference server stopped: %v", err)
		case <-ctx.Done():
			r.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if res, err := c.Get(r.base + "/"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return r, nil
			}
		}
	}
	r.stop()
	return nil, errors.New("the reference server did not answer within 10s")
}

func (r *reference) stop() {
	_ = r.cmd.Process.Kill()
	<-r.done
}

// The minimal capped RSVP: a guarded counter and one row, on tables of its
// own in the bench's PostgreSQL. Nothing else: no user, no ticket, no
// waitlist, no mail, no listing notice.
const referenceTables = `
	CREATE TABLE IF NOT EXISTS bench_ref_nights (
	    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	    capacity  integer NOT NULL,
	    confirmed integer NOT NULL DEFAULT 0 CHECK (confirmed <= capacity)
	);
	CREATE TABLE IF NOT EXISTS bench_ref_rsvps (
	    night_id   bigint NOT NULL REFERENCES bench_ref_nights (id),
	    user_id    bigint NOT NULL,
	    created_at timestamptz NOT NULL DEFAULT now(),
	    PRIMARY KEY (night_id, user_id)
	)`

// referenceNights makes n nights of the minimal RSVP with capacity seats.
func (b *bench) referenceNights(ctx context.Context, n, capacity int) ([]int64, error) {
	if _, err := b.db.ExecContext(ctx, referenceTables); err != nil {
		return nil, fmt.Errorf("the reference RSVP's tables: %w", err)
	}
	var ids []int64
	err := b.db.SelectContext(ctx, &ids, `INSERT INTO bench_ref_nights (capacity) SELECT $1 FROM generate_series(1, $2) RETURNING id`, capacity, n)
	return ids, err
}

// rsvpReference is the rush's load as the minimal capped RSVP, from as many
// goroutines through a pool as large as the server's: per RSVP, one
// transaction of the guarded UPDATE and the INSERT.
func (b *bench) rsvpReference(ctx context.Context, users []*identity, nights func(int) []int64, rec *recorder) time.Duration {
	return together(len(users), func(i int) {
		for _, night := range nights(i) {
			timed(rec, func() (int, error) {
				tx, err := b.db.BeginTx(ctx, nil)
				if err != nil {
					return 0, err
				}
				defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
				res, err := tx.ExecContext(ctx, `UPDATE bench_ref_nights SET confirmed = confirmed + 1 WHERE id = $1 AND confirmed < capacity`, night)
				if err != nil {
					return 0, err
				}
				if n, _ := res.RowsAffected(); n != 1 {
					return 0, errors.New("the reference night is full")
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO bench_ref_rsvps (night_id, user_id) VALUES ($1, $2)`, night, users[i].UserID); err != nil {
					return 0, err
				}
				return http.StatusOK, tx.Commit()
			})
		}
	})
}
