package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
)

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
//   - texts of a purged request that were queued or being sent at the
//     purge, now that they settled;
//   - texts of a conversation that no longer exists (deleted idle, or
//     dropped by its turn), once they settle; and texts about no offer
//     that name no conversation (queued before conversations were
//     recorded, or for a call's party), once settled before cutoff;
//   - participants with no conversation, request or callback offer left.
//     A number that opted out keeps its row, with nothing but its blind
//     index and when it opted out, so that it is never texted again
//     (not even its language, or that it once texted the service).
//
// A participant whose turn is running is left for the next pass.
func (db *DB) PurgeLeftovers(ctx context.Context, cutoff time.Time) (Leftovers, error) {
	var n Leftovers
	err := db.inBackground(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			DELETE FROM outbox o WHERE o.status NOT IN ('queued', 'sending') AND (o.purge
				OR (o.conversation_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = o.conversation_id))
				OR (o.conversation_id IS NULL AND o.offer_id IS NULL AND o.updated_at < $1))`, cutoff)
		n.Texts = tag.RowsAffected()
		return err
	})
	if err != nil {
		return n, fmt.Errorf("purge settled texts: %w", err)
	}
	// Rows a turn holds are skipped. A turn that took its number's row and
	// committed a new conversation after this statement began makes the
	// delete fail on the foreign key, and the next pass try again.
	err = db.inBackground(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			WITH alone AS (
				SELECT p.phone_idx, p.opted_out_at IS NOT NULL AS opted_out FROM participants p
				WHERE (p.opted_out_at IS NULL OR p.phone <> '' OR p.language <> '' OR p.texted_at IS NOT NULL)
					AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.phone_idx = p.phone_idx)
					AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.phone_idx = p.phone_idx)
					AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.contact_idx = p.phone_idx)
					AND NOT EXISTS (SELECT 1 FROM callback_offers o WHERE o.contact_idx = p.phone_idx)
				FOR UPDATE SKIP LOCKED
			), deleted AS (
				DELETE FROM participants p USING alone a WHERE p.phone_idx = a.phone_idx AND NOT a.opted_out
				RETURNING 1
			), blanked AS (
				UPDATE participants p SET phone = '', language = '', texted_at = NULL FROM alone a WHERE p.phone_idx = a.phone_idx AND a.opted_out
				RETURNING 1
			)
			SELECT (SELECT count(*) FROM deleted), (SELECT count(*) FROM blanked)`).Scan(&n.Participants, &n.OptOuts)
	})
	if err != nil {
		return n, fmt.Errorf("purge participants: %w", err)
	}
	return n, nil
}

// CloseStale closes, with note and as actor bot.ActorRetention, the
// submitted requests that nothing touched since cutoff (no status change,
// no callback offer made or answered), so that retention applies to them,
// and withdraws what was still to be texted about them. It returns how
// many it closed; a request staff are working on now waits for the next
// pass.
func (db *DB) CloseStale(ctx context.Context, cutoff, now time.Time, note string) (int64, error) {
	var n int64
	err := db.inBackground(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT r.id FROM requests r
			WHERE r.status = 'submitted' AND r.updated_at < $1
				AND NOT EXISTS (SELECT 1 FROM callback_offers o WHERE o.request_id = r.id AND o.updated_at >= $1)
			ORDER BY r.updated_at LIMIT 500
			FOR UPDATE OF r SKIP LOCKED`, cutoff)
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
		n = int64(len(ids))
		return nil
	})
	return n, err
}
