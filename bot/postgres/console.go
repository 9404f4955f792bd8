package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
	"infopass/flows"
)

// History lists the messages about the request, oldest first: the turns of
// the conversation that filed it, the texts, emails and calls the outbox
// sent about it (its offers, its confirmation, its appointment notices,
// and those of the conversation that filed it), and the turns in which the
// contact answered an offer (those are stored with the offer's answered_at
// as their time).
func (t *requestTx) History(ctx context.Context) ([]bot.HistoryMessage, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT m.id, m.direction, m.channel, m.body, m.created_at FROM messages m
		WHERE m.conversation_id = $1
		UNION
		SELECT m.id, m.direction, m.channel, m.body, m.created_at FROM messages m
		JOIN conversations c ON c.id = m.conversation_id
		JOIN callback_offers o ON o.contact_idx = c.phone_idx AND o.answered_at = m.created_at
		WHERE o.request_id = $2 AND o.contact_idx <> ''`, t.r.ConversationID, t.r.ID)
	if err != nil {
		return nil, fmt.Errorf("request history: %w", err)
	}
	type row struct {
		id  int64
		msg bot.HistoryMessage
	}
	turns, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var (
			x      row
			sealed string
		)
		if err := r.Scan(&x.id, &x.msg.Direction, &x.msg.Channel, &sealed, &x.msg.At); err != nil {
			return x, err
		}
		var err error
		x.msg.Body, err = t.db.keys.OpenString(sealed, "messages", "body", rowKey(x.id))
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("request history: %w", err)
	}
	// Turns are ordered by id: the inbound message of a turn comes before
	// its reply although both have the turn's time.
	slices.SortFunc(turns, func(a, b row) int { return cmp.Compare(a.id, b.id) })
	out := make([]bot.HistoryMessage, 0, len(turns))
	for _, x := range turns {
		out = append(out, x.msg)
	}

	rows, err = t.tx.Query(ctx, `
		SELECT x.id, x.kind, x.channel, x.status, x.body, coalesce(x.sent_at, x.send_after) FROM outbox x
		WHERE x.request_id = $1 OR x.offer_id IN (SELECT id FROM callback_offers WHERE request_id = $1)
			OR x.conversation_id = $2
		ORDER BY x.id`, t.r.ID, t.r.ConversationID)
	if err != nil {
		return nil, fmt.Errorf("request texts: %w", err)
	}
	texts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.HistoryMessage, error) {
		m := bot.HistoryMessage{Direction: "out"}
		var (
			id              int64
			sealed, channel string
		)
		if err := r.Scan(&id, &m.Kind, &channel, &m.Status, &sealed, &m.At); err != nil {
			return m, err
		}
		m.Channel = bot.Channel(channel)
		var err error
		if m.Body, err = t.db.keys.OpenString(sealed, "outbox", "body", rowKey(id)); err != nil || channel != bot.ChannelEmail {
			return m, err
		}
		// An email shows as its subject and its plain text.
		e, err := bot.DecodeEmail(m.Body)
		if err == nil {
			m.Body = e.Subject + "\n\n" + e.Text
		}
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("request texts: %w", err)
	}
	out = append(out, texts...)
	slices.SortStableFunc(out, func(a, b bot.HistoryMessage) int { return a.At.Compare(b.At) })
	return out, nil
}

// RecordAccess adds a line to the access log, in the request's
// transaction: if the work fails, so does its record, and no view is shown
// that was not recorded.
func (t *requestTx) RecordAccess(ctx context.Context, who bot.Actor, action string) error {
	return t.db.recordAccess(ctx, t.tx, who, []bot.Request{t.r}, action, t.now)
}

// RecordAccess adds a line to the access log for each of reqs, or one line
// of no request when there are none (an export).
func (db *DB) RecordAccess(ctx context.Context, who bot.Actor, reqs []bot.Request, action string, now time.Time) error {
	return db.recordAccess(ctx, db.pool, who, reqs, action, now)
}

func (db *DB) recordAccess(ctx context.Context, q querier, who bot.Actor, reqs []bot.Request, action string, now time.Time) error {
	var (
		ids  []*int64
		refs []*string
	)
	for _, r := range reqs {
		ids, refs = append(ids, &r.ID), append(refs, &r.Reference)
	}
	if len(reqs) == 0 {
		ids, refs = []*int64{nil}, []*string{nil}
	}
	var officerID *int64
	var client *string
	if who.Client != "" {
		client = &who.Client
	} else {
		officerID = &who.Officer.ID
	}
	_, err := q.Exec(ctx, `
		INSERT INTO request_access (request_id, reference, officer_id, api_client, session_id, action, at)
		SELECT r.id, r.ref, $3, $4, $5, $6, $7 FROM unnest($1::bigint[], $2::text[]) AS r (id, ref)`,
		ids, refs, officerID, client, who.Officer.Session, action, now)
	if err != nil {
		return fmt.Errorf("record %s of requests: %w", action, err)
	}
	return nil
}

// AccessLog returns the access log of a request, oldest first.
func (db *DB) AccessLog(ctx context.Context, reference string) ([]bot.Access, error) {
	return db.accessLog(ctx, `WHERE a.reference = $1 ORDER BY a.id`, reference)
}

// AccessBetween returns the access log of [from, to), oldest first.
func (db *DB) AccessBetween(ctx context.Context, from, to time.Time) ([]bot.Access, error) {
	return db.accessLog(ctx, `WHERE a.at >= $1 AND a.at < $2 ORDER BY a.at, a.id`, from, to)
}

func (db *DB) accessLog(ctx context.Context, tail string, args ...any) ([]bot.Access, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT coalesce(a.reference, ''), a.officer, a.officer_id, coalesce(o.name, ''), coalesce(o.role, ''),
			coalesce(a.api_client, ''), a.session_id, a.action, a.at
		FROM request_access a LEFT JOIN officers o ON o.id = a.officer_id `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("access log: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.Access, error) {
		var (
			a         bot.Access
			officerID *int64
			typed     string
			name      string
		)
		err := r.Scan(&a.Reference, &typed, &officerID, &name, &a.Actor.Officer.Role, &a.Actor.Client,
			&a.Actor.Officer.Session, &a.Action, &a.At)
		if err != nil || officerID == nil {
			a.Actor.Officer.Name = typed
			return a, err
		}
		a.Actor.Officer.ID = *officerID
		a.Actor.Officer.Name, err = db.keys.OpenString(name, "officers", "name", rowKey(*officerID))
		return a, err
	})
}

