package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/clockroom/clockroom/models"
)

// migrate applies pending migrations and says how many.
func migrate(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	in, err := setup(ctx, getenv, stdout, false)
	if err != nil {
		return err
	}
	defer in.close()
	fmt.Fprintln(stdout, "migrations are up to date")
	return nil
}

// seed loads the demo data (once).
func seed(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	in, err := setup(ctx, getenv, stdout, false)
	if err != nil {
		return err
	}
	defer in.close()
	store := in.store()
	loaded, err := store.SeedDemo(ctx, in.cfg.DemoPassword)
	if err != nil {
		return err
	}
	if err := store.EnsureOpenNowEvent(ctx); err != nil {
		return err
	}
	if loaded {
		fmt.Fprintln(stdout, "demo data loaded")
	} else {
		fmt.Fprintln(stdout, "demo data was already there")
	}
	return nil
}

// userCmd handles `clockroom user create`.
func userCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: clockroom user create --email EMAIL --name NAME --role attendee|host|staff|admin [--password PASSWORD]")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stdout)
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "display name (required)")
	roleName := fs.String("role", "attendee", "attendee, host, staff or admin")
	password := fs.String("password", "", "password; a random one is made and printed if empty")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	role, ok := models.ParseRole(*roleName)
	switch {
	case *email == "" || *name == "":
		return errors.New("user create needs --email and --name")
	case !ok:
		return fmt.Errorf("--role must be attendee, host, staff or admin (got %q)", *roleName)
	case *password != "" && len(*password) < models.MinPasswordLength:
		return fmt.Errorf("--password must be at least %d characters", models.MinPasswordLength)
	}
	shown := ""
	if *password == "" {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		*password = base64.RawURLEncoding.EncodeToString(b)
		shown = *password
	}
	in, err := setup(ctx, getenv, io.Discard, false)
	if err != nil {
		return err
	}
	defer in.close()
	store := in.store()
	u, err := store.CreateUser(ctx, models.NewUser{Email: *email, Name: *name, Role: role, Password: *password})
	if err != nil {
		return fmt.Errorf("create %s: %w", *email, err)
	}
	fmt.Fprintf(stdout, "created %s <%s> as %s\n", u.Name, u.Email, u.Role)
	if shown != "" {
		fmt.Fprintf(stdout, "password: %s\n", shown)
	}
	return nil
}

// healthcheck exits 0 when URL answers with a status below 500. Containers
// use it, since the image has no curl.
func healthcheck(ctx context.Context, args []string, getenv func(string) string) error {
	url := ""
	if len(args) > 0 {
		url = args[0]
	} else {
		addr := getenv("ADDR")
		if addr == "" {
			addr = "localhost:8080"
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("ADDR: %w", err)
		}
		if host == "" || host == "0.0.0.0" {
			host = "localhost"
		}
		url = "http://" + net.JoinHostPort(host, port) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if strings.Contains(url, "/v1/") {
		req.Header.Set("Authorization", "Bearer sk_test_healthcheck")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode >= 500 {
		return fmt.Errorf("%s answered %s", url, res.Status)
	}
	return nil
}
