package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
	"infopass/flows"
)

// turnTx is one turn's transaction.
type turnTx struct {
	ctx context.Context
	tx  pgx.Tx
	now time.Time
	p   bot.Participant
}

func (t *turnTx) Participant() bot.Participant { return t.p }

func (t *turnTx) SaveParticipant(p bot.Participant) error {
	_, err := t.tx.Exec(t.ctx, `
		UPDATE participants SET language = $2,
			opted_out_at = CASE WHEN $3 THEN coalesce(opted_out_at, $4) END
		WHERE phone = $1`, p.Phone, p.Language, p.OptedOut, t.now)
	if err != nil {
		return fmt.Errorf("save participant: %w", err)
	}
	t.p = p
	return nil
}

func (t *turnTx) PriorReply(providerID string) (bot.Reply, bool, error) {
	var raw []byte
	err := t.tx.QueryRow(t.ctx, `SELECT reply FROM messages WHERE direction = 'in' AND provider_id = $1`, providerID).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return bot.Reply{}, false, nil
	}
	if err != nil {
		return bot.Reply{}, false, fmt.Errorf("find prior reply: %w", err)
	}
	var r bot.Reply
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r); err != nil {
			return bot.Reply{}, false, fmt.Errorf("decode prior reply: %w", err)
		}
	}
	return r, true, nil
}

const conversationColumns = `id, phone, open, step, answers, history, invalid_count, pending, channel, version, created_at, updated_at`

func scanConversation(row pgx.Row) (*bot.Conversation, error) {
	var (
		c       bot.Conversation
		answers []byte
		history []string
	)
	err := row.Scan(&c.ID, &c.Phone, &c.Open, &c.Step, &answers, &history, &c.InvalidCount, &c.Pending, &c.Channel, &c.Version, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(answers, &c.Answers); err != nil {
		return nil, fmt.Errorf("conversation %d answers: %w", c.ID, err)
	}
	for _, s := range history {
		c.History = append(c.History, flows.Step(s))
	}
	return &c, nil
}

func (t *turnTx) OpenConversation() (*bot.Conversation, error) {
	c, err := scanConversation(t.tx.QueryRow(t.ctx,
		`SELECT `+conversationColumns+` FROM conversations WHERE phone = $1 AND open FOR UPDATE`, t.p.Phone))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load conversation: %w", err)
	}
	return c, nil
}

