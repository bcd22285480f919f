// Command clockroom runs the Clockroom server and its operator commands.
//
//	clockroom serve                 run the web server (the default)
//	clockroom migrate               apply database migrations
//	clockroom seed                  load demo data
//	clockroom user create ...       create an account with a role
//	clockroom tariffs export|import export or import the venue's tariffs file
//	clockroom healthcheck [URL]     exit 0 if the server answers (for containers)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // the venue time zone works in a minimal container image
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "clockroom:", err)
		}
		os.Exit(1)
	}
}

const usage = `usage: clockroom <command> [flags]

commands:
  serve                  run the web server (default)
  migrate                apply pending database migrations
  seed                   load the demo venue, accounts and events
  user create            create an account: --email --name --role [--password]
  tariffs export [FILE]  write the venue's tariffs as the documented JSON file
                         (clockroom.tariffs/1) to FILE, or to standard output
  tariffs import FILE    save each tariff in FILE as a new version, all of them
                         or none; prints how many changed; a refusal names the
                         tariff and field and exits non-zero
  healthcheck [URL]      exit 0 if URL (default: this server's /healthz) answers below 500

Configuration comes from environment variables; see README.md.`

// run is main without the process: arguments, environment and output are
// passed in so tests can drive every command.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cmd, rest := "serve", args
	if len(args) > 0 {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, getenv, stdout)
	case "migrate":
		return migrate(ctx, getenv, stdout)
	case "seed":
		return seed(ctx, getenv, stdout)
	case "user":
		return userCmd(ctx, rest, getenv, stdout)
	case "tariffs":
		return tariffsCmd(ctx, rest, getenv, stdout)
	case "healthcheck":
		return healthcheck(ctx, rest, getenv)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
