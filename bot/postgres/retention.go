package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
)

// RetentionBatch is how many rows (requests, conversations, numbers) a
// transaction of the retention jobs takes at most: each holds its rows'
// locks for milliseconds, and a pass goes on batch after batch until
// nothing is due.
const RetentionBatch = 25

// pause waits, after a batch of a retention job that began at began, as
// long as the batch took: the jobs take at most half the time of the
// database connection they use, and turns the rest, however much is due.
func pause(ctx context.Context, began time.Time) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(min(time.Since(began), time.Second)):
		return nil
	}
}

// inBatches is the loop of every retention job: it runs batch again and
// again, pausing after each as long as it took, until batch fails or
// reports fewer rows than a full batch (retentionBatch): nothing is due.
func (db *DB) inBatches(ctx context.Context, batch func() (rows int, err error)) error {
	for {
		began := time.Now()
		n, err := batch()
		if err != nil || n < db.retentionBatch {
			return err
		}
		if err := pause(ctx, began); err != nil {
			return err
		}
	}
}

// backgroundStatementTimeout bounds each statement of the retention jobs
// instead of the pool's statement_timeout: they scan whole tables (a
// participant sweep took 0.07 s over 200,000 numbers, 0.7 s when it
// deleted 49,000 of them), and nobody waits on them.
const backgroundStatementTimeout = "1min"

// inBackground runs fn in a transaction of a retention job.
func (db *DB) inBackground(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = '"+backgroundStatementTimeout+"'"); err != nil {
			return fmt.Errorf("set statement_timeout: %w", err)
		}
		return fn(tx)
	})
}

// Leftovers counts what PurgeLeftovers deleted.
type Leftovers struct {
	Texts        int64 // texts of purged requests and of deleted conversations
	Participants int64 // numbers with nothing left
	OptOuts      int64 // opted-out numbers with nothing left, kept as their blind index only
}

