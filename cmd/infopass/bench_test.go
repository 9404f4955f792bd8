package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"infopass/bot/postgres/pgtest"
)

// TestBench runs a short load test: the virtual people go through the
// whole request without an error or a reply off the script, and the output
// names no number.
func TestBench(t *testing.T) {
	var out, errOut bytes.Buffer
	vars := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "DATA_KEY": base64.StdEncoding.EncodeToString(testDataKey)}
	args := []string{"bench", "-c", "3", "-d", "2500ms", "-warmup", "100ms"}
	if err := run(context.Background(), args, func(k string) string { return vars[k] }, nil, &out, &errOut); err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	got := out.String()
	for _, want := range []string{"concurrency      3\n", "errors           0\n", "unexpected       0\n", "refused          0\n", "latency p99", "RSS ", "Go heap in use"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if m := regexp.MustCompile(`(?m)^turns +(\d+)$`).FindStringSubmatch(got); m == nil || m[1] == "0" {
		t.Errorf("no turns measured:\n%s", got)
	}
	if m := regexp.MustCompile(`(?m)^requests filed +(\d+)$`).FindStringSubmatch(got); m == nil || m[1] == "0" {
		t.Errorf("no request filed:\n%s", got)
	}
	if regexp.MustCompile(`\d{7}`).MatchString(got + errOut.String()) {
		t.Errorf("output holds something like a phone number:\n%s%s", got, errOut.String())
	}
}

func TestLatencies(t *testing.T) {
	var h latencies
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {1, time.Second}} {
		got := h.quantile(tc.q)
		if diff := got - tc.want; diff < -tc.want/50 || diff > tc.want/50 {
			t.Errorf("quantile(%v) = %v, want %v within 2%%", tc.q, got, tc.want)
		}
	}
	if h.max != time.Second {
		t.Errorf("max = %v", h.max)
	}
}

// BenchmarkTurn is one SMS turn of 16 conversations going on at once,
// through the server's HTTP webhook and PostgreSQL, as `infopass bench`
// drives them:
//
//	go test ./cmd/infopass -run '^$' -bench Turn -benchtime 20s
func BenchmarkTurn(b *testing.B) {
	const conversations = 16
	vars := map[string]string{"DATABASE_URL": pgtest.NewDatabase(b), "DATA_KEY": base64.StdEncoding.EncodeToString(testDataKey)}
	cfg, err := readConfig(func(k string) string { return vars[k] })
	if err != nil {
		b.Fatal(err)
	}
	cfg.senderRate = rate.Inf
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, stop, err := startLocal(ctx, cfg, testToken, false, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	load := newLoad(base, testToken, conversations, cfg.Zone, cfg.ADITLeadDays)
	people := 0 // each run of the function below texts from new numbers
	b.Run("c16", func(b *testing.B) {
		var (
			left    atomic.Int64
			wg      sync.WaitGroup
			mu      sync.Mutex
			all     latencies
			errors  atomic.Int64
			started = time.Now()
		)
		left.Store(int64(b.N))
		for range conversations {
			u := load.user(people)
			people++
			wg.Go(func() {
				for left.Add(-1) >= 0 {
					out, took := u.turn(ctx)
					if out != turnOK && out != turnFiled {
						errors.Add(1)
					}
					u.stats.add(out, took)
				}
				mu.Lock()
				all.merge(&u.stats.latency)
				mu.Unlock()
			})
		}
		wg.Wait()
		elapsed := time.Since(started)
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "turns/s")
		b.ReportMetric(float64(all.quantile(0.99))/float64(time.Millisecond), "p99-ms")
		if n := errors.Load(); n > 0 {
			b.Logf("%d turns failed or went off the script", n)
		}
	})
}
