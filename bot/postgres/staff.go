package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
)

var _ bot.StaffStore = (*DB)(nil)

// EndSession records that a staff session ended before it expires, and
// forgets the ended sessions that have expired since.
func (db *DB) EndSession(ctx context.Context, id string, expires, now time.Time) error {
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM ended_sessions WHERE expires_at <= $1`, now)
	b.Queue(`INSERT INTO ended_sessions (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, id, expires)
	if err := db.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// SessionEnded reports whether a staff session was signed out.
func (db *DB) SessionEnded(ctx context.Context, id string) (bool, error) {
	var ended bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ended_sessions WHERE id = $1)`, id).Scan(&ended); err != nil {
		return false, fmt.Errorf("session ended: %w", err)
	}
	return ended, nil
}

// ListRequests lists requests matching f in the order they were
// submitted, newest first (oldest first with f.Oldest), ties by id. A page
// starts after its cursor request (f.Before, f.After) in that order: a
// keyset, which an index of the filters and (submitted_at, id) reads from
// where the page starts however deep it is (migrations/011). A-Number,
// receipt and phone are found by their blind indexes.
func (db *DB) ListRequests(ctx context.Context, f bot.RequestFilter) ([]bot.Request, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Status != "" {
		add("status = $?", f.Status)
	}
	if f.Type != "" {
		add("type = $?", f.Type)
	}
	if f.Language != "" {
		add("language = $?", f.Language)
	}
	if f.ZIPPrefix != "" {
		add("zip LIKE $? || '%'", f.ZIPPrefix)
	}
	if f.ANumber != "" {
		add("a_number_idx = $?", db.keys.Index("a_number", f.ANumber))
	}
	if f.Receipt != "" {
		add("receipt_idx = $?", db.keys.Index("receipt", f.Receipt))
	}
	if f.Phone != "" {
		add("(phone_idx = $? OR contact_idx = $?)", db.keys.Index("phone", f.Phone))
	}
	if !f.From.IsZero() {
		add("submitted_at >= $?", f.From)
	}
	if !f.To.IsZero() {
		add("submitted_at < $?", f.To)
	}
	// The cursor request's place in the order: a request that does not
	// exist has none, and the page is empty.
	if f.Before > 0 {
		add("(submitted_at, id) < ((SELECT c.submitted_at FROM requests c WHERE c.id = $?), $?)", f.Before)
	}
	if f.After > 0 {
		add("(submitted_at, id) > ((SELECT c.submitted_at FROM requests c WHERE c.id = $?), $?)", f.After)
	}
	tail := ""
	if len(where) > 0 {
		tail = `WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	order := "DESC"
	if f.Oldest {
		order = "ASC"
	}
	tail += fmt.Sprintf(` ORDER BY submitted_at %[1]s, id %[1]s LIMIT $%[2]d`, order, len(args))
	return db.queryRequests(ctx, db.pool, tail, args...)
}

// WithRequest runs fn in a transaction on the request, holding its row
// lock when lock is set.
func (db *DB) WithRequest(ctx context.Context, ref string, now time.Time, lock bool, fn func(context.Context, bot.RequestTx) error) error {
	tail := `WHERE reference = $1`
	if lock {
		tail += ` FOR UPDATE`
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		reqs, err := db.queryRequests(ctx, tx, tail, ref)
		if err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		if len(reqs) == 0 {
			return bot.ErrNotFound
		}
		return fn(ctx, &requestTx{db: db, tx: tx, now: now, r: reqs[0]})
	})
}

type requestTx struct {
	db  *DB
	tx  pgx.Tx
	now time.Time
	r   bot.Request
}

func (t *requestTx) Request() bot.Request { return t.r }

func (t *requestTx) Participant(ctx context.Context, phone string) (bot.Participant, error) {
	p := bot.Participant{Phone: phone}
	err := t.tx.QueryRow(ctx, `SELECT language, opted_out_at IS NOT NULL, sms_refused_at IS NOT NULL FROM participants WHERE phone_idx = $1`,
		t.db.keys.Index("phone", phone)).Scan(&p.Language, &p.OptedOut, &p.SMSRefused)
	if err == pgx.ErrNoRows {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("participant: %w", err)
	}
	return p, nil
}

func (t *requestTx) Offers(ctx context.Context) ([]bot.CallbackOffer, error) {
	return t.db.queryOffers(ctx, t.tx, `WHERE o.request_id = $1 ORDER BY o.id`, t.r.ID)
}

func (t *requestTx) SaveOffer(ctx context.Context, o *bot.CallbackOffer) error {
	return t.db.saveOffer(ctx, t.tx, o)
}

func (t *requestTx) Enqueue(ctx context.Context, m *bot.OutboxMessage) error {
	return t.db.enqueue(ctx, t.tx, m, t.now)
}

func askBy(s string) string {
	if s == "" {
		return bot.AskByText
	}
	return s
}

