// Package postgres implements bot.Store on PostgreSQL with pgx. It is the
// only package that talks SQL.
package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"

	"infopass/bot"
	"infopass/migrations"
)

// DB is the store, over a connection pool.
type DB struct {
	pool *pgxpool.Pool
}

var _ bot.Store = (*DB)(nil)

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("reach database: %w", err)
	}
	return &DB{pool: pool}, nil
}

// Close closes every connection.
func (db *DB) Close() { db.pool.Close() }

// Migrate applies the migrations that the database lacks. tern holds an
// advisory lock meanwhile, so replicas starting together migrate once.
func (db *DB) Migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), "schema_version")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return fmt.Errorf("migrate: load: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// Turn runs fn in one transaction holding the participant's row lock.
func (db *DB) Turn(ctx context.Context, phone string, now time.Time, fn func(bot.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		t := &turnTx{ctx: ctx, tx: tx, now: now}
		// The upsert takes the row lock even when the row exists, so one
		// number's turns queue here, whichever replica runs them.
		var optedOut *time.Time
		err := tx.QueryRow(ctx, `
			INSERT INTO participants (phone, created_at) VALUES ($1, $2)
			ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone
			RETURNING language, opted_out_at`, phone, now).Scan(&t.p.Language, &optedOut)
		if err != nil {
			return fmt.Errorf("lock participant: %w", err)
		}
		t.p.Phone, t.p.OptedOut = phone, optedOut != nil
		return fn(t)
	})
}

// DeleteIdle deletes open conversations idle since before cutoff, with
// their messages.
func (db *DB) DeleteIdle(ctx context.Context, cutoff time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM conversations WHERE open AND updated_at < $1`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("delete idle conversations: %w", err)
	}
	return tag.RowsAffected(), nil
}

// ErrNotFound means no row matched; it is bot.ErrNotFound.
var ErrNotFound = bot.ErrNotFound
