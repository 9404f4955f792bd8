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

	// Each kind of row is found by its own index: an OR of them would read
	// the whole outbox.
	rows, err = t.tx.Query(ctx, `
		SELECT x.id, x.kind, x.channel, x.status, x.body, coalesce(x.sent_at, x.send_after) FROM outbox x
		WHERE x.id IN (
			SELECT id FROM outbox WHERE request_id = $1
			UNION SELECT o.id FROM outbox o JOIN callback_offers c ON c.id = o.offer_id WHERE c.request_id = $1
			UNION SELECT id FROM outbox WHERE conversation_id = $2)
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

// overviewMargin is how long after a day ends its counts may still
// change: a turn or a staff change commits within seconds of its time.
const overviewMargin = time.Minute

// Overview counts the requests submitted and the offers made in
// [from, to), by day in zone.
//
// The whole days of the period that ended a margin before now are over:
// their counts are kept (overview_days, overview_requests,
// overview_offers), made once, so that an overview reads a day's few
// counts rather than its requests and offers again. A day's requests
// never change once it is over; a day whose offers changed since it was
// counted is counted again. The rest of the period (today) is counted
// from the requests and offers themselves.
func (db *DB) Overview(ctx context.Context, from, to time.Time, zone *time.Location, now time.Time) (bot.Overview, error) {
	var o bot.Overview
	z := zone.String()
	// The whole days of [from, to) that are over, first to last.
	var over []flows.Date
	for d := flows.DateOf(from.In(zone)); ; d = d.AddDays(1) {
		start, end := dayStart(d, zone), dayStart(d.AddDays(1), zone)
		if start.Before(from) {
			continue
		}
		if end.After(to) || end.After(now.Add(-overviewMargin)) {
			break
		}
		over = append(over, d)
	}
	live := [][2]time.Time{{from, to}}
	if len(over) > 0 {
		first, last := dayStart(over[0], zone), dayStart(over[len(over)-1].AddDays(1), zone)
		live = [][2]time.Time{{from, first}, {last, to}}
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if len(over) > 0 {
			if err := db.countDays(ctx, tx, over, zone, now); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT day, type, language, requests FROM overview_requests
				WHERE zone = $1 AND day >= $2 AND day <= $3`, z, over[0].Time(), over[len(over)-1].Time())
			if err != nil {
				return fmt.Errorf("counted requests: %w", err)
			}
			counts, err := collectRequestCounts(rows)
			if err != nil {
				return fmt.Errorf("counted requests: %w", err)
			}
			o.Requests = append(o.Requests, counts...)
			rows, err = tx.Query(ctx, `SELECT day, status, offers FROM overview_offers
				WHERE zone = $1 AND day >= $2 AND day <= $3`, z, over[0].Time(), over[len(over)-1].Time())
			if err != nil {
				return fmt.Errorf("counted offers: %w", err)
			}
			offers, err := collectOfferCounts(rows)
			if err != nil {
				return fmt.Errorf("counted offers: %w", err)
			}
			o.Offers = append(o.Offers, offers...)
		}
		for _, r := range live {
			if !r[0].Before(r[1]) {
				continue
			}
			rows, err := tx.Query(ctx, `
				SELECT (submitted_at AT TIME ZONE $3)::date, type, language, count(*) FROM requests
				WHERE submitted_at >= $1 AND submitted_at < $2
				GROUP BY 1, 2, 3`, r[0], r[1], z)
			if err != nil {
				return fmt.Errorf("count requests: %w", err)
			}
			counts, err := collectRequestCounts(rows)
			if err != nil {
				return fmt.Errorf("count requests: %w", err)
			}
			o.Requests = append(o.Requests, counts...)
			rows, err = tx.Query(ctx, `
				SELECT (created_at AT TIME ZONE $3)::date, status, count(*) FROM callback_offers
				WHERE created_at >= $1 AND created_at < $2
				GROUP BY 1, 2`, r[0], r[1], z)
			if err != nil {
				return fmt.Errorf("count offers: %w", err)
			}
			offers, err := collectOfferCounts(rows)
			if err != nil {
				return fmt.Errorf("count offers: %w", err)
			}
			o.Offers = append(o.Offers, offers...)
		}
		return nil
	})
	if err != nil {
		return o, err
	}
	// A partial day at each end of the period may be counted twice, once
	// before and once after its whole days: add them up.
	o.Requests = mergeCounts(o.Requests, func(c bot.RequestCount) string { return c.Day.String() + string(c.Type) + "\x00" + c.Language },
		func(a, b bot.RequestCount) bot.RequestCount { a.Count += b.Count; return a },
		func(a, b bot.RequestCount) int {
			return cmp.Or(a.Day.Compare(b.Day), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Language, b.Language))
		})
	o.Offers = mergeCounts(o.Offers, func(c bot.OfferCount) string { return c.Day.String() + c.Status },
		func(a, b bot.OfferCount) bot.OfferCount { a.Count += b.Count; return a },
		func(a, b bot.OfferCount) int { return cmp.Or(a.Day.Compare(b.Day), cmp.Compare(a.Status, b.Status)) })
	return o, nil
}

