// Package postgres implements bot.Store on PostgreSQL with pgx. It is the
// only package that talks SQL. Personal data is sealed with bot/vault before
// it is written and opened after it is read; rows are found by blind index.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"

	"infopass/bot"
	"infopass/bot/vault"
	"infopass/migrations"
)

// DB is the store, over a connection pool.
type DB struct {
	pool *pgxpool.Pool
	keys *vault.Keyring
	// retentionBatch is how many rows a transaction of the retention
	// jobs takes at most.
	retentionBatch int
}

var _ bot.Store = (*DB)(nil)

// ErrNotFound means no row matched; it is bot.ErrNotFound.
var ErrNotFound = bot.ErrNotFound

// DefaultMaxConns is the size of the connection pool unless the URL sets
// pool_max_conns.
const DefaultMaxConns = 16

// Timeouts returns what every connection sets unless its URL does
// (?statement_timeout=10s&lock_timeout=…): no turn, page or job waits on
// the database for long. A turn gets its answer within its 4.5 s either
// way; these free the server too, and bound what has no deadline of its
// own (the purge, the outbox worker). The migrations lift the first two
// for their own session.
func Timeouts() map[string]string {
	return map[string]string{
		// A statement that runs this long is stuck, or scans what it
		// should not. (The retention jobs, which scan whole tables, set
		// their own: inBackground.)
		"statement_timeout": "5s",
		// A turn waiting on a row lock this long (the number's turns run one
		// at a time) is better answered "send it again" than left waiting.
		"lock_timeout": "2s",
		// A transaction left open by a stuck client holds its locks: every
		// transaction of the service is a few round trips.
		"idle_in_transaction_session_timeout": "10s",
	}
}

// Open connects to the database at url and checks that it answers. Values
// are sealed with keys; Migrate also loads the blind-index key.
func Open(ctx context.Context, url string, keys *vault.Keyring) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > 2*time.Second {
		// A webhook must answer within seconds even when the database is
		// down: do not wait on a connection longer than this.
		cfg.ConnConfig.ConnectTimeout = 2 * time.Second
	}
	for name, value := range Timeouts() {
		if _, set := cfg.ConnConfig.RuntimeParams[name]; !set {
			cfg.ConnConfig.RuntimeParams[name] = value
		}
	}
	if !strings.Contains(url, "pool_max_conns") {
		// A turn holds its connection until its COMMIT is on disk, so
		// pgx's default of one per CPU (at least 4) leaves turns queueing
		// for a connection while PostgreSQL waits on the disk.
		cfg.MaxConns = max(cfg.MaxConns, DefaultMaxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("reach database: %w", err)
	}
	return &DB{pool: pool, keys: keys, retentionBatch: RetentionBatch}, nil
}

// Close closes every connection.
func (db *DB) Close() { db.pool.Close() }

// Migrate applies the migrations that the database lacks, then loads (or,
// the first time, makes) the blind-index key. tern holds an advisory lock
// meanwhile, so replicas starting together migrate once.
func (db *DB) Migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	// A migration may build an index for longer than a turn's statement
	// may run, and tern waits on its advisory lock while another replica
	// migrates: lift both timeouts for this session, and give them back
	// before the connection goes back to the pool.
	if _, err := conn.Exec(ctx, "SET statement_timeout = 0; SET lock_timeout = 0"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), "RESET statement_timeout; RESET lock_timeout"); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx)) // the pool then drops it
		}
	}()
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
	return db.loadIndexKey(ctx)
}

// LoadKeys loads (or, the first time, makes) the blind-index key, as
// Migrate does after migrating: for a process whose migrations ran over
// another connection (MIGRATE_DATABASE_URL), e.g. because this pool goes
// through PgBouncer's transaction pooling.
func (db *DB) LoadKeys(ctx context.Context) error { return db.loadIndexKey(ctx) }

const indexKeySecret = "blind_index_key"

// loadIndexKey reads the blind-index key, making it on first use. It is
// sealed with the data key like any value, so rotating the data key
// re-seals it and the indexes stay valid.
func (db *DB) loadIndexKey(ctx context.Context) error {
	fresh := db.keys.Seal(vault.NewIndexKey(), "secrets", "value", indexKeySecret)
	_, err := db.pool.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, indexKeySecret, fresh)
	if err != nil {
		return fmt.Errorf("store blind-index key: %w", err)
	}
	var sealed string
	if err := db.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, indexKeySecret).Scan(&sealed); err != nil {
		return fmt.Errorf("load blind-index key: %w", err)
	}
	key, err := db.keys.Open(sealed, "secrets", "value", indexKeySecret)
	if err != nil {
		return fmt.Errorf("open blind-index key (is DATA_KEY the key this database was sealed with?): %w", err)
	}
	db.keys.SetIndexKey(key)
	return nil
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// querier is what both a pool and a transaction can do.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// nextIDs draws n ids of table's identity, so that values can be sealed
// for their row before it is inserted.
func nextIDs(ctx context.Context, q querier, table string, n int) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, fmt.Errorf("draw %s ids: %w", table, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("draw %s ids: %w", table, err)
	}
	return ids, nil
}

