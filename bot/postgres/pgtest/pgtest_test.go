package pgtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestNewDatabase(t *testing.T) {
	var names []string
	t.Run("two databases", func(t *testing.T) {
		t0 := time.Now()
		u1 := NewDatabase(t)
		t.Logf("first NewDatabase (including server start or reuse): %v", time.Since(t0))
		t0 = time.Now()
		u2 := NewDatabase(t)
		t.Logf("second NewDatabase: %v", time.Since(t0))
		if u1 == u2 {
			t.Fatalf("same URL twice: %s", u1)
		}

		c1, c2 := connect(t, u1), connect(t, u2)
		for _, c := range []*pgx.Conn{c1, c2} {
			var name string
			var tables int
			err := c.QueryRow(t.Context(), `select current_database(),
				(select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
				 where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%')`).
				Scan(&name, &tables)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(name, namePrefix) {
				t.Errorf("database %q lacks prefix %q", name, namePrefix)
			}
			if tables != 0 {
				t.Errorf("database %s is not empty: %d relations", name, tables)
			}
			names = append(names, name)
		}
		if names[0] == names[1] {
			t.Fatalf("both URLs lead to database %s", names[0])
		}

		// What one test writes, the other does not see.
		if _, err := c1.Exec(t.Context(), "create table only_in_first (x int)"); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := c2.QueryRow(t.Context(), "select count(*) from pg_tables where tablename = 'only_in_first'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Error("table created in the first database is visible in the second")
		}
		// c1 and c2 stay open: the cleanup must drop the databases anyway.
	})
	if len(names) != 2 {
		t.FailNow()
	}

	admin, err := adminURL()
	if err != nil {
		t.Fatal(err)
	}
	conn := connect(t, admin)
	var left int
	if err := conn.QueryRow(t.Context(), "select count(*) from pg_database where datname = any($1)", names).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Fatalf("%d of the databases %v still exist after cleanup", left, names)
	}
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func TestWithDatabase(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres:///postgres?host=/var/run/postgresql", "postgres:///db1?host=/var/run/postgresql"},
		{"postgresql://u:p@h1,h2:5433/postgres", "postgresql://u:p@h1,h2:5433/db1"},
		{"postgres://postgres@/postgres?host=/tmp/x&port=5432&sslmode=disable", "postgres://postgres@/db1?host=/tmp/x&port=5432&sslmode=disable"},
		{"postgres://h?dbname=postgres&sslmode=disable", "postgres://h/db1?sslmode=disable"},
		{"postgres://h", "postgres://h/db1"},
		{"host=/var/run/postgresql dbname=postgres", "host=/var/run/postgresql dbname=postgres dbname=db1"},
	} {
		got := withDatabase(tc.in, "db1")
		if got != tc.want {
			t.Errorf("withDatabase(%q) = %q, want %q", tc.in, got, tc.want)
		}
		cfg, err := pgx.ParseConfig(got)
		if err != nil {
			t.Errorf("ParseConfig(%q): %v", got, err)
		} else if cfg.Database != "db1" {
			t.Errorf("ParseConfig(%q).Database = %q", got, cfg.Database)
		}
	}
}
