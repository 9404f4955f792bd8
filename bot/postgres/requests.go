package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
)

const requestColumns = `id, reference, coalesce(conversation_id, 0), status, type, language, channel, role, phone, contact_phone, zip, answers, submitted_at`

func scanRequest(row pgx.CollectableRow) (bot.Request, error) {
	var (
		r       bot.Request
		answers []byte
	)
	err := row.Scan(&r.ID, &r.Reference, &r.ConversationID, &r.Status, &r.Type, &r.Language, &r.Channel, &r.Role,
		&r.Phone, &r.ContactPhone, &r.ZIP, &answers, &r.SubmittedAt)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(answers, &r.Answers); err != nil {
		return r, fmt.Errorf("request %s answers: %w", r.Reference, err)
	}
	return r, nil
}

// Request returns the request with this reference, or ErrNotFound.
func (db *DB) Request(ctx context.Context, reference string) (bot.Request, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+requestColumns+` FROM requests WHERE reference = $1`, reference)
	if err != nil {
		return bot.Request{}, fmt.Errorf("request %s: %w", reference, err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanRequest)
	if errors.Is(err, pgx.ErrNoRows) {
		return bot.Request{}, ErrNotFound
	}
	if err != nil {
		return bot.Request{}, fmt.Errorf("request %s: %w", reference, err)
	}
	return r, nil
}

// RequestsFrom lists the requests filed from phone, oldest first.
func (db *DB) RequestsFrom(ctx context.Context, phone string) ([]bot.Request, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+requestColumns+` FROM requests WHERE phone = $1 ORDER BY id`, phone)
	if err != nil {
		return nil, fmt.Errorf("requests from %s: %w", bot.MaskPhone(phone), err)
	}
	return pgx.CollectRows(rows, scanRequest)
}
