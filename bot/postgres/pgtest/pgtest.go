// Package pgtest gives each test package a throwaway PostgreSQL database.
//
// The server is the one named by the environment variable
// INFOPASS_TEST_DATABASE_URL when it is set: an admin connection string for a
// role allowed to create databases, e.g.
//
//	INFOPASS_TEST_DATABASE_URL='postgres:///postgres?host=/var/run/postgresql'
//
// Both URL (postgres://...) and keyword/value (host=... dbname=...) forms
// are accepted. Otherwise pgtest starts a private server with localpg in
// $TMPDIR/infopass-test-pg-<uid> (fsync off) and leaves it running, so that
// later test processes and runs reuse it; stop it with
// pg_ctl stop -D $TMPDIR/infopass-test-pg-<uid> if you want it gone.
//
// Tests never skip: if no server can be had they fail, saying why.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot/postgres/localpg"
)

// EnvURL names the environment variable holding an admin connection string
// for an existing server to create test databases on.
const EnvURL = "INFOPASS_TEST_DATABASE_URL"

// namePrefix starts the name of every database NewDatabase creates.
const namePrefix = "infopass_test_"

var adminURL = sync.OnceValues(func() (string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		if _, err := pgx.ParseConfig(u); err != nil {
			return "", fmt.Errorf("pgtest: bad %s: %w", EnvURL, err)
		}
		return u, nil
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("infopass-test-pg-%d", os.Getuid()))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Never stopped: the next test process or run reuses it.
	srv, err := localpg.StartWith(ctx, dir, localpg.Options{NoFsync: true})
	if err != nil {
		return "", fmt.Errorf("pgtest: no PostgreSQL server for tests: set %s to an admin URL of a running server, or %w", EnvURL, err)
	}
	return srv.URL("postgres"), nil
})

// NewDatabase creates a new, empty database with a unique name
// (infopass_test_<random hex>) and returns its connection string; the
// database is dropped, with any remaining connections, when tb's test ends.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	admin, err := adminURL()
	if err != nil {
		tb.Fatal(err)
	}
	var b [8]byte
	rand.Read(b[:])
	name := namePrefix + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := adminExec(ctx, admin, "create database "+pgx.Identifier{name}.Sanitize()); err != nil {
		if os.Getenv(EnvURL) != "" {
			tb.Fatalf("pgtest: %v (server from $%s)", err, EnvURL)
		}
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := adminExec(ctx, admin, "drop database if exists "+pgx.Identifier{name}.Sanitize()+" with (force)"); err != nil {
			tb.Errorf("pgtest: %v", err)
		}
	})
	return withDatabase(admin, name)
}

func adminExec(ctx context.Context, admin, sql string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect to test server: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// withDatabase returns the connection string connStr with its database
// replaced by dbname, which must consist of letters, digits and underscores.
// connStr may be a URL (postgres:// or postgresql://) or keyword/value string.
func withDatabase(connStr, dbname string) string {
	rest, ok := strings.CutPrefix(connStr, "postgres://")
	scheme := "postgres://"
	if !ok {
		rest, ok = strings.CutPrefix(connStr, "postgresql://")
		scheme = "postgresql://"
	}
	if !ok {
		// Keyword/value form: a later keyword overrides an earlier one.
		return strings.TrimSpace(connStr) + " dbname=" + dbname
	}
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	var kept []string
	for p := range strings.SplitSeq(query, "&") {
		k, _, _ := strings.Cut(p, "=")
		if p == "" || k == "dbname" || k == "database" {
			continue
		}
		kept = append(kept, p)
	}
	u := scheme + rest + "/" + dbname
	if len(kept) > 0 {
		u += "?" + strings.Join(kept, "&")
	}
	return u
}
