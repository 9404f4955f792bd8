package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
)

var _ bot.CallStore = (*DB)(nil)

// WithCallOffer runs fn holding the lock of offer offerID, which outbox
// row callID must have called about.
func (db *DB) WithCallOffer(ctx context.Context, offerID, callID int64, now time.Time, fn func(context.Context, bot.CallTx) error) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var ok bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE id = $1 AND offer_id = $2 AND channel = 'call')`,
			callID, offerID).Scan(&ok)
		if err != nil {
			return fmt.Errorf("call %d: %w", callID, err)
		}
		if !ok {
			return bot.ErrNotFound
		}
		offers, err := db.queryOffers(ctx, tx, `WHERE o.id = $1 FOR UPDATE OF o`, offerID)
		if err != nil {
			return err
		}
		if len(offers) == 0 {
			return bot.ErrNotFound
		}
		return fn(ctx, &callTx{db: db, tx: tx, now: now, o: offers[0], callID: callID})
	})
}

// CallOfSID returns the offer and outbox row of the call Twilio knows as
// sid.
func (db *DB) CallOfSID(ctx context.Context, sid string) (offerID, callID int64, err error) {
	err = db.pool.QueryRow(ctx, `SELECT offer_id, id FROM outbox WHERE provider_sid = $1 AND channel = 'call' AND offer_id IS NOT NULL`,
		sid).Scan(&offerID, &callID)
	if err == pgx.ErrNoRows {
		return 0, 0, bot.ErrNotFound
	}
	if err != nil {
		return 0, 0, fmt.Errorf("call %s: %w", sid, err)
	}
	return offerID, callID, nil
}

type callTx struct {
	db     *DB
	tx     pgx.Tx
	now    time.Time
	o      bot.CallbackOffer
	callID int64
}

func (t *callTx) Offer() bot.CallbackOffer { return t.o }

func (t *callTx) SaveOffer(ctx context.Context, o *bot.CallbackOffer) error {
	if err := t.db.saveOffer(ctx, t.tx, o); err != nil {
		return err
	}
	t.o = *o
	return nil
}

func (t *callTx) Enqueue(ctx context.Context, m *bot.OutboxMessage) error {
	return t.db.enqueue(ctx, t.tx, m, t.now)
}

func (t *callTx) Calls(ctx context.Context) (int, bool, error) {
	var (
		n      int
		latest int64
	)
	err := t.tx.QueryRow(ctx, `SELECT count(*), coalesce(max(id), 0) FROM outbox WHERE offer_id = $1 AND channel = 'call'`,
		t.o.ID).Scan(&n, &latest)
	if err != nil {
		return 0, false, fmt.Errorf("calls of offer %d: %w", t.o.ID, err)
	}
	return n, latest == t.callID, nil
}

func (t *callTx) SetCallStatus(ctx context.Context, status string) error {
	_, err := t.tx.Exec(ctx, `UPDATE callback_offers SET call_status = $2, updated_at = $3 WHERE id = $1`, t.o.ID, status, t.now)
	if err != nil {
		return fmt.Errorf("offer call status: %w", err)
	}
	t.o.CallStatus = status
	return nil
}
