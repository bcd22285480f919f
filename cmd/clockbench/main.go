// Command clockbench measures a running Clockroom the way a busy night loads
// it: it starts the real server binary on its own private PostgreSQL and
// stripe-mock (as `make run` does), drives it over HTTP, compares each figure
// with references measured side by side in the same run (a do-nothing Echo
// server of its own, the minimal capped-RSVP transaction on tables of its
// own, and the server's own do-nothing handler and SQL transaction), checks
// the domain's invariants after every scenario, and prints a table plus a
// JSON file.
//
//	clockbench [-quick] [-server bin/clockroom] [-dir .clockroom/bench] [-out FILE]
//
// `make bench` builds the server and runs this.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == referenceCommand {
		if err := serveReference(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "clockbench reference server:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "clockbench:", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	quick  bool
	server string
	dir    string
	out    string
}

// scale sizes a run: the full run follows the numbers; -quick cuts
// repetitions and the large database so it takes about a minute.
type scale struct {
	Users         int           // signed-in attendees in the rushes
	HotSeats      int           // capacity of the hot night
	RushRounds    int           // rounds of each rush, HTTP and direct interleaved
	SpreadEvents  int           // nights per spread round
	SpreadPerUser int           // RSVPs each user makes per spread round
	Devices       int           // door devices scanning during the rushes
	ScanEvery     time.Duration // each device's pace
	ListingRounds int           // noop/listing rounds, interleaved
	ListingFor    time.Duration // each round's length
	Clients       int           // concurrent clients in the listing rounds
	Probes        int           // sequential requests for the p50 probes
	LargeEvents   int
	LargeRSVPs    int // per event: LargeRSVPs / LargeEvents
	LargeVisits   int
	LargeUsers    int
}

var (
	fullScale = scale{Users: 500, HotSeats: 1000, RushRounds: 3, SpreadEvents: 1000, SpreadPerUser: 4,
		Devices: 20, ScanEvery: 500 * time.Millisecond, ListingRounds: 3, ListingFor: 5 * time.Second, Clients: 32,
		Probes: 400, LargeEvents: 100_000, LargeRSVPs: 1_000_000, LargeVisits: 1_000_000, LargeUsers: 10_000}
	quickScale = scale{Users: 500, HotSeats: 1000, RushRounds: 1, SpreadEvents: 1000, SpreadPerUser: 2,
		Devices: 20, ScanEvery: 500 * time.Millisecond, ListingRounds: 2, ListingFor: 2 * time.Second, Clients: 32,
		Probes: 150, LargeEvents: 10_000, LargeRSVPs: 100_000, LargeVisits: 100_000, LargeUsers: 2_000}
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("clockbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.quick, "quick", false, "a one-minute run: fewer rounds and a database a tenth of the size")
	fs.StringVar(&o.server, "server", "bin/clockroom", "the Clockroom server binary to measure")
	fs.StringVar(&o.dir, "dir", filepath.Join(".clockroom", "bench"), "data folder for the benchmark's server (wiped first)")
	fs.StringVar(&o.out, "out", "", "where to write the JSON results (default DIR/results.json)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.out == "" {
		o.out = filepath.Join(o.dir, "results.json")
	}
	sc := fullScale
	if o.quick {
		sc = quickScale
	}
	b := &bench{opts: o, scale: sc, log: newProgress(stderr), started: time.Now()}
	res, err := b.run(ctx)
	if res != nil {
		printTable(stdout, res)
		if werr := writeJSON(o.out, res); werr != nil && err == nil {
			err = werr
		} else if werr == nil {
			fmt.Fprintf(stdout, "\nResults written to %s\n", o.out)
		}
		if err == nil && !res.InvariantsHold {
			err = errors.New("an invariant was broken: see the table above")
		}
	}
	return err
}
