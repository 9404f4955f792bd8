package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
)

// OpenConversation returns phone's open conversation, or ErrNotFound.
func (db *DB) OpenConversation(ctx context.Context, phone string) (*bot.Conversation, error) {
	c, err := db.scanConversation(db.pool.QueryRow(ctx,
		`SELECT `+conversationColumns+` FROM conversations WHERE phone_idx = $1 AND open`, db.keys.Index("phone", phone)), phone)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("conversation of %s: %w", bot.MaskPhone(phone), err)
	}
	return c, nil
}

// Messages lists every stored message to and from phone, oldest first.
func (db *DB) Messages(ctx context.Context, phone string) ([]bot.Message, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT m.id, m.direction, m.channel, coalesce(m.provider_id, ''), m.body
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE c.phone_idx = $1 ORDER BY m.id`, db.keys.Index("phone", phone))
	if err != nil {
		return nil, fmt.Errorf("messages of %s: %w", bot.MaskPhone(phone), err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (bot.Message, error) {
		var (
			m      bot.Message
			id     int64
			sealed string
		)
		if err := row.Scan(&id, &m.Direction, &m.Channel, &m.ProviderID, &sealed); err != nil {
			return m, err
		}
		m.Body, err = db.keys.OpenString(sealed, "messages", "body", rowKey(id))
		return m, err
	})
}

// Participant returns what is stored of phone, or ErrNotFound.
func (db *DB) Participant(ctx context.Context, phone string) (bot.Participant, error) {
	p := bot.Participant{Phone: phone}
	err := db.pool.QueryRow(ctx, `SELECT language, opted_out_at IS NOT NULL FROM participants WHERE phone_idx = $1`,
		db.keys.Index("phone", phone)).Scan(&p.Language, &p.OptedOut)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("participant %s: %w", bot.MaskPhone(phone), err)
	}
	return p, nil
}
