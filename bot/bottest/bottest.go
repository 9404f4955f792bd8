// Package bottest is an in-memory bot.Store for tests that need the engine
// but not PostgreSQL: the fuzz targets of the engine and of the webhooks.
// It keeps what the engine relies on from bot/postgres (one open
// conversation per number, unique provider ids and references, a turn that
// rolls back entirely when it fails) and copies every value in and out, so
// the engine cannot reach stored state except through the Tx. Replies are
// kept as JSON, as bot/postgres keeps them. Production code never imports
// it.
package bottest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"infopass/bot"
	"infopass/flows"
)

// Store is an in-memory bot.Store. The zero value is not usable; call
// NewStore. One mutex serializes turns, as the participant row lock does.
type Store struct {
	mu     sync.Mutex
	st     state
	writes int // committed writes, to tell that a turn changed nothing
}

var _ bot.Store = (*Store)(nil)

// Message is a stored message with the conversation it belongs to and, on
// inbound messages, the reply it got.
type Message struct {
	ID             int64
	ConversationID int64
	bot.Message
	Reply    bot.Reply    // inbound messages only
	Rendered bot.Rendered // inbound messages only: the document sent, as bot/postgres keeps it
}

// Event is a status change of a request.
type Event struct {
	RequestID int64
	bot.RequestEvent
}

type state struct {
	nextID        int64
	participants  map[string]bot.Participant
	conversations []bot.Conversation
	messages      []Message
	requests      []bot.Request
	events        []Event
	offers        []bot.CallbackOffer
	outbox        []bot.OutboxMessage
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{st: state{participants: map[string]bot.Participant{}}}
}

// Turn runs fn on a copy of the store and keeps the copy only when fn
// succeeds, as a rolled-back transaction keeps nothing.
// A party's conversations and participant are kept under its key: its
// number, or "call:" and the CallSid of an unattested call.
func (s *Store) Turn(ctx context.Context, party bot.Party, now time.Time, fn func(context.Context, bot.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	work := s.st.clone()
	phone := party.Key()
	p, ok := work.participants[phone]
	if !ok {
		p = bot.Participant{Phone: phone}
		work.participants[phone] = p
	}
	if party.Call != "" {
		p.Texted = work.participants[party.Phone].Texted
	}
	t := &tx{st: &work, phone: phone, party: party, now: now, p: p}
	if err := fn(ctx, t); err != nil {
		return err
	}
	s.st = work
	s.writes += t.writes
	return nil
}

// Ping answers at once.
func (s *Store) Ping(ctx context.Context) error { return ctx.Err() }

// DeleteIdle deletes the conversations idle since before cutoff that filed
// no request, with their messages, as bot/postgres does.
func (s *Store) DeleteIdle(ctx context.Context, cutoff time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	filed := map[int64]bool{}
	for _, r := range s.st.requests {
		filed[r.ConversationID] = true
	}
	var n int64
	kept := s.st.conversations[:0]
	for _, c := range s.st.conversations {
		if c.UpdatedAt.Before(cutoff) && !filed[c.ID] {
			s.st.deleteMessages(c.ID)
			n++
			continue
		}
		kept = append(kept, c)
	}
	s.st.conversations = kept
	if n > 0 {
		s.writes++
	}
	return n, nil
}

// Writes counts the writes of the turns committed so far.
func (s *Store) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// Participant returns what is stored of phone; found is false before its
// first turn.
func (s *Store) Participant(phone string) (p bot.Participant, found bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, found = s.st.participants[phone]
	return p, found
}

// OpenConversation returns a copy of phone's open conversation, or nil.
func (s *Store) OpenConversation(phone string) *bot.Conversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.st.openIndex(phone); i >= 0 {
		c := cloneConversation(s.st.conversations[i])
		return &c
	}
	return nil
}

