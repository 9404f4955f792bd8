package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"infopass/bot"
	"infopass/bot/postgres"
	"infopass/bot/postgres/pgtest"
	"infopass/bot/vault"
)

// withParam adds a parameter to a connection string in URL or
// keyword/value form.
func withParam(conn, name, value string) string {
	switch {
	case !strings.Contains(conn, "://"):
		return conn + " " + name + "=" + value
	case strings.Contains(conn, "?"):
		return conn + "&" + name + "=" + value
	}
	return conn + "?" + name + "=" + value
}

// TestMigrateDatabaseURL migrates over MIGRATE_DATABASE_URL, as behind
// PgBouncer, where DATABASE_URL cannot hold tern's session lock; a store
// that did not migrate itself finds the numbers the other sealed.
func TestMigrateDatabaseURL(t *testing.T) {
	ctx := context.Background()
	direct := pgtest.NewDatabase(t)
	// As through PgBouncer before 1.21: no named prepared statements.
	pooled := withParam(direct, "default_query_exec_mode", "exec")
	dataKey := base64.StdEncoding.EncodeToString(testDataKey)
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}

	t.Run("OK", func(t *testing.T) {
		var out bytes.Buffer
		err := run(ctx, []string{"migrate"}, env(map[string]string{
			"DATABASE_URL": pooled, "MIGRATE_DATABASE_URL": direct, "DATA_KEY": dataKey,
		}), strings.NewReader(""), &out, &bytes.Buffer{})
		if err != nil || !strings.Contains(out.String(), "migrations applied") {
			t.Fatalf("migrate: %v %q", err, out.String())
		}
		// One store migrated and filed a participant; another, over the
		// pooled URL, only loads the keys and finds it.
		open := func(url string) *postgres.DB {
			keys, err := vault.NewKeyring(testDataKey)
			if err != nil {
				t.Fatal(err)
			}
			db, err := postgres.Open(ctx, url, keys)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(db.Close)
			return db
		}
		migrated := open(direct)
		if err := migrated.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		from := "+12025550901"
		err = migrated.Turn(ctx, bot.Party{Phone: from}, time.Now(), func(ctx context.Context, tx bot.Tx) error {
			_, err := tx.OpenConversation(ctx) // the turn's first statement stores the participant
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		replica := open(pooled)
		if err := replica.LoadKeys(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := replica.Participant(ctx, from); err != nil {
			t.Errorf("the store that loaded the keys cannot find the participant: %v", err)
		}
	})

	t.Run("ErrUnreachable", func(t *testing.T) {
		err := run(ctx, []string{"migrate"}, env(map[string]string{
			"DATABASE_URL": pooled, "MIGRATE_DATABASE_URL": "postgres://infopass@127.0.0.1:1/infopass", "DATA_KEY": dataKey,
		}), strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "MIGRATE_DATABASE_URL") {
			t.Errorf("migrate = %v, want an error naming MIGRATE_DATABASE_URL", err)
		}
	})

	t.Run("ErrWithoutDatabaseURL", func(t *testing.T) {
		err := migrateDatabase(ctx, config{MigrateDatabaseURL: direct}, nil)
		if err == nil || !strings.Contains(err.Error(), "DATABASE_URL is not") {
			t.Errorf("migrateDatabase = %v, want an error asking for DATABASE_URL", err)
		}
	})
}
