package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"infopass/bot"
)

// A turn waits on PostgreSQL twice in the common case, where it would wait
// ten times with a statement per round trip (pgx batches are pipelined):
//
//  1. at its first call: the transaction's BEGIN (pgx's Batch.BeginTx),
//     the participant's lock, the prior reply to this MessageSid, the open
//     conversation (locked), the callback offers awaiting the number's
//     answer (locked) and the ids of the two messages the turn will store,
//     in one batch;
//  2. at its end: its writes (the conversation, both messages; the
//     participant when it changes), which need no answer and so wait in
//     turnTx.pending, then COMMIT, in one batch.
//
// A statement that needs an answer in between (a new conversation's id, a
// request, STATUS) takes the writes waiting with it. The statements, their
// order and the locks they take are those of a statement at a time: only
// the round trips are fewer. A write's error comes back from the call that
// sends it, or from Turn, and rolls the turn back all the same.
//
// pgx.Tx.Commit would cost a round trip of its own, so the COMMIT goes in
// the last batch, after the writes; the transaction is rolled back with
// pgx.Tx.Rollback when the turn fails.

// pendingWrite is a statement whose result the turn does not need.
type pendingWrite struct {
	what string // what failed, for the error
	sql  string
	args []any
}

// later queues a write to go with the turn's next round trip.
func (t *turnTx) later(what, sql string, args ...any) {
	t.pending = append(t.pending, pendingWrite{what, sql, args})
}

// prefetched is what the turn's first round trip read ahead for the calls
// that usually follow. Each is used once, and only while still true: a
// statement of its own (q) forgets them all, a write what it changes.
type prefetched struct {
	priorID     string           // the MessageSid of prior; "" when not read
	prior       *priorRow        // nil: no reply to priorID yet
	conv        *conversationRow // nil: no open conversation
	convValid   bool             // conv is what OpenConversation would read
	offers      []bot.CallbackOffer
	offersErr   error   // opening them failed: ContactOffers returns it
	offersValid bool    // offers are what ContactOffers would read
	messageIDs  []int64 // for AddTurn: drawn ids stay good
}

// forget forgets what may no longer be true.
func (p *prefetched) forget() {
	*p = prefetched{messageIDs: p.messageIDs}
}

// priorRow is a stored inbound message's sealed reply.
type priorRow struct {
	id     int64
	sealed string
}

const (
	lockParticipantSQL = `
		INSERT INTO participants (phone_idx, phone, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (phone_idx) DO UPDATE SET phone_idx = EXCLUDED.phone_idx
		RETURNING language, opted_out_at, texted_at IS NOT NULL`
	numberTextedSQL     = `SELECT texted_at IS NOT NULL FROM participants WHERE phone_idx = $1`
	priorReplySQL       = `SELECT id, reply FROM messages WHERE direction = 'in' AND provider_id = $1`
	openConversationSQL = `SELECT ` + conversationColumns + ` FROM conversations WHERE phone_idx = $1 AND open FOR UPDATE`
	contactOffersSQL    = `SELECT ` + offerColumns + ` FROM callback_offers o JOIN requests r ON r.id = o.request_id ` + contactOffersTail
	nextIDsSQL          = `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`
)

// start begins the turn's transaction with its first round trip, reading
// the prior reply to priorID too unless it is "". It does so once: later
// calls return its error.
func (t *turnTx) start(ctx context.Context, priorID string) error {
	if t.started {
		return t.startErr
	}
	t.started = true
	conn, err := t.db.pool.Acquire(ctx)
	if err != nil {
		t.startErr = fmt.Errorf("begin turn: %w", err)
		return t.startErr
	}
	t.conn = conn
	b := &pgx.Batch{}
	b.BeginTx(pgx.TxOptions{})
	// The upsert takes the row lock even when the row exists, so one
	// number's turns queue here, whichever replica runs them; everything
	// after it in the batch runs under that lock.
	b.Queue(lockParticipantSQL, t.phoneIdx, t.db.keys.SealString(t.p.Phone, "participants", "phone", t.phoneIdx), t.now).
		QueryRow(func(row pgx.Row) error {
			var optedOut *time.Time
			if err := row.Scan(&t.p.Language, &optedOut, &t.p.Texted); err != nil {
				return fmt.Errorf("lock participant: %w", err)
			}
			t.p.OptedOut = optedOut != nil
			return nil
		})
	if t.numberIdx != "" {
		// An unattested call is a party of its own: whether its number
		// texted the service is the number's row's to say.
		b.Queue(numberTextedSQL, t.numberIdx).QueryRow(func(row pgx.Row) error {
			switch err := row.Scan(&t.p.Texted); {
			case errors.Is(err, pgx.ErrNoRows):
				t.p.Texted = false
			case err != nil:
				return fmt.Errorf("read number's participant: %w", err)
			}
			return nil
		})
	}
	if priorID != "" {
		b.Queue(priorReplySQL, priorID).QueryRow(func(row pgx.Row) error {
			var r priorRow
			switch err := row.Scan(&r.id, &r.sealed); {
			case errors.Is(err, pgx.ErrNoRows):
			case err != nil:
				return fmt.Errorf("find prior reply: %w", err)
			default:
				t.ahead.prior = &r
			}
			t.ahead.priorID = priorID
			return nil
		})
	}
	b.Queue(openConversationSQL, t.phoneIdx).QueryRow(func(row pgx.Row) error {
		r, err := scanConversationRow(row)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return fmt.Errorf("load conversation: %w", err)
		default:
			t.ahead.conv = &r
		}
		t.ahead.convValid = true
		return nil
	})
	b.Queue(contactOffersSQL, t.phoneIdx).Query(func(rows pgx.Rows) error {
		// Offers that cannot be opened fail the turn only if it asks for
		// them, as when it read them itself.
		t.ahead.offers, t.ahead.offersErr = t.db.collectOffers(rows)
		if err := rows.Err(); err != nil {
			return fmt.Errorf("callback offers: %w", err)
		}
		t.ahead.offersValid = true
		return nil
	})
	// Sealed values are bound to their row's id: draw the messages' ids
	// now rather than in a round trip of their own before the inserts.
	b.Queue(nextIDsSQL, "messages", 2).Query(func(rows pgx.Rows) error {
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("draw messages ids: %w", err)
		}
		t.ahead.messageIDs = ids
		return nil
	})
	br := conn.SendBatch(ctx, b)
	t.tx = br.Tx()
	if err := br.Close(); err != nil {
		t.startErr = fmt.Errorf("begin turn: %w", err)
	}
	return t.startErr
}