func (t *requestTx) CancelQueued(ctx context.Context, offerID int64) error {
	_, err := t.tx.Exec(ctx, `UPDATE outbox SET status = 'cancelled', updated_at = $2
		WHERE offer_id = $1 AND status = 'queued'`, offerID, t.now)
	if err != nil {
		return fmt.Errorf("cancel queued texts: %w", err)
	}
	return nil
}

// SetStatus records the new status: an officer by id (their name is read
// from the officers' table, sealed), an API client by name.
func (t *requestTx) SetStatus(ctx context.Context, status, note string, who bot.Actor) error {
	if who.Client != "" {
		return t.db.setRequestStatus(ctx, t.tx, t.r.ID, status, note, "api:"+who.Client, t.now)
	}
	if err := t.db.setRequestStatus(ctx, t.tx, t.r.ID, status, note, "", t.now); err != nil {
		return err
	}
	_, err := t.tx.Exec(ctx, `UPDATE request_events SET officer_id = $2
		WHERE id = (SELECT max(id) FROM request_events WHERE request_id = $1)`, t.r.ID, who.Officer.ID)
	if err != nil {
		return fmt.Errorf("record who set the status: %w", err)
	}
	return nil
}

func (t *requestTx) Events(ctx context.Context) ([]bot.RequestEvent, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT e.id, e.status, e.note, e.actor, e.created_at, o.id, coalesce(o.name, '')
		FROM request_events e LEFT JOIN officers o ON o.id = e.officer_id
		WHERE e.request_id = $1 ORDER BY e.id`, t.r.ID)
	if err != nil {
		return nil, fmt.Errorf("request events: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (bot.RequestEvent, error) {
		var (
			e            bot.RequestEvent
			id           int64
			officerID    *int64
			sealed, name string
		)
		if err := row.Scan(&id, &e.Status, &sealed, &e.Actor, &e.At, &officerID, &name); err != nil {
			return e, err
		}
		var err error
		if e.Note, err = t.db.keys.OpenString(sealed, "request_events", "note", rowKey(id)); err != nil {
			return e, err
		}
		if client, ok := strings.CutPrefix(e.Actor, "api:"); ok {
			e.Actor = "API client " + client
		}
		if officerID != nil {
			e.Actor, err = t.db.keys.OpenString(name, "officers", "name", rowKey(*officerID))
		}
		return e, err
	})
}

// setRequestStatus records a status change of request id. Closing or
// completing it also withdraws what is still to be texted about it: its
// offers awaiting an answer, and its texts not sent yet.
func (db *DB) setRequestStatus(ctx context.Context, q querier, id int64, status, note, actor string, now time.Time) error {
	if _, err := q.Exec(ctx, `UPDATE requests SET status = $2, updated_at = $3 WHERE id = $1`, id, status, now); err != nil {
		return fmt.Errorf("set request status: %w", err)
	}
	if status == bot.StatusClosed && actor == "applicant" {
		// A CANCEL by text: the office sees the appointment withdrawn.
		if err := withdrawAppointments(ctx, q, id, now); err != nil {
			return err
		}
	}
	if status == bot.StatusClosed || status == bot.StatusCompleted {
		if err := cancelRequestTexts(ctx, q, id, now); err != nil {
			return err
		}
	}
	ids, err := nextIDs(ctx, q, "request_events", 1)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `INSERT INTO request_events (id, request_id, status, note, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		ids[0], id, status, db.keys.SealString(note, "request_events", "note", rowKey(ids[0])), actor, now)
	if err != nil {
		return fmt.Errorf("record request event: %w", err)
	}
	return nil
}