// Conversations returns copies of every stored conversation, open or not,
// oldest first.
func (s *Store) Conversations() []bot.Conversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]bot.Conversation, len(s.st.conversations))
	for i, c := range s.st.conversations {
		out[i] = cloneConversation(c)
	}
	return out
}

// Messages returns copies of every stored message, oldest first.
func (s *Store) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.st.messages))
	for i, m := range s.st.messages {
		out[i] = m
		out[i].Reply = cloneReply(m.Reply)
	}
	return out
}

// Inbound returns the stored inbound message with this provider id and
// the reply it got.
func (s *Store) Inbound(providerID string) (m Message, found bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.st.messages {
		if m.Direction == "in" && m.ProviderID == providerID {
			m.Reply = cloneReply(m.Reply)
			return m, true
		}
	}
	return Message{}, false
}

// Requests returns copies of every filed request, oldest first.
func (s *Store) Requests() []bot.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]bot.Request, len(s.st.requests))
	for i, r := range s.st.requests {
		out[i] = cloneRequest(r)
	}
	return out
}

// Events returns the status changes of requests, oldest first.
func (s *Store) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.st.events...)
}

// Offers returns copies of every callback offer, oldest first.
func (s *Store) Offers() []bot.CallbackOffer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]bot.CallbackOffer, len(s.st.offers))
	for i, o := range s.st.offers {
		out[i] = cloneOffer(o)
	}
	return out
}

// Outbox returns copies of every queued text, oldest first.
func (s *Store) Outbox() []bot.OutboxMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.OutboxMessage(nil), s.st.outbox...)
}

// AddOffer stores a callback offer as staff would make it and returns its
// id. Reference and Language are taken from its request.
func (s *Store) AddOffer(o bot.CallbackOffer) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.st.saveOffer(&o); err != nil {
		return 0, err
	}
	s.writes++
	return o.ID, nil
}

// tx is one turn's work on a copy of the store.
type tx struct {
	st     *state
	phone  string // the party's key
	party  bot.Party
	now    time.Time
	p      bot.Participant
	writes int
}

var _ bot.Tx = (*tx)(nil)

func (t *tx) Participant(context.Context) bot.Participant { return t.p }

func (t *tx) SaveParticipant(_ context.Context, p bot.Participant) error {
	stored := p
	stored.Phone = t.phone
	t.st.participants[t.phone] = stored
	t.p = p
	t.writes++
	return nil
}

func (t *tx) PriorReply(_ context.Context, providerID string) (bot.Reply, bot.Rendered, bool, error) {
	for _, m := range t.st.messages {
		if m.Direction == "in" && m.ProviderID == providerID {
			return cloneReply(m.Reply), m.Rendered, true, nil
		}
	}
	return bot.Reply{}, bot.Rendered{}, false, nil
}

func (t *tx) OpenConversation(_ context.Context) (*bot.Conversation, error) {
	i := t.st.openIndex(t.phone)
	if i < 0 {
		return nil, nil
	}
	c := cloneConversation(t.st.conversations[i])
	return &c, nil
}

func (t *tx) SaveConversation(_ context.Context, c *bot.Conversation) error {
	stored := cloneConversation(*c)
	stored.Phone = t.phone
	if c.ID == 0 {
		if c.Open && t.st.openIndex(t.phone) >= 0 {
			return fmt.Errorf("save conversation: %s has an open conversation already", bot.MaskPhone(t.phone))
		}
		t.st.nextID++
		c.ID = t.st.nextID
		stored.ID = c.ID
		t.st.conversations = append(t.st.conversations, stored)
		t.writes++
		return nil
	}
	i := t.st.conversationIndex(c.ID)
	if i < 0 {
		return fmt.Errorf("save conversation %d: %w", c.ID, bot.ErrNotFound)
	}
	old := t.st.conversations[i]
	if old.Phone != t.phone && (t.party.Call == "" || old.Phone != t.party.Phone) {
		return fmt.Errorf("save conversation %d: it is another number's", c.ID)
	}
	stored.Phone = old.Phone // an update leaves the conversation where it is (adopted or not)
	if c.Open && !old.Open {
		if j := t.st.openIndex(t.phone); j >= 0 && j != i {
			return fmt.Errorf("save conversation %d: %s has an open conversation already", c.ID, bot.MaskPhone(t.phone))
		}
	}
	// Columns an UPDATE leaves alone.
	stored.CreatedAt = old.CreatedAt
	t.st.conversations[i] = stored
	t.writes++
	return nil
}

