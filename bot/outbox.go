package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"infopass/flows"
)

// Sender sends texts through the SMS provider.
type Sender interface {
	// Send sends body to `to` and returns the provider's message id. API
	// errors are *SendError.
	Send(ctx context.Context, to, body string) (sid string, err error)
	// FindSent looks for a text with this body sent to `to` since `since`,
	// to learn whether a send whose outcome was lost went out.
	FindSent(ctx context.Context, to, body string, since time.Time) (sid string, found bool, err error)
}

// SendError is an error answer of the provider's API.
type SendError struct {
	Status int // HTTP status
	Code   int // provider error code, e.g. 21610
	// Message is the provider's explanation. It may quote the recipient's
	// number, so Error leaves it out: it is never logged or stored.
	Message string
}

func (e *SendError) Error() string {
	return fmt.Sprintf("provider answered %d (error %d)", e.Status, e.Code)
}

// Temporary reports whether trying again later may succeed.
func (e *SendError) Temporary() bool { return e.Status == 429 || e.Status >= 500 }

// CodeUnsubscribed is Twilio's error for a recipient who opted out with the
// carrier: the text is never retried and the number counts as opted out.
const CodeUnsubscribed = 21610

// Twilio's errors for a number that cannot take texts: not a mobile
// number (a landline), or one no carrier route reaches. The text is never
// retried, and a callback offer asks by phone instead.
const (
	CodeNotMobile   = 21614
	CodeUnreachable = 21612
)

// Caller places the outbound calls of the outbox (availability calls).
type Caller interface {
	// Call places the call m asks for and returns the provider's call id.
	// API errors are *SendError.
	Call(ctx context.Context, m OutboxMessage) (sid string, err error)
	// FindCall looks for a call to `to` placed since `since`, to learn
	// whether a call whose outcome was lost was placed.
	FindCall(ctx context.Context, to string, since time.Time) (sid string, found bool, err error)
}

// OutboxStore is what the outbox worker needs of storage.
type OutboxStore interface {
	// ClaimOutbox leases up to limit due rows of channel: queued ones whose
	// time has come, and ones whose earlier lease ran out (Reclaimed). Of
	// texts and calls, it takes none that would make those sent, or being
	// sent, across every worker exceed caps, and then says which cap held
	// due ones back; emails are not capped.
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int, channel string, caps OutboundCaps) (Claim, error)
	OutboxSent(ctx context.Context, id int64, sid string, now time.Time) error
	OutboxRetry(ctx context.Context, id int64, at time.Time, reason string, now time.Time) error
	// OutboxDefer puts a row back until at without counting the attempt: a
	// call outside calling hours.
	OutboxDefer(ctx context.Context, id int64, at time.Time, now time.Time) error
	// OutboxFailed gives up on a row; reason is one of the Reason values
	// for the offer it asked about. A text of an offer refused because the
	// number cannot take texts (ReasonUnsubscribed, ReasonNotMobile) turns
	// the offer into one asked by call, in the same transaction.
	OutboxFailed(ctx context.Context, id int64, code int, detail, reason string, now time.Time) error
	// MessageStatus records a delivery report of the provider.
	MessageStatus(ctx context.Context, sid, status string, code int, now time.Time) error
}

// OutboundCaps bound what the service sends on its own, across all numbers
// and every replica: at most Hourly texts in any hour and Daily in any 24
// hours. Texts past a cap wait in the queue; none is dropped.
type OutboundCaps struct {
	Hourly, Daily int
}

// Defaults of OutboundCaps: ten times more than a busy office's offers and
// reminders, and far less than an attacker pumping texts would cost.
const (
	DefaultOutboundHourlyCap = 300
	DefaultOutboundDailyCap  = 2000
)

// The caps, as Claim.HeldBy names them.
const (
	CapHourly = "hourly"
	CapDaily  = "daily"
)

