package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"infopass/bot/postgres"
)

// turnFigures is what an `infopass bench` run printed.
type turnFigures struct {
	turns         int
	rate          float64 // turns/s
	p50, p99, max float64 // ms
	errors        int
}

// benchDuring runs `bin bench -c clients` and, once its warm-up is over,
// during(ctx); when during returns, it stops the bench (as Ctrl-C does:
// the figures cover the time measured until then) and returns them. The
// bench's own server runs the service's background jobs at its start,
// during the warm-up.
func benchDuring(ctx context.Context, bin string, clients int, warmup time.Duration, during func(context.Context) error) (turnFigures, error) {
	var f turnFigures
	cmd := exec.CommandContext(ctx, bin, "bench", "-c", strconv.Itoa(clients), "-d", "30m", "-warmup", warmup.String())
	cmd.Env = append(os.Environ(), "TWILIO_FROM=", "TWILIO_ACCOUNT_SID=")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return f, err
	}
	if err := cmd.Start(); err != nil {
		return f, err
	}
	started := make(chan struct{})
	lines := make(chan []string, 1)
	go func() {
		var all []string
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "infopass bench:") {
				close(started)
			}
			all = append(all, sc.Text())
		}
		lines <- all
	}()
	select {
	case <-started:
	case <-time.After(5 * time.Minute):
		cmd.Process.Kill()
		cmd.Wait()
		return f, errors.New("infopass bench did not start")
	}
	time.Sleep(warmup + 500*time.Millisecond)
	runErr := during(ctx)
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	all := <-lines
	if err := cmd.Wait(); err != nil {
		return f, fmt.Errorf("infopass bench: %w\n%s", err, strings.Join(all, "\n"))
	}
	if runErr != nil {
		return f, runErr
	}
	for _, l := range all {
		fields := strings.Fields(l)
		if len(fields) < 2 {
			continue
		}
		num := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
		switch {
		case fields[0] == "turns/s":
			f.rate = num(fields[1])
		case fields[0] == "turns":
			f.turns = int(num(fields[1]))
		case fields[0] == "errors":
			f.errors = int(num(fields[1]))
		case fields[0] == "latency" && len(fields) >= 3:
			switch fields[1] {
			case "p50":
				f.p50 = num(fields[2])
			case "p99":
				f.p99 = num(fields[2])
			case "max":
				f.max = num(fields[2])
			}
		}
	}
	if f.turns == 0 {
		return f, fmt.Errorf("infopass bench measured no turns:\n%s", strings.Join(all, "\n"))
	}
	return f, nil
}

// retentionSteps names the steps of a pass in the table.
var retentionSteps = map[string]string{
	"purged idle conversations":                         "idle",
	"expired callback offers":                           "expire_offers",
	"closed stale requests":                             "stale",
	"purged closed requests":                            "closed",
	"purged texts of purged requests and conversations": "leftovers",
	"purged numbers with nothing left":                  "leftover_numbers",
	"kept opted-out numbers as their blind index only":  "leftover_optouts",
}

// retentionPass is the service's background job (cmd/infopass purgeOnce)
// as it would run at now, each of its steps timed.
func retentionPass(ctx context.Context, db *postgres.DB, now time.Time, retentionDays, staleDays int, stdout io.Writer) error {
	var failed error
	policy := postgres.Retention{RetentionDays: retentionDays, StaleDays: staleDays, StaleNote: "closed by retention (scale bench)"}
	db.RetentionPass(ctx, now, policy, func(s postgres.RetentionStep) {
		name, ok := retentionSteps[s.Name]
		if !ok {
			name = strings.NewReplacer(" ", "_", "-", "_").Replace(s.Name)
		}
		fmt.Fprintf(stdout, "purge: %-50s %6d rows in %s\n", s.Name, s.Rows, s.Took.Round(time.Millisecond))
		result(stdout, "purge_"+name+"_rows", float64(s.Rows), "rows")
		if name != "leftover_numbers" && name != "leftover_optouts" { // timed with the texts: one call
			result(stdout, "purge_"+name+"_seconds", s.Took.Seconds(), "s")
		}
		if s.Err != nil && failed == nil {
			failed = fmt.Errorf("%s: %w", s.Name, s.Err)
		}
	})
	return failed
}

func purge(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("purge", flag.ContinueOnError)
	planIn := fs.String("plan", "", "the plan fill wrote")
	bin := fs.String("infopass", "", "the infopass binary")
	clients := fs.Int("c", 16, "conversations at once")
	warmup := fs.Duration("warmup", 5*time.Second, "warm-up of each bench (the server's own jobs run in it)")
	least := fs.Duration("baseline", 10*time.Second, "the least time the bench without the purge is measured")
	staleDays := fs.Int("stale-days", 180, "STALE_DAYS")
	days := fs.Int("days", 1, "run the job as this many days after the fill (each day has its own due rows)")
	alone := fs.Bool("alone", false, "run the job alone, with no bench (to look at its statements)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pf, err := readPlan(*planIn)
	if err != nil {
		return err
	}
	db, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	// A day's worth of due rows: the job as it runs a day after the fill.
	tomorrow := pf.Now.AddDate(0, 0, *days)
	if *alone {
		return retentionPass(ctx, db, tomorrow, pf.RetentionDays, *staleDays, stdout)
	}
	var took time.Duration
	during, err := benchDuring(ctx, *bin, *clients, *warmup, func(ctx context.Context) error {
		began := time.Now()
		err := retentionPass(ctx, db, tomorrow, pf.RetentionDays, *staleDays, stdout)
		took = time.Since(began)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "purge: the job took %s; turns meanwhile: %d, %.0f/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d errors\n",
		took.Round(time.Millisecond), during.turns, during.rate, during.p50, during.p99, during.max, during.errors)
	without, err := benchDuring(ctx, *bin, *clients, *warmup, func(ctx context.Context) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(max(took, *least)):
			return nil
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "purge: without the job: turns %d, %.0f/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d errors\n",
		without.turns, without.rate, without.p50, without.p99, without.max, without.errors)
	result(stdout, "purge_seconds", took.Seconds(), "s")
	result(stdout, "purge_turn_p99", during.p99, "ms")
	result(stdout, "purge_turn_max", during.max, "ms")
	result(stdout, "nopurge_turn_p99", without.p99, "ms")
	if without.p99 > 0 {
		result(stdout, "purge_p99_ratio", during.p99/without.p99, "x")
	}
	return nil
}
