package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot/vault"
)

// PurgeClosed deletes the personal data of requests closed or completed
// before cutoff: their answers, numbers and notes, the conversation that
// filed them with its messages, their callback contacts, their
// appointments' notes, and every text, email and call about them (those
// still queued or being sent go once they settle: PurgeLeftovers). What staff count by (type, language, dates, status,
// ZIP) stays. It returns how many requests it purged.
//
// It works in batches of retentionBatch requests, the longest waiting
// first, each in a transaction of its own, so that the rows it locks are
// free again within milliseconds; a request staff hold is left for the
// next pass. Before each batch, the numbers its requests name are marked
// for PurgeLeftovers to look at.
func (db *DB) PurgeClosed(ctx context.Context, cutoff, now time.Time) (int64, error) {
	var total int64
	err := db.inBatches(ctx, func() (int, error) {
		ids, err := db.dueAndMarked(ctx, `
			WITH due AS (
				SELECT id, conversation_id, phone_idx, contact_idx FROM requests
				WHERE status IN ('closed', 'completed') AND updated_at < $1 AND purged_at IS NULL
				ORDER BY updated_at LIMIT $2
			)
			SELECT array(SELECT id FROM due), array(
				SELECT phone_idx FROM due UNION SELECT contact_idx FROM due
				UNION SELECT o.contact_idx FROM callback_offers o WHERE o.request_id IN (SELECT id FROM due)
				UNION SELECT c.phone_idx FROM conversations c WHERE c.id IN (SELECT conversation_id FROM due))`, cutoff)
		if err != nil {
			return 0, fmt.Errorf("purge requests: find due: %w", err)
		}
		if len(ids) == 0 {
			return 0, nil
		}
		n, err := db.purgeClosed(ctx, ids, cutoff, now)
		total += n
		return len(ids), err
	})
	return total, err
}

// dueAndMarked runs query, whose arguments are cutoff and the batch size
// and whose row is an array of the ids of the rows due and one of the
// numbers they concern, and marks those numbers for PurgeLeftovers to look
// at, in a transaction of its own: the rows are purged in the next, as a
// turn locks its number before its conversation or request.
func (db *DB) dueAndMarked(ctx context.Context, query string, cutoff time.Time) ([]int64, error) {
	var ids []int64
	err := db.inBackground(ctx, func(tx pgx.Tx) error {
		var numbers []string
		if err := tx.QueryRow(ctx, query, cutoff, db.retentionBatch).Scan(&ids, &numbers); err != nil || len(ids) == 0 {
			return err
		}
		return recheck(ctx, tx, numbers)
	})
	return ids, err
}

// recheck marks numbers for PurgeLeftovers to look at.
func recheck(ctx context.Context, tx pgx.Tx, numbers []string) error {
	_, err := tx.Exec(ctx, `UPDATE participants SET recheck = true WHERE phone_idx = ANY($1) AND NOT recheck`, numbers)
	return err
}

// purgeClosed purges the requests of ids that are still due and not
// locked, in one transaction.
func (db *DB) purgeClosed(ctx context.Context, ids []int64, cutoff, now time.Time) (int64, error) {
	var n int64
	err := db.inBackground(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			WITH due AS (
				SELECT id FROM requests
				WHERE id = ANY($3) AND status IN ('closed', 'completed') AND updated_at < $1 AND purged_at IS NULL
				FOR UPDATE SKIP LOCKED
			)
			UPDATE requests r SET answers = '', phone = '', contact_phone = '', phone_idx = '', contact_idx = '',
				a_number_idx = '', receipt_idx = '', purged_at = $2
			FROM due WHERE r.id = due.id
			RETURNING r.id, r.conversation_id`, cutoff, now, ids)
		if err != nil {
			return fmt.Errorf("purge requests: %w", err)
		}
		type purged struct {
			id   int64
			conv *int64
		}
		list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (purged, error) {
			var p purged
			err := row.Scan(&p.id, &p.conv)
			return p, err
		})
		if err != nil {
			return err
		}
		n = int64(len(list))
		if n == 0 {
			return nil
		}
		ids := make([]int64, 0, len(list))
		convs := make([]int64, 0, len(list))
		for _, p := range list {
			ids = append(ids, p.id)
			if p.conv != nil {
				convs = append(convs, *p.conv)
			}
		}
		// The texts, emails and calls first: those of the conversations are
		// found by them. A row names its request (a confirmation, a notice,
		// an offer's text or call), its offer, or its conversation; each
		// kind is found by its own index (an OR of them would read every
		// row).
		const texts = `SELECT id FROM outbox WHERE request_id = ANY($1)
			UNION SELECT id FROM outbox WHERE offer_id IN (SELECT id FROM callback_offers WHERE request_id = ANY($1))
			UNION SELECT id FROM outbox WHERE conversation_id = ANY($2)`
		_, err = tx.Exec(ctx, `
			WITH texts AS (`+texts+`), sent AS (
				DELETE FROM outbox o USING texts t WHERE o.id = t.id AND o.status NOT IN ('queued', 'sending')
			)
			UPDATE outbox o SET purge = true FROM texts t WHERE o.id = t.id AND o.status IN ('queued', 'sending')`, ids, convs)
		if err != nil {
			return fmt.Errorf("purge texts: %w", err)
		}
		// Its messages go with the conversation; the request forgets it.
		if _, err := tx.Exec(ctx, `DELETE FROM conversations WHERE id = ANY($1)`, convs); err != nil {
			return fmt.Errorf("purge conversations: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE callback_offers SET contact_phone = '', contact_idx = '', better_times = '' WHERE request_id = ANY($1)`, ids); err != nil {
			return fmt.Errorf("purge offers: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE request_events SET note = '' WHERE request_id = ANY($1)`, ids); err != nil {
			return fmt.Errorf("purge notes: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE appointments SET note = '' WHERE request_id = ANY($1)`, ids); err != nil {
			return fmt.Errorf("purge appointment notes: %w", err)
		}
		return nil
	})
	return n, err
}

