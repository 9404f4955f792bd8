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
//  1. at its first call: BEGIN, the participant's lock, the prior reply to
//     this MessageSid, the open conversation (locked), the callback offers
//     awaiting the number's answer (locked) and the ids of the two
//     messages the turn will store, in one batch;
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
// pgx.Tx would cost a round trip of its own for COMMIT, so the turn holds a
// pooled connection and ends the transaction itself; BEGIN goes in the
// first batch as pgx's Batch.BeginTx sends it.

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
		RETURNING language, opted_out_at`
	priorReplySQL       = `SELECT id, reply FROM messages WHERE direction = 'in' AND provider_id = $1`
	openConversationSQL = `SELECT ` + conversationColumns + ` FROM conversations WHERE phone_idx = $1 AND open FOR UPDATE`
	contactOffersSQL    = `SELECT ` + offerColumns + ` FROM callback_offers o JOIN requests r ON r.id = o.request_id ` + contactOffersTail
	nextIDsSQL          = `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`
)

// start begins the turn's transaction with its first round trip, reading
// the prior reply to priorID too unless it is "". It does so once: later
// calls return its error.
func (t *turnTx) start(priorID string) error {
	if t.started {
		return t.startErr
	}
	t.started = true
	conn, err := t.db.pool.Acquire(t.ctx)
	if err != nil {
		t.startErr = fmt.Errorf("begin turn: %w", err)
		return t.startErr
	}
	t.conn = conn
	b := &pgx.Batch{}
	b.Queue("begin")
	// The upsert takes the row lock even when the row exists, so one
	// number's turns queue here, whichever replica runs them; everything
	// after it in the batch runs under that lock.
	b.Queue(lockParticipantSQL, t.phoneIdx, t.db.keys.SealString(t.p.Phone, "participants", "phone", t.phoneIdx), t.now)
	if priorID != "" {
		b.Queue(priorReplySQL, priorID)
	}
	b.Queue(openConversationSQL, t.phoneIdx)
	b.Queue(contactOffersSQL, t.phoneIdx)
	// Sealed values are bound to their row's id: draw the messages' ids
	// now rather than in a round trip of their own before the inserts.
	b.Queue(nextIDsSQL, "messages", 2)
	br := conn.SendBatch(t.ctx, b)
	err = t.readStart(br, priorID)
	if closeErr := br.Close(); err == nil && closeErr != nil {
		err = fmt.Errorf("begin turn: %w", closeErr)
	}
	t.startErr = err
	return err
}

func (t *turnTx) readStart(br pgx.BatchResults, priorID string) error {
	if _, err := br.Exec(); err != nil {
		return fmt.Errorf("begin turn: %w", err)
	}
	var optedOut *time.Time
	if err := br.QueryRow().Scan(&t.p.Language, &optedOut); err != nil {
		return fmt.Errorf("lock participant: %w", err)
	}
	t.p.OptedOut = optedOut != nil
	if priorID != "" {
		var r priorRow
		switch err := br.QueryRow().Scan(&r.id, &r.sealed); {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return fmt.Errorf("find prior reply: %w", err)
		default:
			t.ahead.prior = &r
		}
		t.ahead.priorID = priorID
	}
	row, err := scanConversationRow(br.QueryRow())
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return fmt.Errorf("load conversation: %w", err)
	default:
		t.ahead.conv = &row
	}
	t.ahead.convValid = true
	rows, err := br.Query()
	if err == nil {
		// Offers that cannot be opened fail the turn only if it asks for
		// them, as when it read them itself.
		t.ahead.offers, t.ahead.offersErr = t.db.collectOffers(rows)
		err = rows.Err()
	}
	if err != nil {
		return fmt.Errorf("callback offers: %w", err)
	}
	t.ahead.offersValid = true
	rows, err = br.Query()
	if err == nil {
		t.ahead.messageIDs, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	}
	if err != nil {
		return fmt.Errorf("draw messages ids: %w", err)
	}
	return nil
}

// ready starts the turn if it has not started, and sends the writes
// waiting, so that the statement that follows sees them.
func (t *turnTx) ready() error {
	if err := t.start(""); err != nil {
		return err
	}
	if len(t.pending) == 0 {
		return nil
	}
	_, err := t.send(nil, nil)
	return err
}

// send sends the writes waiting and, in the same round trip, last (if not
// nil): its rows go to read, or without read its command tag is returned.
func (t *turnTx) send(last *pendingWrite, read func(pgx.Rows) error) (pgconn.CommandTag, error) {
	writes := t.pending
	t.pending = nil
	b := &pgx.Batch{}
	for _, w := range writes {
		b.Queue(w.sql, w.args...)
	}
	if last != nil {
		b.Queue(last.sql, last.args...)
	}
	br := t.conn.SendBatch(t.ctx, b)
	defer br.Close()
	for _, w := range writes {
		if _, err := br.Exec(); err != nil {
			return pgconn.CommandTag{}, fmt.Errorf("%s: %w", w.what, err)
		}
	}
	var tag pgconn.CommandTag
	if last != nil {
		var err error
		if read == nil {
			tag, err = br.Exec()
		} else if rows, qerr := br.Query(); qerr != nil {
			err = qerr
		} else {
			err = read(rows) // read closes rows
		}
		if err != nil {
			return pgconn.CommandTag{}, fmt.Errorf("%s: %w", last.what, err)
		}
	}
	return tag, br.Close()
}

// drawIDs draws n ids of table's identity, with the writes waiting.
func (t *turnTx) drawIDs(table string, n int) ([]int64, error) {
	if err := t.start(""); err != nil {
		return nil, err
	}
	var ids []int64
	_, err := t.send(&pendingWrite{"draw " + table + " ids", nextIDsSQL, []any{table, n}}, func(rows pgx.Rows) error {
		var err error
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	return ids, err
}

// finish sends the writes waiting and commits, in one round trip.
func (t *turnTx) finish() error {
	if err := t.start(""); err != nil {
		return err
	}
	tag, err := t.send(&pendingWrite{what: "commit", sql: "commit"}, nil)
	if err != nil {
		return err
	}
	if tag.String() != "COMMIT" {
		return pgx.ErrTxCommitRollback // a statement failed unnoticed
	}
	return nil
}

// end rolls back what finish did not commit (after an error, or a panic)
// and gives the connection back to the pool, which closes it rather than
// reuse it if it is still in a transaction.
func (t *turnTx) end() {
	if t.conn == nil {
		return
	}
	if t.conn.Conn().PgConn().TxStatus() != 'I' {
		_, _ = t.conn.Exec(t.ctx, "rollback")
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
	if err := r.t.ready(); err != nil {
		return pgconn.CommandTag{}, err
	}
	return r.t.conn.Exec(ctx, sql, args...)
}

func (r readyQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := r.t.ready(); err != nil {
		return nil, err
	}
	return r.t.conn.Query(ctx, sql, args...)
}

func (r readyQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := r.t.ready(); err != nil {
		return errRow{err}
	}
	return r.t.conn.QueryRow(ctx, sql, args...)
}

// errRow is a row that could not be read.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