// Overview counts the requests submitted and the offers made in
// [from, to), by day in zone.
func (db *DB) Overview(ctx context.Context, from, to time.Time, zone *time.Location) (bot.Overview, error) {
	var o bot.Overview
	rows, err := db.pool.Query(ctx, `
		SELECT (submitted_at AT TIME ZONE $3)::date, type, language, count(*) FROM requests
		WHERE submitted_at >= $1 AND submitted_at < $2
		GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, from, to, zone.String())
	if err != nil {
		return o, fmt.Errorf("count requests: %w", err)
	}
	o.Requests, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.RequestCount, error) {
		var (
			c   bot.RequestCount
			day time.Time
		)
		err := r.Scan(&day, &c.Type, &c.Language, &c.Count)
		c.Day = flows.DateOf(day)
		return c, err
	})
	if err != nil {
		return o, fmt.Errorf("count requests: %w", err)
	}
	rows, err = db.pool.Query(ctx, `
		SELECT (created_at AT TIME ZONE $3)::date, status, count(*) FROM callback_offers
		WHERE created_at >= $1 AND created_at < $2
		GROUP BY 1, 2 ORDER BY 1, 2`, from, to, zone.String())
	if err != nil {
		return o, fmt.Errorf("count offers: %w", err)
	}
	o.Offers, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.OfferCount, error) {
		var (
			c   bot.OfferCount
			day time.Time
		)
		err := r.Scan(&day, &c.Status, &c.Count)
		c.Day = flows.DateOf(day)
		return c, err
	})
	if err != nil {
		return o, fmt.Errorf("count offers: %w", err)
	}
	return o, nil
}
