package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"infopass/flows"
)

// Config is what an Engine needs. Zero durations and counts take the
// defaults in parentheses.
type Config struct {
	Store         Store
	Catalog       *Catalog
	Now           func() time.Time
	Zone          *time.Location // where "today" is counted (America/New_York)
	ContactCenter string         // E.164 number of the USCIS Contact Center
	ADITLeadDays  int            // (30) how early an ADIT stamp may be asked for
	// KeypadOnly, if set, reports the languages whose callers can only use
	// the keypad (no speech recognition): they leave what a keypad cannot
	// give (a name, a country) for text, and key a receipt number's
	// letters.
	KeypadOnly func(lang string) bool
	// Regions are where the service calls and texts (flows.DefaultRegions):
	// a phone answer outside them is refused.
	Regions    flows.Regions
	IdleResume time.Duration // (24h) idle time after which the bot asks "continue or restart?"
	IdleExpire time.Duration // (30 days) idle time after which partial answers are deleted
	Logger     *slog.Logger
	// Wake, if set, is called after a turn queued a text (the outbox worker).
	Wake func()
	// OnOptOut, if set, is called after a turn that opted its number out of
	// texts (STOP, or a free-text opt-out) was committed.
	OnOptOut func(channel Channel)
}

// Engine runs turns. It is safe for concurrent use. It keeps no state of a
// conversation between turns; it only remembers, in memory, each recent
// number's language, to apologize in it when the database cannot be
// reached.
type Engine struct {
	cfg       Config
	log       *slog.Logger
	machines  *machines
	mu        sync.Mutex
	languages map[string]string // party → language of its last reply
}

// maxRemembered bounds the languages remembered for apologies.
const maxRemembered = 100_000

// IdleResume is how long a conversation may rest before the bot asks
// "continue or start over?"; IdleExpire is how long before its partial
// answers are deleted.
const (
	IdleResume = 24 * time.Hour
	IdleExpire = 30 * 24 * time.Hour
)

// ErrBadInbound means the turn itself is malformed (not the person's
// answer, which gets a localized reply).
var ErrBadInbound = errors.New("bad inbound turn")

// MaxTextLength bounds an answer: ten SMS segments of UCS-2, or a long
// speech result, fit well within it. A longer text gets a polite "too long".
const MaxTextLength = 1600

// maxTextBytes is past anything a phone sends: such a turn is refused.
const maxTextBytes = 16 << 10

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// NewEngine returns an Engine for cfg.
func NewEngine(cfg Config) *Engine {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.ADITLeadDays == 0 {
		cfg.ADITLeadDays = 30
	}
	if cfg.Regions.IsZero() {
		cfg.Regions = flows.MustParseRegions(flows.DefaultRegions)
	}
	if cfg.IdleResume == 0 {
		cfg.IdleResume = IdleResume
	}
	if cfg.IdleExpire == 0 {
		cfg.IdleExpire = IdleExpire
	}
	if cfg.ContactCenter == "" {
		cfg.ContactCenter = "+18003755283"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Engine{cfg: cfg, log: cfg.Logger, machines: newMachines(), languages: map[string]string{}}
}

// Handle runs one inbound turn and returns its reply, rendered by r inside
// the turn's transaction: what is stored of the turn (its transcript, and
// the document a repeated delivery gets again) is exactly what is sent.
func (e *Engine) Handle(ctx context.Context, in Inbound, r Renderer) (Reply, Rendered, error) {
	if !e164.MatchString(in.From) {
		return Reply{}, Rendered{}, fmt.Errorf("%w: sender is not an E.164 number", ErrBadInbound)
	}
	if !utf8.ValidString(in.Text) || len(in.Text) > maxTextBytes {
		return Reply{}, Rendered{}, fmt.Errorf("%w: text is not valid UTF-8 or far too long", ErrBadInbound)
	}
	if len(in.Keys) > 64 || strings.Trim(in.Keys, "0123456789*#") != "" {
		return Reply{}, Rendered{}, fmt.Errorf("%w: keys are not keypad digits", ErrBadInbound)
	}
	if in.Channel != SMS && in.Channel != Voice {
		return Reply{}, Rendered{}, fmt.Errorf("%w: unknown channel %q", ErrBadInbound, in.Channel)
	}
	if in.Channel == Voice && !in.Attested && in.Call == "" {
		return Reply{}, Rendered{}, fmt.Errorf("%w: an unattested call's turn names no call", ErrBadInbound)
	}
	now := e.cfg.Now()
	var (
		reply    Reply
		out      Rendered
		queued   bool
		optedOut bool
	)
	err := e.cfg.Store.Turn(ctx, in.party(), now, func(ctx context.Context, store Tx) error {
		tx := &optOutWatch{Tx: store}
		if in.ProviderID != "" {
			prior, sent, found, err := tx.PriorReply(ctx, in.ProviderID)
			if err != nil {
				return err
			}
			if found {
				reply, out = prior, sent
				reply.Repeated = true
				e.log.InfoContext(ctx, "duplicate delivery", "provider_id", in.ProviderID)
				return nil
			}
		}
		t := &turn{e: e, tx: tx, in: in, now: now, render: r}
		var err error
		reply, out, err = t.run(ctx)
		queued, optedOut = t.queued, tx.optedOut
		return err
	})
	if err == nil && queued && e.cfg.Wake != nil {
		e.cfg.Wake()
	}
	if err == nil && optedOut && e.cfg.OnOptOut != nil {
		e.cfg.OnOptOut(in.Channel)
	}
	if err != nil {
		return Reply{}, Rendered{}, fmt.Errorf("turn from %s: %w", MaskPhone(in.From), err)
	}
	if reply.Language != "" {
		e.remember(in.party().Key(), reply.Language)
	}
	return reply, out, nil
}

func (e *Engine) remember(party, lang string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.languages) >= maxRemembered {
		clear(e.languages) // rare; an apology in English is no harm
	}
	e.languages[party] = lang
}