func (t *turnTx) SaveConversation(c *bot.Conversation) error {
	answers, err := json.Marshal(c.Answers)
	if err != nil {
		return fmt.Errorf("encode answers: %w", err)
	}
	history := make([]string, len(c.History))
	for i, s := range c.History {
		history[i] = string(s)
	}
	var closedAt *time.Time
	if !c.Open {
		closedAt = &t.now
	}
	if c.ID == 0 {
		err = t.tx.QueryRow(t.ctx, `
			INSERT INTO conversations (phone, open, step, answers, history, invalid_count, pending, channel, version, created_at, updated_at, closed_at)
			VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			c.Phone, c.Open, string(c.Step), string(answers), history, c.InvalidCount, c.Pending, string(c.Channel), c.Version, c.CreatedAt, c.UpdatedAt, closedAt).Scan(&c.ID)
	} else {
		_, err = t.tx.Exec(t.ctx, `
			UPDATE conversations SET open = $2, step = $3, answers = $4::jsonb, history = $5, invalid_count = $6,
				pending = $7, channel = $8, version = $9, updated_at = $10, closed_at = $11
			WHERE id = $1`,
			c.ID, c.Open, string(c.Step), string(answers), history, c.InvalidCount, c.Pending, string(c.Channel), c.Version, c.UpdatedAt, closedAt)
	}
	if err != nil {
		return fmt.Errorf("save conversation: %w", err)
	}
	return nil
}

func (t *turnTx) DeleteConversation(c *bot.Conversation) error {
	if _, err := t.tx.Exec(t.ctx, `DELETE FROM conversations WHERE id = $1`, c.ID); err != nil {
		return fmt.Errorf("delete conversation %d: %w", c.ID, err)
	}
	return nil
}

func (t *turnTx) AddTurn(conversationID int64, in bot.Message, reply bot.Reply) error {
	var providerID *string
	if in.ProviderID != "" {
		providerID = &in.ProviderID
	}
	raw, err := json.Marshal(reply)
	if err != nil {
		return fmt.Errorf("encode reply: %w", err)
	}
	var inID int64
	err = t.tx.QueryRow(t.ctx, `
		INSERT INTO messages (conversation_id, direction, channel, provider_id, body, reply, created_at)
		VALUES ($1, 'in', $2, $3, $4, $5::jsonb, $6) RETURNING id`,
		conversationID, string(in.Channel), providerID, in.Body, string(raw), t.now).Scan(&inID)
	if err != nil {
		return fmt.Errorf("store inbound message: %w", err)
	}
	if reply.Silent {
		return nil
	}
	_, err = t.tx.Exec(t.ctx, `
		INSERT INTO messages (conversation_id, direction, channel, body, reply_to, created_at)
		VALUES ($1, 'out', $2, $3, $4, $5)`,
		conversationID, string(in.Channel), reply.Text, inID, t.now)
	if err != nil {
		return fmt.Errorf("store reply: %w", err)
	}
	return nil
}

func (t *turnTx) CreateRequest(r *bot.Request) error {
	answers, err := json.Marshal(r.Answers)
	if err != nil {
		return fmt.Errorf("encode answers: %w", err)
	}
	err = t.tx.QueryRow(t.ctx, `
		INSERT INTO requests (reference, conversation_id, status, type, language, channel, role, phone, contact_phone, zip, answers, submitted_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $12)
		ON CONFLICT (reference) DO NOTHING RETURNING id`,
		r.Reference, r.ConversationID, r.Status, string(r.Type), r.Language, string(r.Channel), string(r.Role),
		r.Phone, r.ContactPhone, r.ZIP, string(answers), r.SubmittedAt).Scan(&r.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return bot.ErrReferenceTaken
	}
	if err != nil {
		return fmt.Errorf("create request: %w", err)
	}
	return nil
}

func (t *turnTx) RecentRequests(phone string, limit int) ([]bot.Request, error) {
	rows, err := t.tx.Query(t.ctx, `SELECT `+requestColumns+` FROM requests
		WHERE phone = $1 OR contact_phone = $1 ORDER BY submitted_at DESC, id DESC LIMIT $2`, phone, limit)
	if err != nil {
		return nil, fmt.Errorf("recent requests: %w", err)
	}
	return pgx.CollectRows(rows, scanRequest)
}

func (t *turnTx) RequestByReference(ref string) (bot.Request, error) {
	rows, err := t.tx.Query(t.ctx, `SELECT `+requestColumns+` FROM requests WHERE reference = $1 FOR UPDATE`, ref)
	if err != nil {
		return bot.Request{}, fmt.Errorf("request: %w", err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanRequest)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, bot.ErrNotFound
	}
	return r, err
}

func (t *turnTx) SetRequestStatus(requestID int64, status, note, actor string) error {
	return setRequestStatus(t.ctx, t.tx, requestID, status, note, actor, t.now)
}

func (t *turnTx) ContactOffers() ([]bot.CallbackOffer, error) {
	return queryOffers(t.ctx, t.tx, `WHERE o.contact_phone = $1
		AND (o.status = 'awaiting' OR (o.status = 'declined' AND o.better_times = ''))
		ORDER BY o.id DESC FOR UPDATE OF o`, t.p.Phone)
}

func (t *turnTx) CancelOffers(requestID int64) error {
	_, err := t.tx.Exec(t.ctx, `UPDATE callback_offers SET status = 'cancelled', updated_at = $2
		WHERE request_id = $1 AND status = 'awaiting'`, requestID, t.now)
	if err != nil {
		return fmt.Errorf("cancel offers: %w", err)
	}
	_, err = t.tx.Exec(t.ctx, `UPDATE outbox SET status = 'cancelled', updated_at = $2
		WHERE status = 'queued' AND offer_id IN (SELECT id FROM callback_offers WHERE request_id = $1)`, requestID, t.now)
	if err != nil {
		return fmt.Errorf("cancel queued texts: %w", err)
	}
	return nil
}

func (t *turnTx) SaveOffer(o *bot.CallbackOffer) error { return saveOffer(t.ctx, t.tx, o) }

func (t *turnTx) Enqueue(m *bot.OutboxMessage) error { return enqueue(t.ctx, t.tx, m, t.now) }
