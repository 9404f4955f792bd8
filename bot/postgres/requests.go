package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
)

const requestColumns = `id, reference, coalesce(conversation_id, 0), status, type, language, channel, role,
	phone, contact_phone, zip, answers, submitted_at`

// queryRequests runs a SELECT of requests with the given tail (WHERE …)
// and opens their sealed columns.
func (db *DB) queryRequests(ctx context.Context, q querier, tail string, args ...any) ([]bot.Request, error) {
	rows, err := q.Query(ctx, `SELECT `+requestColumns+` FROM requests `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("requests: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (bot.Request, error) {
		var (
			r                             bot.Request
			phone, contact, sealedAnswers string
		)
		err := row.Scan(&r.ID, &r.Reference, &r.ConversationID, &r.Status, &r.Type, &r.Language, &r.Channel, &r.Role,
			&phone, &contact, &r.ZIP, &sealedAnswers, &r.SubmittedAt)
		if err != nil {
			return r, err
		}
		key := rowKey(r.ID)
		if r.Phone, err = db.keys.OpenString(phone, "requests", "phone", key); err != nil {
			return r, err
		}
		if r.ContactPhone, err = db.keys.OpenString(contact, "requests", "contact_phone", key); err != nil {
			return r, err
		}
		raw, err := db.keys.Open(sealedAnswers, "requests", "answers", key)
		if err != nil {
			return r, err
		}
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &r.Answers); err != nil {
				return r, fmt.Errorf("request %s answers: %w", r.Reference, err)
			}
		}
		return r, nil
	})
}

// createRequest stores r with its sealed columns and blind indexes.
func (db *DB) createRequest(ctx context.Context, q querier, r *bot.Request) error {
	raw, err := json.Marshal(r.Answers)
	if err != nil {
		return fmt.Errorf("encode answers: %w", err)
	}
	ids, err := nextIDs(ctx, q, "requests", 1)
	if err != nil {
		return err
	}
	k, key := db.keys, rowKey(ids[0])
	// The conversation that filed it is marked filed: the idle purge
	// leaves it to the request's (DeleteIdle).
	var filed int
	err = q.QueryRow(ctx, `
		WITH filed AS (
			INSERT INTO requests (id, reference, conversation_id, status, type, language, channel, role,
				phone_idx, phone, contact_idx, contact_phone, zip, answers, a_number_idx, receipt_idx, submitted_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
			ON CONFLICT (reference) DO NOTHING
			RETURNING conversation_id
		), marked AS (
			UPDATE conversations SET filed = true WHERE id IN (SELECT conversation_id FROM filed)
		)
		SELECT count(*) FROM filed`,
		ids[0], r.Reference, r.ConversationID, r.Status, string(r.Type), r.Language, string(r.Channel), string(r.Role),
		k.Index("phone", r.Phone), k.SealString(r.Phone, "requests", "phone", key),
		k.Index("phone", r.ContactPhone), k.SealString(r.ContactPhone, "requests", "contact_phone", key),
		r.ZIP, k.Seal(raw, "requests", "answers", key),
		k.Index("a_number", r.Answers.ANumber), k.Index("receipt", r.Answers.Receipt), r.SubmittedAt).Scan(&filed)
	if err != nil {
		return fmt.Errorf("create request: %w", err)
	}
	if filed == 0 {
		return bot.ErrReferenceTaken
	}
	r.ID = ids[0]
	return nil
}

// Request returns the request with this reference, or ErrNotFound.
func (db *DB) Request(ctx context.Context, reference string) (bot.Request, error) {
	reqs, err := db.queryRequests(ctx, db.pool, `WHERE reference = $1`, reference)
	if err != nil {
		return bot.Request{}, fmt.Errorf("request %s: %w", reference, err)
	}
	if len(reqs) == 0 {
		return bot.Request{}, ErrNotFound
	}
	return reqs[0], nil
}

// RequestsFrom lists the requests filed from phone, oldest first.
func (db *DB) RequestsFrom(ctx context.Context, phone string) ([]bot.Request, error) {
	return db.queryRequests(ctx, db.pool, `WHERE phone_idx = $1 ORDER BY id`, db.keys.Index("phone", phone))
}
