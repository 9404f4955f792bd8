package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
)

var _ bot.StaffStore = (*DB)(nil)

// ListRequests lists requests matching f, newest first.
func (db *DB) ListRequests(ctx context.Context, f bot.RequestFilter) ([]bot.Request, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Status != "" {
		add("status = $%d", f.Status)
	}
	if f.Type != "" {
		add("type = $%d", f.Type)
	}
	if f.Language != "" {
		add("language = $%d", f.Language)
	}
	if f.ZIPPrefix != "" {
		add("zip LIKE $%d || '%%'", f.ZIPPrefix)
	}
	if !f.From.IsZero() {
		add("submitted_at >= $%d", f.From)
	}
	if !f.To.IsZero() {
		add("submitted_at < $%d", f.To)
	}
	if f.Before > 0 {
		add("id < $%d", f.Before)
	}
	q := `SELECT ` + requestColumns + ` FROM requests`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args))
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return pgx.CollectRows(rows, scanRequest)
}

// WithRequest runs fn in a transaction holding the request's row lock.
func (db *DB) WithRequest(ctx context.Context, ref string, now time.Time, fn func(bot.RequestTx) error) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+requestColumns+` FROM requests WHERE reference = $1 FOR UPDATE`, ref)
		if err != nil {
			return fmt.Errorf("lock request: %w", err)
		}
		r, err := pgx.CollectExactlyOneRow(rows, scanRequest)
		if errors.Is(err, pgx.ErrNoRows) {
			return bot.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock request: %w", err)
		}
		return fn(&requestTx{ctx: ctx, tx: tx, now: now, r: r})
	})
}

type requestTx struct {
	ctx context.Context
	tx  pgx.Tx
	now time.Time
	r   bot.Request
}

func (t *requestTx) Request() bot.Request { return t.r }

func (t *requestTx) Participant(phone string) (bot.Participant, error) {
	p := bot.Participant{Phone: phone}
	err := t.tx.QueryRow(t.ctx, `SELECT language, opted_out_at IS NOT NULL FROM participants WHERE phone = $1`, phone).
		Scan(&p.Language, &p.OptedOut)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("participant: %w", err)
	}
	return p, nil
}

func (t *requestTx) Offers() ([]bot.CallbackOffer, error) {
	return queryOffers(t.ctx, t.tx, `WHERE o.request_id = $1 ORDER BY o.id`, t.r.ID)
}

func (t *requestTx) SaveOffer(o *bot.CallbackOffer) error { return saveOffer(t.ctx, t.tx, o) }

func (t *requestTx) Enqueue(m *bot.OutboxMessage) error { return enqueue(t.ctx, t.tx, m, t.now) }

func (t *requestTx) CancelQueued(offerID int64) error {
	_, err := t.tx.Exec(t.ctx, `UPDATE outbox SET status = 'cancelled', updated_at = $2
		WHERE offer_id = $1 AND status = 'queued'`, offerID, t.now)
	if err != nil {
		return fmt.Errorf("cancel queued texts: %w", err)
	}
	return nil
}

func (t *requestTx) SetStatus(status, note, actor string) error {
	return setRequestStatus(t.ctx, t.tx, t.r.ID, status, note, actor, t.now)
}

func (t *requestTx) Events() ([]bot.RequestEvent, error) {
	rows, err := t.tx.Query(t.ctx, `SELECT status, note, actor, created_at FROM request_events WHERE request_id = $1 ORDER BY id`, t.r.ID)
	if err != nil {
		return nil, fmt.Errorf("request events: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (bot.RequestEvent, error) {
		var e bot.RequestEvent
		err := row.Scan(&e.Status, &e.Note, &e.Actor, &e.At)
		return e, err
	})
}

func setRequestStatus(ctx context.Context, tx pgx.Tx, id int64, status, note, actor string, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE requests SET status = $2, updated_at = $3 WHERE id = $1`, id, status, now); err != nil {
		return fmt.Errorf("set request status: %w", err)
	}
	_, err := tx.Exec(ctx, `INSERT INTO request_events (request_id, status, note, actor, created_at) VALUES ($1, $2, $3, $4, $5)`,
		id, status, note, actor, now)
	if err != nil {
		return fmt.Errorf("record request event: %w", err)
	}
	return nil
}

const offerColumns = `o.id, o.request_id, r.reference, r.language, o.starts_at, o.ends_at, o.zone, o.status,
	o.contact_phone, o.contact_role, o.not_sent_reason, o.message_status, o.better_times, o.answered_at, o.created_at, o.updated_at`

func queryOffers(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, where string, args ...any) ([]bot.CallbackOffer, error) {
	rows, err := q.Query(ctx, `SELECT `+offerColumns+` FROM callback_offers o JOIN requests r ON r.id = o.request_id `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("callback offers: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (bot.CallbackOffer, error) {
		var o bot.CallbackOffer
		err := row.Scan(&o.ID, &o.RequestID, &o.Reference, &o.Language, &o.Start, &o.End, &o.Zone, &o.Status,
			&o.ContactPhone, &o.ContactRole, &o.NotSentReason, &o.MessageStatus, &o.BetterTimes, &o.AnsweredAt, &o.CreatedAt, &o.UpdatedAt)
		return o, err
	})
}

func saveOffer(ctx context.Context, tx pgx.Tx, o *bot.CallbackOffer) error {
	var err error
	if o.ID == 0 {
		err = tx.QueryRow(ctx, `
			INSERT INTO callback_offers (request_id, starts_at, ends_at, zone, status, contact_phone, contact_role,
				not_sent_reason, message_status, better_times, answered_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			o.RequestID, o.Start, o.End, o.Zone, o.Status, o.ContactPhone, o.ContactRole,
			o.NotSentReason, o.MessageStatus, o.BetterTimes, o.AnsweredAt, o.CreatedAt, o.UpdatedAt).Scan(&o.ID)
	} else {
		_, err = tx.Exec(ctx, `
			UPDATE callback_offers SET status = $2, not_sent_reason = $3, message_status = $4, better_times = $5,
				answered_at = $6, updated_at = $7
			WHERE id = $1`,
			o.ID, o.Status, o.NotSentReason, o.MessageStatus, o.BetterTimes, o.AnsweredAt, o.UpdatedAt)
	}
	if err != nil {
		return fmt.Errorf("save callback offer: %w", err)
	}
	return nil
}

func enqueue(ctx context.Context, tx pgx.Tx, m *bot.OutboxMessage, now time.Time) error {
	var offerID *int64
	if m.OfferID != 0 {
		offerID = &m.OfferID
	}
	err := tx.QueryRow(ctx, `
		INSERT INTO outbox (kind, offer_id, to_phone, body, status, send_after, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'queued', $5, $6, $6) RETURNING id`,
		m.Kind, offerID, m.To, m.Body, m.SendAfter, now).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("queue text: %w", err)
	}
	m.Status = bot.MsgQueued
	return nil
}