// LanguageOf is the language in's party (its number, or its unattested
// call) last got a reply in, or English: to apologize in it when a turn
// cannot be saved.
func (e *Engine) LanguageOf(in Inbound) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if lang, ok := e.languages[in.party().Key()]; ok {
		return lang
	}
	return DefaultLanguage
}

// optOutWatch notices a turn saving its participant opted out who was not.
type optOutWatch struct {
	Tx
	optedOut bool
}

func (w *optOutWatch) SaveParticipant(ctx context.Context, p Participant) error {
	if p.OptedOut && !w.Tx.Participant(ctx).OptedOut {
		w.optedOut = true
	}
	return w.Tx.SaveParticipant(ctx, p)
}

// Catalog is the engine's locale catalog.
func (e *Engine) Catalog() *Catalog { return e.cfg.Catalog }

// ContactCenter is the E.164 number of the USCIS Contact Center.
func (e *Engine) ContactCenter() string { return e.cfg.ContactCenter }

// Text localizes msgs in lang as text, a line each, giving every message
// the Contact Center number as .Center.
func (e *Engine) Text(lang string, msgs []flows.Msg) string {
	center := e.ContactCenterDisplay()
	withCenter := make([]flows.Msg, len(msgs))
	for i, m := range msgs {
		args := make(map[string]any, len(m.Args)+1)
		for k, v := range m.Args {
			args[k] = v
		}
		args["Center"] = center
		withCenter[i] = flows.Msg{ID: m.ID, Args: args}
	}
	return e.cfg.Catalog.Join(lang, withCenter)
}

// MaskPhone keeps the last four digits of a number, for logs.
func MaskPhone(p string) string {
	if len(p) <= 4 {
		return "****"
	}
	return "***" + p[len(p)-4:]
}

// today is the service's current date.
func (e *Engine) today(now time.Time) flows.Date { return flows.DateOf(now.In(e.cfg.Zone)) }

// ContactCenterDisplay writes the Contact Center number as people dial it:
// 1-800-375-5283.
func (e *Engine) ContactCenterDisplay() string {
	n := e.cfg.ContactCenter
	if len(n) == 12 && n[:2] == "+1" {
		return "1-" + n[2:5] + "-" + n[5:8] + "-" + n[8:]
	}
	return flows.PhoneDisplay(n)
}