// Claim is what ClaimOutbox took.
type Claim struct {
	Messages []OutboxMessage
	// HeldBy is the cap (CapHourly or CapDaily) that held back texts that
	// were due, or "" when none did.
	HeldBy string
}

// OutboxConfig tunes the worker; zero values take the defaults.
type OutboxConfig struct {
	Store OutboxStore
	// Channel is what the worker sends (ChannelSMS): texts with Sender,
	// emails with Mailer, calls with Caller. Run a worker for each.
	Channel     string
	Sender      Sender
	Mailer      Mailer
	Caller      Caller
	Now         func() time.Time
	Logger      *slog.Logger
	Lease       time.Duration // (1m) how long a claim lasts before another worker may take the row
	Poll        time.Duration // (1s) how often to look for due texts when not woken
	RetryBase   time.Duration // (2s) first retry delay, doubled each attempt
	RetryMax    time.Duration // (5m) longest retry delay
	MaxAttempts int           // (8) attempts before a text fails for good
	// DailyCap is how many texts one number may be sent in 24 hours
	// (DefaultDailyCap); a text beyond it is not sent.
	DailyCap int
	// Caps bound the texts sent across all numbers (the Default* caps).
	Caps OutboundCaps
	// Regions are where texts may go (flows.DefaultRegions when zero); a
	// text to a number of another region is not sent.
	Regions flows.Regions
	// OnResult, if set, is told what became of each attempt, once the
	// store has recorded it: the worker's channel and one of the Send*
	// results.
	OnResult func(channel, result string)
	// OnHeld, if set, is told after each claim the worker's channel and
	// which cap held its due rows back (CapHourly or CapDaily), or ""
	// when none did.
	OnHeld func(channel, heldBy string)
}

// What became of one attempt to send a queued text.
const (
	SendSent         = "sent"         // the provider took it
	SendRetry        = "retry"        // put back with a delay
	SendFailed       = "failed"       // given up: refused, or too many attempts
	SendUnsubscribed = "unsubscribed" // the recipient opted out with the carrier
	SendOptedOut     = "opted_out"    // not sent: the recipient sent STOP
	SendReconciled   = "reconciled"   // an interrupted earlier attempt had sent it
	SendCapped       = "capped"       // not sent: the number had its day's texts
	SendNotMobile    = "not_mobile"   // not sent: the number cannot take texts
	SendDeferred     = "deferred"     // a call put back until calling hours
	SendTooLate      = "too_late"     // a call given up: no calling hour left before its window
	SendRefused      = "refused"      // an email the mail server refused for good
	SendCancelled    = "cancelled"    // a call not placed: its offer was answered meanwhile
	SendRegion       = "region"       // not sent: the number is outside the allowed regions
)

// SendResults are the results each channel's worker reports.
var SendResults = map[string][]string{
	ChannelSMS:   {SendSent, SendRetry, SendFailed, SendUnsubscribed, SendOptedOut, SendReconciled, SendCapped, SendNotMobile, SendRegion},
	ChannelEmail: {SendSent, SendRetry, SendFailed, SendRefused, SendCapped},
	ChannelCall:  {SendSent, SendRetry, SendFailed, SendReconciled, SendCapped, SendRegion, SendDeferred, SendTooLate, SendCancelled},
}

// DefaultDailyCap is how many texts the service sends one number in 24
// hours unless configured: an offer, its reminder and a few more.
const DefaultDailyCap = 10

// OutboxCounter is what a store may offer to report the outbox's depth.
type OutboxCounter interface {
	// OutboxDepth counts the rows queued or being sent, by channel
	// (ChannelSMS, ChannelEmail, ChannelCall); a channel with none may be
	// missing.
	OutboxDepth(ctx context.Context) (map[string]int, error)
}

// Channels are the outbox's channels, in the order metrics list them.
var Channels = []string{ChannelSMS, ChannelEmail, ChannelCall}

