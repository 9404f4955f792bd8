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
	db       *DB
	ctx      context.Context
	tx       pgx.Tx
	now      time.Time
	p        bot.Participant
	phoneIdx string
}

func (t *turnTx) Participant() bot.Participant { return t.p }

func (t *turnTx) SaveParticipant(p bot.Participant) error {
	_, err := t.tx.Exec(t.ctx, `
		UPDATE participants SET language = $2,
			opted_out_at = CASE WHEN $3 THEN coalesce(opted_out_at, $4) END
		WHERE phone_idx = $1`, t.phoneIdx, p.Language, p.OptedOut, t.now)
	if err != nil {
		return fmt.Errorf("save participant: %w", err)
	}
	t.p = p
	return nil
}

func (t *turnTx) PriorReply(providerID string) (bot.Reply, bool, error) {
	var (
		id     int64
		sealed string
	)
	err := t.tx.QueryRow(t.ctx, `SELECT id, reply FROM messages WHERE direction = 'in' AND provider_id = $1`, providerID).Scan(&id, &sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return bot.Reply{}, false, nil
	}
	if err != nil {
		return bot.Reply{}, false, fmt.Errorf("find prior reply: %w", err)
	}
	raw, err := t.db.keys.Open(sealed, "messages", "reply", rowKey(id))
	if err != nil {
		return bot.Reply{}, false, err
	}
	var r bot.Reply
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r); err != nil {
			return bot.Reply{}, false, fmt.Errorf("decode prior reply: %w", err)
		}
	}
	return r, true, nil
}

// conversationState is the sealed part of a conversation.
type conversationState struct {
	Answers flows.Answers `json:"answers"`
	Pending string        `json:"pending,omitempty"`
}

const conversationColumns = `id, open, step, state, history, invalid_count, channel, version, created_at, updated_at`

func (db *DB) scanConversation(row pgx.Row, phone string) (*bot.Conversation, error) {
	var (
		c       bot.Conversation
		sealed  string
		history []string
	)
	err := row.Scan(&c.ID, &c.Open, &c.Step, &sealed, &history, &c.InvalidCount, &c.Channel, &c.Version, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return nil, err
	}
	raw, err := db.keys.Open(sealed, "conversations", "state", rowKey(c.ID))
	if err != nil {
		return nil, err
	}
	var st conversationState
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &st); err != nil {
			return nil, fmt.Errorf("conversation %d state: %w", c.ID, err)
		}
	}
	c.Phone, c.Answers, c.Pending = phone, st.Answers, st.Pending
	for _, s := range history {
		c.History = append(c.History, flows.Step(s))
	}
	return &c, nil
}

func (t *turnTx) OpenConversation() (*bot.Conversation, error) {
	c, err := t.db.scanConversation(t.tx.QueryRow(t.ctx,
		`SELECT `+conversationColumns+` FROM conversations WHERE phone_idx = $1 AND open FOR UPDATE`, t.phoneIdx), t.p.Phone)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load conversation: %w", err)
	}
	return c, nil
}

func (t *turnTx) SaveConversation(c *bot.Conversation) error {
	raw, err := json.Marshal(conversationState{Answers: c.Answers, Pending: c.Pending})
	if err != nil {
		return fmt.Errorf("encode conversation: %w", err)
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
		ids, err := nextIDs(t.ctx, t.tx, "conversations", 1)
		if err != nil {
			return err
		}
		c.ID = ids[0]
		_, err = t.tx.Exec(t.ctx, `
			INSERT INTO conversations (id, phone_idx, open, step, state, history, invalid_count, channel, version, created_at, updated_at, closed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			c.ID, t.phoneIdx, c.Open, string(c.Step), t.db.keys.Seal(raw, "conversations", "state", rowKey(c.ID)),
			history, c.InvalidCount, string(c.Channel), c.Version, c.CreatedAt, c.UpdatedAt, closedAt)
	} else {
		_, err = t.tx.Exec(t.ctx, `
			UPDATE conversations SET open = $2, step = $3, state = $4, history = $5, invalid_count = $6,
				channel = $7, version = $8, updated_at = $9, closed_at = $10
			WHERE id = $1`,
			c.ID, c.Open, string(c.Step), t.db.keys.Seal(raw, "conversations", "state", rowKey(c.ID)),
			history, c.InvalidCount, string(c.Channel), c.Version, c.UpdatedAt, closedAt)
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
	ids, err := nextIDs(t.ctx, t.tx, "messages", 2)
	if err != nil {
		return err
	}
	k := t.db.keys
	inID, outID := ids[0], ids[1]
	_, err = t.tx.Exec(t.ctx, `
		INSERT INTO messages (id, conversation_id, direction, channel, provider_id, body, reply, created_at)
		VALUES ($1, $2, 'in', $3, $4, $5, $6, $7)`,
		inID, conversationID, string(in.Channel), providerID,
		k.SealString(in.Body, "messages", "body", rowKey(inID)), k.Seal(raw, "messages", "reply", rowKey(inID)), t.now)
	if err != nil {
		return fmt.Errorf("store inbound message: %w", err)
	}
	if reply.Silent {
		return nil
	}
	_, err = t.tx.Exec(t.ctx, `
		INSERT INTO messages (id, conversation_id, direction, channel, body, reply_to, created_at)
		VALUES ($1, $2, 'out', $3, $4, $5, $6)`,
		outID, conversationID, string(in.Channel), k.SealString(reply.Text, "messages", "body", rowKey(outID)), inID, t.now)
	if err != nil {
		return fmt.Errorf("store reply: %w", err)
	}
	return nil
}

func (t *turnTx) CreateRequest(r *bot.Request) error { return t.db.createRequest(t.ctx, t.tx, r) }

func (t *turnTx) RecentRequests(phone string, limit int) ([]bot.Request, error) {
	idx := t.db.keys.Index("phone", phone)
	return t.db.queryRequests(t.ctx, t.tx, `WHERE phone_idx = $1 OR contact_idx = $1 ORDER BY submitted_at DESC, id DESC LIMIT $2`, idx, limit)
}

func (t *turnTx) RequestByReference(ref string) (bot.Request, error) {
	reqs, err := t.db.queryRequests(t.ctx, t.tx, `WHERE reference = $1 FOR UPDATE`, ref)
	if err != nil {
		return bot.Request{}, err
	}
	if len(reqs) == 0 {
		return bot.Request{}, bot.ErrNotFound
	}
	return reqs[0], nil
}

func (t *turnTx) SetRequestStatus(requestID int64, status, note, actor string) error {
	return t.db.setRequestStatus(t.ctx, t.tx, requestID, status, note, actor, t.now)
}

func (t *turnTx) ContactOffers() ([]bot.CallbackOffer, error) {
	return t.db.queryOffers(t.ctx, t.tx, `WHERE o.contact_idx = $1
		AND (o.status = 'awaiting' OR (o.status = 'declined' AND o.better_times = ''))
		ORDER BY o.id DESC FOR UPDATE OF o`, t.phoneIdx)
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

func (t *turnTx) SaveOffer(o *bot.CallbackOffer) error { return t.db.saveOffer(t.ctx, t.tx, o) }

func (t *turnTx) Enqueue(m *bot.OutboxMessage) error { return t.db.enqueue(t.ctx, t.tx, m, t.now) }