func rowKey(id int64) string { return fmt.Sprint(id) }

// Turn runs fn in one transaction holding the participant's row lock. The
// transaction begins, and the lock is taken, with fn's first call, in the
// round trip that also reads what that call and the usual next ones need
// (pipeline.go).
func (db *DB) Turn(ctx context.Context, party bot.Party, now time.Time, fn func(context.Context, bot.Tx) error) error {
	t := &turnTx{db: db, now: now, phoneIdx: db.keys.Index("phone", party.Key()), p: bot.Participant{Phone: party.Phone}}
	if party.Call != "" {
		t.numberIdx = db.keys.Index("phone", party.Phone)
	}
	defer t.end(ctx) // as pgx.BeginFunc: an error or a panic rolls back
	if err := fn(ctx, t); err != nil {
		return err
	}
	return t.finish(ctx)
}

// DeleteIdle deletes conversations idle since before cutoff that filed no
// request: unfinished ones, and those cancelled or sent to the Contact
// Center. Their messages go with them, and their texts (those still
// queued or being sent once they settle); their participants are marked
// for PurgeLeftovers to look at.
//
// It works in batches of retentionBatch conversations, the oldest first,
// each in a transaction of its own; one a turn holds is left for the next
// pass. Conversations that filed a request are not looked at
// (conversations_unfiled, migrations/011).
func (db *DB) DeleteIdle(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	err := db.inBatches(ctx, func() (int, error) {
		ids, err := db.dueAndMarked(ctx, `
			WITH idle AS (
				SELECT c.id, c.phone_idx FROM conversations c
				WHERE NOT c.filed AND c.created_at < $1 AND c.updated_at < $1
					AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.conversation_id = c.id)
				ORDER BY c.created_at LIMIT $2
			)
			SELECT array(SELECT id FROM idle), array(SELECT DISTINCT phone_idx FROM idle)`, cutoff)
		if err != nil {
			return 0, fmt.Errorf("delete idle conversations: %w", err)
		}
		if len(ids) == 0 {
			return 0, nil
		}
		err = db.inBackground(ctx, func(tx pgx.Tx) error {
			var n int64
			err := tx.QueryRow(ctx, `
				WITH idle AS (
					SELECT c.id FROM conversations c
					WHERE c.id = ANY($2) AND NOT c.filed AND c.updated_at < $1
						AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.conversation_id = c.id)
					FOR UPDATE SKIP LOCKED
				), sent AS (
					DELETE FROM outbox o USING idle WHERE o.conversation_id = idle.id AND o.status NOT IN ('queued', 'sending')
				), unsent AS (
					UPDATE outbox o SET purge = true FROM idle WHERE o.conversation_id = idle.id AND o.status IN ('queued', 'sending')
				), deleted AS (
					DELETE FROM conversations c USING idle WHERE c.id = idle.id RETURNING 1
				)
				SELECT count(*) FROM deleted`, cutoff, ids).Scan(&n)
			total += n
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("delete idle conversations: %w", err)
		}
		return len(ids), nil
	})
	return total, err
}

// ExpireOffers marks expired the callback offers still awaiting an answer
// whose window has started, and returns how many: staff then see that
// nobody answered in time. A reply on the day still hears that the window
// passed (bot.LateReplyGrace). It works in batches, as the other
// retention jobs do; an offer a turn holds (its contact is answering) is
// left for the next pass.
func (db *DB) ExpireOffers(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	err := db.inBatches(ctx, func() (int, error) {
		tag, err := db.pool.Exec(ctx, `
			UPDATE callback_offers SET status = 'expired', updated_at = $1
			WHERE id IN (
				SELECT id FROM callback_offers WHERE status = 'awaiting' AND starts_at <= $1
				ORDER BY starts_at LIMIT $2 FOR UPDATE SKIP LOCKED)`, now, db.retentionBatch)
		if err != nil {
			return 0, fmt.Errorf("expire callback offers: %w", err)
		}
		total += tag.RowsAffected()
		return int(tag.RowsAffected()), nil
	})
	return total, err
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505"
}