// countDays makes the kept counts of the days over, each the first
// time, and again for a day whose offers changed since it was counted.
// One overview at a time counts a zone's days.
func (db *DB) countDays(ctx context.Context, tx pgx.Tx, over []flows.Date, zone *time.Location, now time.Time) error {
	z := zone.String()
	first, last := over[0], over[len(over)-1]
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('infopass overview ' || $1))`, z); err != nil {
		return fmt.Errorf("overview lock: %w", err)
	}
	counted := map[flows.Date]time.Time{}
	var since time.Time
	rows, err := tx.Query(ctx, `SELECT day, counted_at FROM overview_days WHERE zone = $1 AND day >= $2 AND day <= $3`,
		z, first.Time(), last.Time())
	if err != nil {
		return fmt.Errorf("counted days: %w", err)
	}
	for rows.Next() {
		var day, at time.Time
		if err := rows.Scan(&day, &at); err != nil {
			rows.Close()
			return fmt.Errorf("counted days: %w", err)
		}
		counted[flows.DateOf(day)] = at
		if since.IsZero() || at.Before(since) {
			since = at
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("counted days: %w", err)
	}
	var requestDays, offerDays []time.Time
	for _, d := range over {
		if _, ok := counted[d]; !ok {
			requestDays, offerDays = append(requestDays, d.Time()), append(offerDays, d.Time())
		}
	}
	if !since.IsZero() {
		// Days counted whose offers changed since: a change is stamped
		// with its time, and commits within the margin of it.
		rows, err := tx.Query(ctx, `
			SELECT DISTINCT (created_at AT TIME ZONE $3)::date FROM callback_offers
			WHERE updated_at >= $4 AND created_at >= $1 AND created_at < $2`,
			dayStart(first, zone), dayStart(last.AddDays(1), zone), z, since.Add(-overviewMargin))
		if err != nil {
			return fmt.Errorf("changed offers: %w", err)
		}
		changed, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
		if err != nil {
			return fmt.Errorf("changed offers: %w", err)
		}
		for _, day := range changed {
			if at, ok := counted[flows.DateOf(day)]; ok && !at.IsZero() {
				offerDays = append(offerDays, day)
			}
		}
	}
	if len(offerDays) == 0 {
		return nil
	}
	span := func(days []time.Time) (time.Time, time.Time) {
		lo, hi := days[0], days[0]
		for _, d := range days {
			lo, hi = minTime(lo, d), maxTime(hi, d)
		}
		return dayStart(flows.DateOf(lo), zone), dayStart(flows.DateOf(hi).AddDays(1), zone)
	}
	b := &pgx.Batch{}
	if len(requestDays) > 0 {
		lo, hi := span(requestDays)
		b.Queue(`DELETE FROM overview_requests WHERE zone = $1 AND day = ANY($2)`, z, requestDays)
		b.Queue(`
			INSERT INTO overview_requests (zone, day, type, language, requests)
			SELECT $1, (submitted_at AT TIME ZONE $1)::date, type, language, count(*) FROM requests
			WHERE submitted_at >= $3 AND submitted_at < $4 AND (submitted_at AT TIME ZONE $1)::date = ANY($2)
			GROUP BY 2, 3, 4`, z, requestDays, lo, hi)
	}
	lo, hi := span(offerDays)
	b.Queue(`DELETE FROM overview_offers WHERE zone = $1 AND day = ANY($2)`, z, offerDays)
	b.Queue(`
		INSERT INTO overview_offers (zone, day, status, offers)
		SELECT $1, (created_at AT TIME ZONE $1)::date, status, count(*) FROM callback_offers
		WHERE created_at >= $3 AND created_at < $4 AND (created_at AT TIME ZONE $1)::date = ANY($2)
		GROUP BY 2, 3`, z, offerDays, lo, hi)
	b.Queue(`
		INSERT INTO overview_days (zone, day, counted_at) SELECT $1, unnest($2::date[]), $3
		ON CONFLICT (zone, day) DO UPDATE SET counted_at = EXCLUDED.counted_at`, z, offerDays, now)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("count days: %w", err)
	}
	return nil
}

// dayStart is the midnight that begins d in zone.
func dayStart(d flows.Date, zone *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, zone)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func collectRequestCounts(rows pgx.Rows) ([]bot.RequestCount, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.RequestCount, error) {
		var (
			c   bot.RequestCount
			day time.Time
		)
		err := r.Scan(&day, &c.Type, &c.Language, &c.Count)
		c.Day = flows.DateOf(day)
		return c, err
	})
}

func collectOfferCounts(rows pgx.Rows) ([]bot.OfferCount, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.OfferCount, error) {
		var (
			c   bot.OfferCount
			day time.Time
		)
		err := r.Scan(&day, &c.Status, &c.Count)
		c.Day = flows.DateOf(day)
		return c, err
	})
}

// mergeCounts adds up the counts of the same key, and sorts them.
func mergeCounts[T any](counts []T, key func(T) string, add func(a, b T) T, compare func(a, b T) int) []T {
	at := map[string]int{}
	var out []T
	for _, c := range counts {
		k := key(c)
		if i, ok := at[k]; ok {
			out[i] = add(out[i], c)
			continue
		}
		at[k] = len(out)
		out = append(out, c)
	}
	slices.SortFunc(out, compare)
	return out
}
