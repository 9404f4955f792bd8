package localpg

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// dataDir returns a fresh data directory path under t.TempDir. As root the
// server runs as user postgres, which must be able to reach the directory:
// t.TempDir's top directory is mode 0700, so open it up.
func dataDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	if os.Geteuid() == 0 {
		for _, p := range []string{d, filepath.Dir(d)} {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return filepath.Join(d, "pgdata")
}

func start(t *testing.T, dir string) *Server {
	t.Helper()
	s, err := StartWith(t.Context(), dir, Options{NoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	// Registered after t.TempDir's cleanup, so it runs before the removal.
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func connect(t *testing.T, s *Server) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryInt(t *testing.T, conn *pgx.Conn, sql string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(t.Context(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestFindBinDir(t *testing.T) {
	check := func(t *testing.T) {
		d, err := FindBinDir()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"initdb", "pg_ctl"} {
			if !isExecutable(filepath.Join(d, p)) {
				t.Errorf("%s not in %s", p, d)
			}
		}
		t.Logf("binaries in %s", d)
	}
	t.Run("PATH", check)
	t.Run("no PATH", func(t *testing.T) {
		t.Setenv("PATH", "")
		if _, err := os.Stat("/usr/lib/postgresql"); err != nil {
			_, err := FindBinDir()
			if err == nil || !strings.Contains(err.Error(), "install") {
				t.Fatalf("FindBinDir() error = %v, want one saying what to install", err)
			}
			return
		}
		check(t)
	})
}

func TestURL(t *testing.T) {
	s := &Server{socketDir: "/var/tmp/x y+z=&?/pgdata", port: 5432}
	u := s.URL("app")
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	if cfg.Host != s.socketDir || cfg.Port != 5432 || cfg.User != "postgres" || cfg.Database != "app" {
		t.Errorf("%s parsed as host=%q port=%d user=%q database=%q", u, cfg.Host, cfg.Port, cfg.User, cfg.Database)
	}
}

func TestStartStopRestart(t *testing.T) {
	dir := dataDir(t)

	t0 := time.Now()
	s := start(t, dir)
	t.Logf("fresh initdb+start: %v", time.Since(t0))
	if !s.started {
		t.Fatal("first Start did not start the server")
	}
	if s.Dir() != dir {
		t.Errorf("Dir() = %q, want %q", s.Dir(), dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		t.Fatal(err)
	}

	conn := connect(t, s)
	if n := queryInt(t, conn, "select 1"); n != 1 {
		t.Fatalf("select 1 = %d", n)
	}
	if _, err := conn.Exec(t.Context(), "create table kept (x int); insert into kept values (42)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(t.Context())

	// A second Start on a running server reuses it, and its Stop leaves the
	// server running.
	s2, err := Start(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if s2.started {
		t.Fatal("second Start started a new server instead of reusing the running one")
	}
	if s2.URL("postgres") != s.URL("postgres") {
		t.Errorf("URLs differ: %s vs %s", s2.URL("postgres"), s.URL("postgres"))
	}
	if err := s2.Stop(); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, connect(t, s), "select 1"); n != 1 {
		t.Fatal("server gone after the reusing Server's Stop")
	}

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if c, err := pgx.Connect(t.Context(), s.URL("postgres")); err == nil {
		c.Close(t.Context())
		t.Fatal("server still accepts connections after Stop")
	}

	t0 = time.Now()
	s3 := start(t, dir)
	t.Logf("restart of existing cluster: %v", time.Since(t0))
	if !s3.started {
		t.Fatal("Start after Stop did not start the server")
	}
	if n := queryInt(t, connect(t, s3), "select x from kept"); n != 42 {
		t.Fatalf("data not kept across restart: got %d", n)
	}
}

func TestConcurrentStart(t *testing.T) {
	dir := dataDir(t)
	const n = 3
	servers := make([]*Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			servers[i], errs[i] = StartWith(t.Context(), dir, Options{NoFsync: true})
		})
	}
	wg.Wait()
	started := 0
	for i, s := range servers {
		if errs[i] != nil {
			t.Fatalf("Start %d: %v", i, errs[i])
		}
		if s.started {
			started++
		}
	}
	// Stop the one that started it, after the others.
	t.Cleanup(func() {
		for _, s := range servers {
			if err := s.Stop(); err != nil {
				t.Error(err)
			}
		}
	})
	if started != 1 {
		t.Fatalf("%d of %d concurrent Starts started a server, want exactly 1", started, n)
	}
	for _, s := range servers {
		if got := queryInt(t, connect(t, s), "select 1"); got != 1 {
			t.Fatalf("select 1 = %d", got)
		}
	}
}

func TestSocketPathTooLong(t *testing.T) {
	dir := "/var/tmp/" + strings.Repeat("d", 100)
	_, err := Start(t.Context(), dir)
	if err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("Start(%s) error = %v, want a socket path too long error", dir, err)
	}
}