// Outbox sends queued texts. Run it in one goroutine per process; any
// number of processes may run one against the same database.
type Outbox struct {
	cfg  OutboxConfig
	wake chan struct{}
	// lastHeldWarn is when the worker last logged that a cap held texts
	// back: it says so once a minute, not at every poll.
	lastHeldWarn time.Time
}

// NewOutbox returns a worker.
func NewOutbox(cfg OutboxConfig) *Outbox {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Lease == 0 {
		cfg.Lease = time.Minute
	}
	if cfg.Poll == 0 {
		cfg.Poll = time.Second
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase = 2 * time.Second
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = 5 * time.Minute
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.DailyCap == 0 {
		cfg.DailyCap = DefaultDailyCap
	}
	if cfg.Channel == "" {
		cfg.Channel = ChannelSMS
	}
	if cfg.Caps.Hourly == 0 {
		cfg.Caps.Hourly = DefaultOutboundHourlyCap
	}
	if cfg.Caps.Daily == 0 {
		cfg.Caps.Daily = DefaultOutboundDailyCap
	}
	if cfg.Regions.String() == "" {
		cfg.Regions = flows.MustParseRegions(flows.DefaultRegions)
	}
	return &Outbox{cfg: cfg, wake: make(chan struct{}, 1)}
}

// Wake makes the worker look for due texts now.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// claimBatch is how many texts a claim takes: one, so that its lease
// always outlasts its send (at most Lease/2) and no other worker reclaims
// a text while it is being sent.
const claimBatch = 1

// Run sends due texts until ctx ends. A text being sent when ctx ends is
// finished first.
func (o *Outbox) Run(ctx context.Context) {
	for {
		n, err := o.Once(ctx)
		if err != nil && ctx.Err() == nil {
			o.cfg.Logger.Error("outbox", "err", err)
		}
		if n == claimBatch && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-time.After(o.cfg.Poll):
		}
	}
}

// Once claims and sends one batch of due texts and returns how many it
// claimed.
func (o *Outbox) Once(ctx context.Context) (int, error) {
	if ctx.Err() != nil {
		return 0, nil
	}
	claim, err := o.cfg.Store.ClaimOutbox(ctx, o.cfg.Now(), o.cfg.Lease, claimBatch, o.cfg.Channel, o.cfg.Caps)
	if err != nil {
		return 0, err
	}
	o.held(claim.HeldBy)
	msgs := claim.Messages
	for _, m := range msgs {
		// A claimed text is finished even during shutdown, within its lease.
		sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.cfg.Lease/2)
		err := o.send(sendCtx, m)
		cancel()
		if err != nil {
			return len(msgs), fmt.Errorf("outbox %d: %w", m.ID, err)
		}
	}
	return len(msgs), nil
}

// held reports that a cap held due texts back (heldBy is not ""): to
// OnHeld after every claim, and in a warning once a minute.
func (o *Outbox) held(heldBy string) {
	if o.cfg.OnHeld != nil {
		o.cfg.OnHeld(o.cfg.Channel, heldBy)
	}
	if heldBy == "" {
		return
	}
	if now := o.cfg.Now(); now.Sub(o.lastHeldWarn) >= time.Minute {
		o.lastHeldWarn = now
		o.cfg.Logger.Warn("outbound texts held back: the cap of texts sent across all numbers is reached; they wait in the queue",
			"channel", o.cfg.Channel, "cap", heldBy, "hourly_cap", o.cfg.Caps.Hourly, "daily_cap", o.cfg.Caps.Daily)
	}
}

func (o *Outbox) send(ctx context.Context, m OutboxMessage) error {
	result, err := o.attempt(ctx, m)
	if err == nil && o.cfg.OnResult != nil {
		o.cfg.OnResult(o.cfg.Channel, result)
	}
	return err
}