func (t *tx) AdoptConversation(_ context.Context, c *bot.Conversation) (bool, error) {
	if t.party.Call == "" || c.ID == 0 || t.st.openIndex(t.party.Phone) >= 0 {
		return false, nil
	}
	i := t.st.conversationIndex(c.ID)
	if i < 0 {
		return false, nil
	}
	t.st.conversations[i].Phone = t.party.Phone
	t.writes++
	return true, nil
}

func (t *tx) DeleteConversation(_ context.Context, c *bot.Conversation) error {
	i := t.st.conversationIndex(c.ID)
	if i < 0 {
		return nil // DELETE of no row
	}
	t.st.conversations = append(t.st.conversations[:i], t.st.conversations[i+1:]...)
	t.st.deleteMessages(c.ID)
	for j := range t.st.requests {
		if t.st.requests[j].ConversationID == c.ID {
			t.st.requests[j].ConversationID = 0 // ON DELETE SET NULL
		}
	}
	t.writes++
	return nil
}

func (t *tx) AddTurn(_ context.Context, conversationID int64, in bot.Message, reply bot.Reply, sent bot.Rendered) error {
	if t.st.conversationIndex(conversationID) < 0 {
		return fmt.Errorf("store inbound message: conversation %d: %w", conversationID, bot.ErrNotFound)
	}
	if in.ProviderID != "" {
		for _, m := range t.st.messages {
			if m.Direction == "in" && m.ProviderID == in.ProviderID {
				return fmt.Errorf("store inbound message: provider id %s is taken", in.ProviderID)
			}
		}
	}
	in.Direction = "in"
	t.st.nextID++
	t.st.messages = append(t.st.messages, Message{ID: t.st.nextID, ConversationID: conversationID, Message: in, Reply: cloneReply(reply), Rendered: bot.Rendered{Document: sent.Document}})
	if sent.Transcript != "" {
		t.st.nextID++
		out := bot.Message{Direction: "out", Channel: in.Channel, Body: sent.Transcript}
		t.st.messages = append(t.st.messages, Message{ID: t.st.nextID, ConversationID: conversationID, Message: out})
	}
	t.writes++
	return nil
}

func (t *tx) CreateRequest(_ context.Context, r *bot.Request) error {
	for _, o := range t.st.requests {
		if o.Reference == r.Reference {
			return bot.ErrReferenceTaken
		}
	}
	if r.ConversationID != 0 && t.st.conversationIndex(r.ConversationID) < 0 {
		return fmt.Errorf("create request: conversation %d: %w", r.ConversationID, bot.ErrNotFound)
	}
	t.st.nextID++
	r.ID = t.st.nextID
	t.st.requests = append(t.st.requests, cloneRequest(*r))
	t.writes++
	return nil
}