// PurgeLeftovers deletes what the purges of requests and conversations
// leave behind:
//
//   - texts marked for purging (of a purged request, of a conversation
//     deleted idle, with its request, or by its turn) once they settled;
//     and texts about no offer and no request that name no conversation
//     (queued before conversations were recorded, or for a call's party),
//     once settled before cutoff (a request's go with it: PurgeClosed);
//   - participants with no conversation, request or callback offer left.
//     A number that opted out keeps its row, with nothing but its blind
//     index and when it opted out, so that it is never texted again
//     (not even its language, or that it once texted the service).
//
// Only numbers marked for a look (recheck: new ones, and those whose
// conversations, requests or offers just went) are looked at, in batches
// of retentionBatch, each in a transaction of its own. A participant whose
// turn is running is left for the next pass.
func (db *DB) PurgeLeftovers(ctx context.Context, cutoff time.Time) (Leftovers, error) {
	var n Leftovers
	err := db.inBackground(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM outbox WHERE purge AND status NOT IN ('queued', 'sending')`)
		if err != nil {
			return err
		}
		n.Texts = tag.RowsAffected()
		tag, err = tx.Exec(ctx, `
			DELETE FROM outbox WHERE conversation_id IS NULL AND offer_id IS NULL AND request_id IS NULL AND updated_at < $1
				AND status NOT IN ('queued', 'sending')`, cutoff)
		n.Texts += tag.RowsAffected()
		return err
	})
	if err != nil {
		return n, fmt.Errorf("purge settled texts: %w", err)
	}
	err = db.inBatches(ctx, func() (int, error) {
		var looked, deleted, blanked int64
		// A turn that took its number's row and committed a new
		// conversation after this statement began makes the delete fail
		// on the foreign key, and the next pass try again.
		err = db.inBackground(ctx, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `
				WITH looked AS (
					SELECT phone_idx FROM participants WHERE recheck LIMIT $1 FOR UPDATE SKIP LOCKED
				), alone AS (
					SELECT p.phone_idx, p.opted_out_at IS NOT NULL AS opted_out,
						p.phone <> '' OR p.language <> '' OR p.texted_at IS NOT NULL AS known
					FROM participants p JOIN looked USING (phone_idx)
					WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.phone_idx = p.phone_idx)
						AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.phone_idx = p.phone_idx)
						AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.contact_idx = p.phone_idx)
						AND NOT EXISTS (SELECT 1 FROM callback_offers o WHERE o.contact_idx = p.phone_idx)
				), deleted AS (
					DELETE FROM participants p USING alone a WHERE p.phone_idx = a.phone_idx AND NOT a.opted_out
					RETURNING 1
				), kept AS (
					UPDATE participants p SET recheck = false,
						phone = CASE WHEN a.opted_out THEN '' ELSE p.phone END,
						language = CASE WHEN a.opted_out THEN '' ELSE p.language END,
						texted_at = CASE WHEN a.opted_out THEN NULL ELSE p.texted_at END
					FROM looked l LEFT JOIN alone a ON a.phone_idx = l.phone_idx
					WHERE p.phone_idx = l.phone_idx AND (a.phone_idx IS NULL OR a.opted_out)
				)
				SELECT (SELECT count(*) FROM looked), (SELECT count(*) FROM deleted),
					(SELECT count(*) FROM alone WHERE opted_out AND known)`, db.retentionBatch).Scan(&looked, &deleted, &blanked)
		})
		if err != nil {
			return 0, fmt.Errorf("purge participants: %w", err)
		}
		n.Participants += deleted
		n.OptOuts += blanked
		return int(looked), nil
	})
	return n, err
}

// CloseStale closes, with note and as actor bot.ActorRetention, the
// submitted requests that nothing touched since cutoff (no status change,
// no callback offer made or answered), so that retention applies to them,
// and withdraws what was still to be texted about them. It returns how
// many it closed; a request staff are working on now waits for the next
// pass. It works in batches, as the other retention jobs do.
func (db *DB) CloseStale(ctx context.Context, cutoff, now time.Time, note string) (int64, error) {
	var total int64
	err := db.inBatches(ctx, func() (int, error) {
		var n int
		err := db.inBackground(ctx, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `
				SELECT r.id FROM requests r
				WHERE r.status = 'submitted' AND r.updated_at < $1
					AND NOT EXISTS (SELECT 1 FROM callback_offers o WHERE o.request_id = r.id AND o.updated_at >= $1)
				ORDER BY r.updated_at LIMIT $2
				FOR UPDATE OF r SKIP LOCKED`, cutoff, db.retentionBatch)
			if err != nil {
				return fmt.Errorf("find stale requests: %w", err)
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				return fmt.Errorf("find stale requests: %w", err)
			}
			for _, id := range ids {
				if err := db.setRequestStatus(ctx, tx, id, bot.StatusClosed, note, bot.ActorRetention, now); err != nil {
					return err
				}
			}
			n = len(ids)
			return nil
		})
		total += int64(n)
		return n, err
	})
	return total, err
}

// Retention is what a retention pass keeps and for how long.
type Retention struct {
	RetentionDays int    // closed and completed requests are purged after this
	StaleDays     int    // submitted requests nothing touched are closed after this
	StaleNote     string // the note of that status change
}

// RetentionStep is how one step of a pass went.
type RetentionStep struct {
	Name string // what the step did, as the service logs it
	Rows int64
	Took time.Duration
	Err  error
}

// RetentionPass runs the retention jobs as at now, one after the other,
// and reports each step: idle conversations, expired offers, stale
// requests, closed requests, then what those leave behind. A step that
// fails does not stop the next.
func (db *DB) RetentionPass(ctx context.Context, now time.Time, r Retention, report func(RetentionStep)) {
	step := func(name string, fn func() (int64, error)) {
		began := time.Now()
		n, err := fn()
		report(RetentionStep{Name: name, Rows: n, Took: time.Since(began), Err: err})
	}
	step("purged idle conversations", func() (int64, error) { return db.DeleteIdle(ctx, now.Add(-bot.IdleExpire)) })
	step("expired callback offers", func() (int64, error) { return db.ExpireOffers(ctx, now) })
	step("closed stale requests", func() (int64, error) {
		return db.CloseStale(ctx, now.AddDate(0, 0, -r.StaleDays), now, r.StaleNote)
	})
	step("purged closed requests", func() (int64, error) {
		return db.PurgeClosed(ctx, now.AddDate(0, 0, -r.RetentionDays), now)
	})
	began := time.Now()
	left, err := db.PurgeLeftovers(ctx, now.Add(-bot.IdleExpire))
	took := time.Since(began)
	report(RetentionStep{Name: "purged texts of purged requests and conversations", Rows: left.Texts, Took: took, Err: err})
	report(RetentionStep{Name: "purged numbers with nothing left", Rows: left.Participants, Took: took})
	report(RetentionStep{Name: "kept opted-out numbers as their blind index only", Rows: left.OptOuts, Took: took})
}