// attempt sends m, or learns it need not, and records what became of it.
func (o *Outbox) attempt(ctx context.Context, m OutboxMessage) (result string, err error) {
	switch m.Channel {
	case ChannelEmail:
		return o.mail(ctx, m)
	case ChannelCall:
		return o.call(ctx, m)
	}
	log := o.cfg.Logger.With("outbox", m.ID, "kind", m.Kind, "to", MaskPhone(m.To), "attempt", m.Attempts)
	if m.OptedOut {
		log.Info("text not sent: recipient opted out")
		return SendOptedOut, o.cfg.Store.OutboxFailed(ctx, m.ID, 0, "recipient opted out", ReasonOptedOut, o.cfg.Now())
	}
	if !o.cfg.Regions.Allows(m.To) {
		log.Warn("text not sent: the number is outside the allowed regions")
		return SendRegion, o.cfg.Store.OutboxFailed(ctx, m.ID, 0, "outside the allowed regions", ReasonRegion, o.cfg.Now())
	}
	if m.SentToday >= o.cfg.DailyCap && !m.Reclaimed {
		log.Warn("text not sent: the number had its day's texts", "sent_today", m.SentToday)
		return SendCapped, o.cfg.Store.OutboxFailed(ctx, m.ID, 0, "daily cap reached", ReasonDailyCap, o.cfg.Now())
	}
	if m.Reclaimed {
		// An earlier claim may have sent it and died before recording so:
		// ask the provider before sending again.
		sid, found, err := o.cfg.Sender.FindSent(ctx, m.To, m.Body, m.ClaimedAt.Add(-time.Minute))
		if err != nil {
			log.Warn("cannot tell whether an interrupted text went out; will ask again", "err", err)
			return SendRetry, o.cfg.Store.OutboxRetry(ctx, m.ID, o.cfg.Now().Add(o.backoff(m.Attempts)), "reconcile: "+err.Error(), o.cfg.Now())
		}
		if found {
			log.Info("interrupted text had gone out", "sid", sid)
			return SendReconciled, o.cfg.Store.OutboxSent(ctx, m.ID, sid, o.cfg.Now())
		}
	}
	sid, err := o.cfg.Sender.Send(ctx, m.To, m.Body)
	if err == nil {
		log.Info("text sent", "sid", sid)
		return SendSent, o.cfg.Store.OutboxSent(ctx, m.ID, sid, o.cfg.Now())
	}
	var se *SendError
	switch {
	case errors.As(err, &se) && se.Code == CodeUnsubscribed:
		log.Info("recipient unsubscribed with the carrier")
		return SendUnsubscribed, o.cfg.Store.OutboxFailed(ctx, m.ID, se.Code, se.Error(), ReasonUnsubscribed, o.cfg.Now())
	case errors.As(err, &se) && (se.Code == CodeNotMobile || se.Code == CodeUnreachable):
		log.Info("the number cannot take texts", "code", se.Code)
		return SendNotMobile, o.cfg.Store.OutboxFailed(ctx, m.ID, se.Code, se.Error(), ReasonNotMobile, o.cfg.Now())
	case errors.As(err, &se) && !se.Temporary():
		log.Warn("text refused", "status", se.Status, "code", se.Code)
		return SendFailed, o.cfg.Store.OutboxFailed(ctx, m.ID, se.Code, se.Error(), ReasonSendFailed, o.cfg.Now())
	case m.Attempts >= o.cfg.MaxAttempts:
		log.Warn("text failed for good", "err", err)
		return SendFailed, o.cfg.Store.OutboxFailed(ctx, m.ID, 0, err.Error(), ReasonSendFailed, o.cfg.Now())
	}
	wait := o.backoff(m.Attempts)
	log.Info("text will be retried", "err", err, "in", wait)
	return SendRetry, o.cfg.Store.OutboxRetry(ctx, m.ID, o.cfg.Now().Add(wait), err.Error(), o.cfg.Now())
}

// backoff is the delay before attempt n+1: doubling from RetryBase, capped,
// with a fifth of jitter so that retries of many texts spread out.
func (o *Outbox) backoff(attempt int) time.Duration {
	d := o.cfg.RetryBase
	for i := 1; i < attempt && d < o.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, o.cfg.RetryMax)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}