func (t *tx) RecentRequests(_ context.Context, phone string, limit int) ([]bot.Request, error) {
	var out []bot.Request
	for _, r := range t.st.requests {
		if r.Phone == phone || r.ContactPhone == phone {
			out = append(out, cloneRequest(r))
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].SubmittedAt.Equal(out[j].SubmittedAt) {
			return out[i].SubmittedAt.After(out[j].SubmittedAt)
		}
		return out[i].ID > out[j].ID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (t *tx) RequestsByKeys(_ context.Context, keys string) ([]bot.Request, error) {
	var out []bot.Request
	for _, r := range t.st.requests {
		if bot.ReferenceKeys(r.Reference) == keys {
			out = append(out, cloneRequest(r))
		}
	}
	return out, nil
}

func (t *tx) RequestByReference(_ context.Context, ref string) (bot.Request, error) {
	for _, r := range t.st.requests {
		if r.Reference == ref {
			return cloneRequest(r), nil
		}
	}
	return bot.Request{}, bot.ErrNotFound
}

func (t *tx) SetRequestStatus(_ context.Context, requestID int64, status, note, actor string) error {
	switch status {
	case bot.StatusSubmitted, bot.StatusScheduled, bot.StatusCompleted, bot.StatusClosed:
	default:
		return fmt.Errorf("set request status: %q is no status", status)
	}
	i := t.st.requestIndex(requestID)
	if i < 0 {
		return fmt.Errorf("set request status %d: %w", requestID, bot.ErrNotFound)
	}
	t.st.requests[i].Status = status
	t.st.events = append(t.st.events, Event{RequestID: requestID, RequestEvent: bot.RequestEvent{Status: status, Note: note, Actor: actor, At: t.now}})
	t.writes++
	return nil
}

func (t *tx) ContactOffers(_ context.Context) ([]bot.CallbackOffer, error) {
	var out []bot.CallbackOffer
	for i := len(t.st.offers) - 1; i >= 0; i-- {
		o := t.st.offers[i]
		if o.ContactPhone == t.phone && (o.Status == bot.OfferAwaiting || o.Status == bot.OfferDeclined && o.BetterTimes == "" ||
			o.Status == bot.OfferExpired && o.AnsweredAt == nil) {
			out = append(out, cloneOffer(o))
		}
	}
	return out, nil
}

func (t *tx) CancelOffers(_ context.Context, requestID int64) error {
	cancelled := map[int64]bool{}
	for i, o := range t.st.offers {
		if o.RequestID == requestID {
			cancelled[o.ID] = true
			if o.Status == bot.OfferAwaiting {
				t.st.offers[i].Status, t.st.offers[i].UpdatedAt = bot.OfferCancelled, t.now
			}
		}
	}
	for i, m := range t.st.outbox {
		if m.Status == bot.MsgQueued && cancelled[m.OfferID] {
			t.st.outbox[i].Status = bot.MsgCancelled
		}
	}
	t.writes++
	return nil
}

func (t *tx) SaveOffer(_ context.Context, o *bot.CallbackOffer) error {
	if err := t.st.saveOffer(o); err != nil {
		return err
	}
	t.writes++
	return nil
}

func (t *tx) Enqueue(_ context.Context, m *bot.OutboxMessage) error {
	if m.Status == "" {
		m.Status = bot.MsgQueued
	}
	if m.OfferID != 0 && t.st.offerIndex(m.OfferID) < 0 {
		return fmt.Errorf("enqueue: offer %d: %w", m.OfferID, bot.ErrNotFound)
	}
	t.st.nextID++
	m.ID = t.st.nextID
	t.st.outbox = append(t.st.outbox, *m)
	t.writes++
	return nil
}

func (st *state) saveOffer(o *bot.CallbackOffer) error {
	if o.ID == 0 {
		ri := st.requestIndex(o.RequestID)
		if ri < 0 {
			return fmt.Errorf("save callback offer: request %d: %w", o.RequestID, bot.ErrNotFound)
		}
		st.nextID++
		o.ID = st.nextID
		// The request's columns, as the JOIN of bot/postgres gives them.
		o.Reference, o.Language = st.requests[ri].Reference, st.requests[ri].Language
		st.offers = append(st.offers, cloneOffer(*o))
		return nil
	}
	i := st.offerIndex(o.ID)
	if i < 0 {
		return fmt.Errorf("save callback offer %d: %w", o.ID, bot.ErrNotFound)
	}
	// Only the columns an UPDATE of bot/postgres sets.
	cur := &st.offers[i]
	cur.Status, cur.NotSentReason, cur.MessageStatus, cur.BetterTimes = o.Status, o.NotSentReason, o.MessageStatus, o.BetterTimes
	cur.AnsweredAt, cur.UpdatedAt = clonePtr(o.AnsweredAt), o.UpdatedAt
	return nil
}

func (st *state) openIndex(phone string) int {
	for i, c := range st.conversations {
		if c.Open && c.Phone == phone {
			return i
		}
	}
	return -1
}

func (st *state) conversationIndex(id int64) int {
	for i, c := range st.conversations {
		if c.ID == id {
			return i
		}
	}
	return -1
}

func (st *state) requestIndex(id int64) int {
	for i, r := range st.requests {
		if r.ID == id {
			return i
		}
	}
	return -1
}

func (st *state) offerIndex(id int64) int {
	for i, o := range st.offers {
		if o.ID == id {
			return i
		}
	}
	return -1
}

func (st *state) deleteMessages(conversationID int64) {
	kept := st.messages[:0]
	for _, m := range st.messages {
		if m.ConversationID != conversationID {
			kept = append(kept, m)
		}
	}
	st.messages = kept
}

// clone copies the whole state, so that a failed turn leaves none of its
// writes behind.
func (st state) clone() state {
	c := state{nextID: st.nextID, participants: make(map[string]bot.Participant, len(st.participants))}
	for k, v := range st.participants {
		c.participants[k] = v
	}
	c.conversations = make([]bot.Conversation, len(st.conversations))
	for i, v := range st.conversations {
		c.conversations[i] = cloneConversation(v)
	}
	// Stored messages are never changed in place, only appended or
	// dropped, so their replies may be shared between copies.
	c.messages = append([]Message(nil), st.messages...)
	c.requests = make([]bot.Request, len(st.requests))
	for i, v := range st.requests {
		c.requests[i] = cloneRequest(v)
	}
	c.events = append([]Event(nil), st.events...)
	c.offers = make([]bot.CallbackOffer, len(st.offers))
	for i, v := range st.offers {
		c.offers[i] = cloneOffer(v)
	}
	c.outbox = append([]bot.OutboxMessage(nil), st.outbox...)
	return c
}

func cloneConversation(c bot.Conversation) bot.Conversation {
	c.Answers = c.Answers.Clone()
	c.History = append([]flows.Step(nil), c.History...)
	return c
}

func cloneRequest(r bot.Request) bot.Request {
	r.Answers = r.Answers.Clone()
	return r
}

func cloneOffer(o bot.CallbackOffer) bot.CallbackOffer {
	o.AnsweredAt = clonePtr(o.AnsweredAt)
	return o
}

func clonePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := *t
	return &v
}

// cloneReply copies a reply the way bot/postgres keeps it: as JSON.
func cloneReply(r bot.Reply) bot.Reply {
	raw, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("bottest: encode reply: %v", err))
	}
	var out bot.Reply
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(fmt.Sprintf("bottest: decode reply: %v", err))
	}
	return out
}

// Renderer renders replies as plain text, for tests of the engine that
// need no channel: the transcript is the reply's messages in its language
// (the answer about a callback offer first), and the document the same
// text. Package webhooks has the renderers of texts and calls.
type Renderer struct{ Engine *bot.Engine }

// Render renders r as text.
func (x Renderer) Render(r bot.Reply) (bot.Rendered, error) {
	if r.Silent {
		return bot.Rendered{Document: []byte{}}, nil
	}
	text := x.Engine.Text(r.Language, append(append([]flows.Msg(nil), r.Say...), r.Then...))
	if len(r.Lead) > 0 {
		text = strings.TrimSpace(x.Engine.Text(r.LeadLanguage, r.Lead) + "\n" + text)
	}
	return bot.Rendered{Document: []byte(text), Transcript: text}, nil
}
