package postgres

import (
	"bytes"
	"context"
	"maps"
	"strings"
	"testing"

	"infopass/bot/postgres/pgtest"
	"infopass/bot/vault"
)

// withParam adds a parameter to a connection string of either form.
func withParam(url, name, value string) string {
	switch {
	case !strings.Contains(url, "://"):
		return url + " " + name + "=" + value
	case strings.Contains(url, "?"):
		return url + "&" + name + "=" + value
	}
	return url + "?" + name + "=" + value
}

// TestTimeouts checks that every connection of the pool has the service's
// timeouts, that the URL overrides them one by one, and that migrating
// leaves them as they were.
func TestTimeouts(t *testing.T) {
	ctx := context.Background()
	keys, err := vault.NewKeyring(bytes.Repeat([]byte{7}, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	url := pgtest.NewDatabase(t)
	show := func(db *DB) map[string]string {
		t.Helper()
		got := map[string]string{}
		for name := range Timeouts() {
			var v string
			if err := db.pool.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v); err != nil {
				t.Fatal(err)
			}
			got[name] = v
		}
		return got
	}
	for _, tc := range []struct {
		name string
		url  string
		want map[string]string
	}{
		{"Default", url, map[string]string{"statement_timeout": "5s", "lock_timeout": "2s", "idle_in_transaction_session_timeout": "10s"}},
		{"FromURL", withParam(url, "lock_timeout", "150ms"), map[string]string{"statement_timeout": "5s", "lock_timeout": "150ms", "idle_in_transaction_session_timeout": "10s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(ctx, tc.url, keys)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got := show(db); !maps.Equal(got, tc.want) {
				t.Errorf("settings %v, want %v", got, tc.want)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if got := show(db); !maps.Equal(got, tc.want) {
				t.Errorf("settings after migrating %v, want %v", got, tc.want)
			}
		})
	}
}