// ready starts the turn if it has not started, and sends the writes
// waiting, so that the statement that follows sees them.
func (t *turnTx) ready(ctx context.Context) error {
	if err := t.start(ctx, ""); err != nil {
		return err
	}
	if len(t.pending) == 0 {
		return nil
	}
	return t.send(ctx, nil)
}

// send sends the writes waiting and, in the same round trip, last (if not
// nil), whose result it reads with pgx's callbacks.
func (t *turnTx) send(ctx context.Context, last *pgx.QueuedQuery) error {
	writes := t.pending
	t.pending = nil
	b := &pgx.Batch{}
	for _, w := range writes {
		// pgx's Exec callback runs only on success: this one names the
		// write that failed.
		b.Queue(w.sql, w.args...).Fn = func(br pgx.BatchResults) error {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("%s: %w", w.what, err)
			}
			return nil
		}
	}
	if last != nil {
		b.QueuedQueries = append(b.QueuedQueries, last)
	}
	return t.tx.SendBatch(ctx, b).Close()
}

// drawIDs draws n ids of table's identity, with the writes waiting.
func (t *turnTx) drawIDs(ctx context.Context, table string, n int) ([]int64, error) {
	if err := t.start(ctx, ""); err != nil {
		return nil, err
	}
	var ids []int64
	draw := &pgx.QueuedQuery{SQL: nextIDsSQL, Arguments: []any{table, n}}
	draw.Query(func(rows pgx.Rows) error {
		var err error
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return fmt.Errorf("draw %s ids: %w", table, err)
		}
		return nil
	})
	return ids, t.send(ctx, draw)
}

// finish sends the writes waiting and commits, in one round trip.
func (t *turnTx) finish(ctx context.Context) error {
	if err := t.start(ctx, ""); err != nil {
		return err
	}
	if status := t.tx.Conn().PgConn().TxStatus(); status != 'T' {
		// A statement failed and its error went unnoticed: never commit
		// what is left of the transaction.
		return fmt.Errorf("commit turn: the transaction is not in progress (status %q)", status)
	}
	commit := &pgx.QueuedQuery{SQL: "commit"}
	if err := t.send(ctx, commit); err != nil {
		return fmt.Errorf("commit turn: %w", err)
	}
	t.committed = true
	return nil
}

// end rolls back what finish did not commit (after an error, or a panic)
// and gives the connection back to the pool, which closes it rather than
// reuse it if it is still in a transaction.
func (t *turnTx) end(ctx context.Context) {
	if t.conn == nil {
		return
	}
	if t.tx != nil && !t.committed {
		// The turn's context may be done (its deadline is why it failed):
		// the rollback gets a moment of its own.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		_ = t.tx.Rollback(ctx)
		cancel()
	}
	t.conn.Release()
}

// q is the transaction for a statement of its own: it starts the turn if
// need be and sends the writes waiting first, so the statement sees them.
func (t *turnTx) q() querier {
	t.ahead.forget()
	return readyQuerier{t}
}

type readyQuerier struct{ t *turnTx }

func (r readyQuerier) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := r.t.ready(ctx); err != nil {
		return pgconn.CommandTag{}, err
	}
	return r.t.tx.Exec(ctx, sql, args...)
}

func (r readyQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := r.t.ready(ctx); err != nil {
		return nil, err
	}
	return r.t.tx.Query(ctx, sql, args...)
}

func (r readyQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := r.t.ready(ctx); err != nil {
		return errRow{err}
	}
	return r.t.tx.QueryRow(ctx, sql, args...)
}

// errRow is a row that could not be read.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