// sealedColumn is a column that holds sealed values, and how its rows are
// named in the associated data.
type sealedColumn struct {
	table, column, rowExpr string
}

func sealedColumns() []sealedColumn {
	return []sealedColumn{
		{"secrets", "value", "name"},
		{"participants", "phone", "phone_idx"},
		{"conversations", "state", "id::text"},
		{"messages", "body", "id::text"},
		{"messages", "reply", "id::text"},
		{"requests", "phone", "id::text"},
		{"requests", "contact_phone", "id::text"},
		{"requests", "answers", "id::text"},
		{"request_events", "note", "id::text"},
		{"callback_offers", "contact_phone", "id::text"},
		{"callback_offers", "better_times", "id::text"},
		{"outbox", "to_phone", "id::text"},
		{"outbox", "body", "id::text"},
		{"appointments", "note", "id::text"},
		{"officers", "name", "id::text"},
		{"officers", "email", "id::text"},
		{"passkeys", "credential", "id::text"},
	}
}

// RotateKeys re-seals, in small transactions, every value sealed with
// another key than the current one, and returns how many it re-sealed.
// The service keeps running meanwhile: rows in use are skipped and picked
// up by the next pass, and both keys open values until the end.
func (db *DB) RotateKeys(ctx context.Context, batch int) (int64, error) {
	current := db.keys.CurrentKeyID()
	var total int64
	for _, sc := range sealedColumns() {
		for {
			n, err := db.rotateBatch(ctx, sc, current, batch)
			if err != nil {
				return total, err
			}
			total += n
			if n < int64(batch) {
				break
			}
		}
	}
	left, err := db.CountSealedWithOtherKeys(ctx)
	if err != nil {
		return total, err
	}
	if left > 0 {
		return total, fmt.Errorf("rotate keys: %d values were in use and still have the old key: run it again", left)
	}
	return total, nil
}

func (db *DB) rotateBatch(ctx context.Context, sc sealedColumn, current string, batch int) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, fmt.Sprintf(`
			SELECT ctid::text, %[3]s, %[2]s FROM %[1]s
			WHERE %[2]s <> '' AND %[2]s NOT LIKE $1
			LIMIT $2 FOR UPDATE SKIP LOCKED`, sc.table, sc.column, sc.rowExpr), "v1."+current+".%", batch)
		if err != nil {
			return fmt.Errorf("rotate %s.%s: %w", sc.table, sc.column, err)
		}
		type item struct{ ctid, row, sealed string }
		items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (item, error) {
			var it item
			err := r.Scan(&it.ctid, &it.row, &it.sealed)
			return it, err
		})
		if err != nil {
			return err
		}
		for _, it := range items {
			pt, err := db.keys.Open(it.sealed, sc.table, sc.column, it.row)
			if err != nil {
				return fmt.Errorf("rotate %s.%s: %w", sc.table, sc.column, err)
			}
			resealed := db.keys.Seal(pt, sc.table, sc.column, it.row)
			if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE %s SET %s = $1 WHERE ctid = $2::tid`, sc.table, sc.column), resealed, it.ctid); err != nil {
				return fmt.Errorf("rotate %s.%s: %w", sc.table, sc.column, err)
			}
		}
		n = int64(len(items))
		return nil
	})
	return n, err
}

// CountSealedWithOtherKeys counts the values not sealed with the current key.
func (db *DB) CountSealedWithOtherKeys(ctx context.Context) (int64, error) {
	var total int64
	for _, sc := range sealedColumns() {
		var n int64
		err := db.pool.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %[1]s WHERE %[2]s <> '' AND %[2]s NOT LIKE $1`, sc.table, sc.column),
			"v1."+db.keys.CurrentKeyID()+".%").Scan(&n)
		if err != nil {
			return 0, fmt.Errorf("count %s.%s: %w", sc.table, sc.column, err)
		}
		total += n
	}
	return total, nil
}

// Keys returns the keyring the store seals with.
func (db *DB) Keys() *vault.Keyring { return db.keys }