// cancelRequestTexts cancels a request's offers awaiting an answer and
// its texts, emails and calls still queued: offers' texts and calls,
// reminders, appointment notices, and texts of the conversation that
// filed it.
func cancelRequestTexts(ctx context.Context, q querier, id int64, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE callback_offers SET status = 'cancelled', updated_at = $2
		WHERE request_id = $1 AND status IN ('awaiting', 'no_answer')`, id, now)
	if err != nil {
		return fmt.Errorf("cancel offers: %w", err)
	}
	// Each kind of row is found by its own index (an OR of them would
	// read every queued row).
	_, err = q.Exec(ctx, `UPDATE outbox SET status = 'cancelled', updated_at = $2
		WHERE status = 'queued' AND id IN (
			SELECT id FROM outbox WHERE request_id = $1
			UNION SELECT o.id FROM outbox o JOIN callback_offers c ON c.id = o.offer_id WHERE c.request_id = $1
			UNION SELECT id FROM outbox WHERE conversation_id = (SELECT conversation_id FROM requests WHERE id = $1))`, id, now)
	if err != nil {
		return fmt.Errorf("cancel queued texts: %w", err)
	}
	return nil
}

const offerColumns = `o.id, o.request_id, r.reference, r.language, o.starts_at, o.ends_at, o.zone, o.status,
	o.contact_phone, o.contact_role, o.not_sent_reason, o.message_status, o.better_times, o.answered_at, o.created_at, o.updated_at,
	o.ask_by, o.call_status`

func (db *DB) queryOffers(ctx context.Context, q querier, tail string, args ...any) ([]bot.CallbackOffer, error) {
	rows, err := q.Query(ctx, `SELECT `+offerColumns+` FROM callback_offers o JOIN requests r ON r.id = o.request_id `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("callback offers: %w", err)
	}
	return db.collectOffers(rows)
}

// collectOffers reads the rows of a query of offerColumns.
func (db *DB) collectOffers(rows pgx.Rows) ([]bot.CallbackOffer, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (bot.CallbackOffer, error) {
		var (
			o                    bot.CallbackOffer
			contact, betterTimes string
		)
		err := row.Scan(&o.ID, &o.RequestID, &o.Reference, &o.Language, &o.Start, &o.End, &o.Zone, &o.Status,
			&contact, &o.ContactRole, &o.NotSentReason, &o.MessageStatus, &betterTimes, &o.AnsweredAt, &o.CreatedAt, &o.UpdatedAt,
			&o.AskBy, &o.CallStatus)
		if err != nil {
			return o, err
		}
		if o.ContactPhone, err = db.keys.OpenString(contact, "callback_offers", "contact_phone", rowKey(o.ID)); err != nil {
			return o, err
		}
		o.BetterTimes, err = db.keys.OpenString(betterTimes, "callback_offers", "better_times", rowKey(o.ID))
		return o, err
	})
}

func (db *DB) saveOffer(ctx context.Context, q querier, o *bot.CallbackOffer) error {
	if o.ID == 0 {
		ids, err := nextIDs(ctx, q, "callback_offers", 1)
		if err != nil {
			return err
		}
		key := rowKey(ids[0])
		_, err = q.Exec(ctx, `
			INSERT INTO callback_offers (id, request_id, starts_at, ends_at, zone, status, contact_idx, contact_phone, contact_role,
				not_sent_reason, message_status, better_times, answered_at, created_at, updated_at, ask_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			ids[0], o.RequestID, o.Start, o.End, o.Zone, o.Status, db.keys.Index("phone", o.ContactPhone),
			db.keys.SealString(o.ContactPhone, "callback_offers", "contact_phone", key), o.ContactRole,
			o.NotSentReason, o.MessageStatus, db.keys.SealString(o.BetterTimes, "callback_offers", "better_times", key),
			o.AnsweredAt, o.CreatedAt, o.UpdatedAt, askBy(o.AskBy))
		if err != nil {
			return fmt.Errorf("save callback offer: %w", err)
		}
		o.ID = ids[0]
		return nil
	}
	_, err := q.Exec(ctx, `
		UPDATE callback_offers SET status = $2, not_sent_reason = $3, message_status = $4, better_times = $5,
			answered_at = $6, updated_at = $7
		WHERE id = $1`,
		o.ID, o.Status, o.NotSentReason, o.MessageStatus,
		db.keys.SealString(o.BetterTimes, "callback_offers", "better_times", rowKey(o.ID)), o.AnsweredAt, o.UpdatedAt)
	if err != nil {
		return fmt.Errorf("save callback offer: %w", err)
	}
	return nil
}

func (db *DB) enqueue(ctx context.Context, q querier, m *bot.OutboxMessage, now time.Time) error {
	nullable := func(id int64) *int64 {
		if id == 0 {
			return nil
		}
		return &id
	}
	channel := m.Channel
	if channel == "" {
		channel = bot.ChannelSMS
	}
	ids, err := nextIDs(ctx, q, "outbox", 1)
	if err != nil {
		return err
	}
	key, toIdx := rowKey(ids[0]), db.keys.Index("phone", m.To)
	if channel == bot.ChannelEmail {
		toIdx = db.keys.Index("email", strings.ToLower(m.To))
	}
	// A row about no offer and no request belongs to a conversation: the
	// one named, or else the number's open one (a caller's, going on by
	// text), the latest should there ever be more than one.
	_, err = q.Exec(ctx, `
		INSERT INTO outbox (id, kind, channel, offer_id, request_id, appointment_id, conversation_id, to_idx, to_phone, body, status,
			send_after, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $4::bigint IS NULL AND $5::bigint IS NULL
			THEN coalesce($7, (SELECT id FROM conversations WHERE phone_idx = $8 AND open ORDER BY updated_at DESC, id DESC LIMIT 1)) END,
			$8, $9, $10, 'queued', $11, $12, $12)`,
		ids[0], m.Kind, channel, nullable(m.OfferID), nullable(m.RequestID), nullable(m.AppointmentID), nullable(m.ConversationID), toIdx,
		db.keys.SealString(m.To, "outbox", "to_phone", key), db.keys.SealString(m.Body, "outbox", "body", key), m.SendAfter, now)
	if err != nil {
		return fmt.Errorf("queue %s: %w", channel, err)
	}
	m.ID, m.Status, m.Channel = ids[0], bot.MsgQueued, channel
	return nil
}
