package webhooks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"infopass/bot"
	"infopass/webhooks/lockout"
)

// Metrics counts what the service does, for GET /metrics in Prometheus's
// text format. Each server has its own registry. Labels only ever hold
// fixed words and route patterns, never a phone number or anything a
// person sent, because /metrics asks for no credentials.
//
// The methods of a nil *Metrics do nothing.
type Metrics struct {
	reg         *prometheus.Registry
	turns       *prometheus.CounterVec
	webhook     *prometheus.HistogramVec
	outboxSends *prometheus.CounterVec
	optOuts     *prometheus.CounterVec
	limited     *prometheus.CounterVec
	held        *prometheus.GaugeVec
	attested    *prometheus.CounterVec
	lockouts    *prometheus.CounterVec
}

// Outcomes of a turn, as infopass_turns_total counts them.
const (
	outcomeOK       = "ok"        // a reply for the person
	outcomeSilent   = "silent"    // nothing sent (opted out, STOP)
	outcomeHandoff  = "handoff"   // sent to a person at the Contact Center
	outcomeBadInput = "bad_input" // not a turn a person could make
	outcomeError    = "error"     // the turn failed; the person got an apology
)

// Why a request was refused before it reached the engine or the API, as
// infopass_limited_total counts them.
const (
	limitSenderRate = "sender_rate" // one number sent too much too fast
	limitRegion     = "region"      // a number outside ALLOWED_REGIONS
	limitStaffAuth  = "staff_auth"  // an address, an account or the server locked out after failed sign-ins or API tokens
)

// NewMetrics returns the metrics of one server, with the Go runtime's and
// the process's.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "infopass_turns_total",
			Help: "Turns people took, by channel and outcome.",
		}, []string{"channel", "outcome"}),
		webhook: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "infopass_webhook_duration_seconds",
			Help: "Time to answer a Twilio webhook, by route.",
			// Twilio gives up on a webhook after 15 seconds.
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15},
		}, []string{"route"}),
		outboxSends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "infopass_outbox_sends_total",
			Help: "Attempts to send a queued text, email or call, by channel and what became of them.",
		}, []string{"channel", "result"}),
		optOuts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "infopass_opt_outs_total",
			Help: "Numbers that opted out of texts, by the channel of the turn.",
		}, []string{"channel"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "infopass_limited_total",
			Help: "Requests refused by an abuse limit, by limit.",
		}, []string{"reason"}),
		held: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "infopass_outbound_held",
			Help: "1 while the cap of texts and calls sent across all numbers (hourly or daily) holds due rows of the channel back, at this replica's last claim; else 0.",
		}, []string{"channel", "cap"}),
		attested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "infopass_call_attestations_total",
			Help: "Incoming calls by the STIR/SHAKEN attestation of their caller ID (A: the carrier vouches the caller owns the number).",
		}, []string{"level"}),
	}
	m.lockouts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "infopass_staff_lockouts_total",
		Help: "Lock-outs after failed staff sign-ins or wrong API tokens, by scope (address, account, global).",
	}, []string{"scope"})
	for _, sc := range []string{lockout.ScopeAddress, lockout.ScopeAccount, lockout.ScopeGlobal} {
		m.lockouts.WithLabelValues(sc)
	}
	m.reg.MustRegister(m.turns, m.webhook, m.outboxSends, m.optOuts, m.limited, m.held, m.attested, m.lockouts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every series exists from the start, so that rates over a fresh
	// process are right and dashboards show zeros rather than gaps.
	for _, ch := range []bot.Channel{bot.SMS, bot.Voice} {
		for _, o := range []string{outcomeOK, outcomeSilent, outcomeHandoff, outcomeBadInput, outcomeError} {
			m.turns.WithLabelValues(string(ch), o)
		}
		m.optOuts.WithLabelValues(string(ch))
	}
	for channel, results := range bot.SendResults {
		for _, r := range results {
			m.outboxSends.WithLabelValues(channel, r)
		}
	}
	for _, r := range []string{limitSenderRate, limitRegion, limitStaffAuth} {
		m.limited.WithLabelValues(r)
	}
	for _, l := range attestationLevels() {
		m.attested.WithLabelValues(l)
	}
	for _, channel := range bot.Channels {
		m.OutboundHeld(channel, "")
	}
	return m
}

// call counts an incoming call by its caller ID's attestation level.
func (m *Metrics) call(level string) {
	if m == nil {
		return
	}
	m.attested.WithLabelValues(level).Inc()
}

// WatchOutboxDepth reports infopass_outbox_depth{channel}, the texts,
// emails and calls queued or being sent, by calling depth at each scrape.
// The store provides depth (see bot.OutboxCounter); with a nil depth there
// is no such gauge.
func (m *Metrics) WatchOutboxDepth(depth func(context.Context) (map[string]int, error)) error {
	if m == nil || depth == nil {
		return nil
	}
	return m.reg.Register(outboxDepth{
		desc:  prometheus.NewDesc("infopass_outbox_depth", "Texts, emails and calls queued or being sent, by channel.", []string{"channel"}, nil),
		depth: depth,
	})
}

// outboxDepth is a gauge read from the store at each scrape.
type outboxDepth struct {
	desc  *prometheus.Desc
	depth func(context.Context) (map[string]int, error)
}

func (o outboxDepth) Describe(ch chan<- *prometheus.Desc) { ch <- o.desc }

// Collect reads the depth. When the store cannot tell, the gauge is left
// out of the scrape (the error is logged) and every other metric served.
func (o outboxDepth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	depth, err := o.depth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(o.desc, fmt.Errorf("count outbox: %w", err))
		return
	}
	for _, channel := range bot.Channels {
		ch <- prometheus.MustNewConstMetric(o.desc, prometheus.GaugeValue, float64(depth[channel]), channel)
	}
}

// OutboxResult counts what became of an attempt to send a queued text,
// email or call (a bot.Send* result) on channel; it is the outbox
// worker's OnResult.
func (m *Metrics) OutboxResult(channel, result string) {
	if m == nil {
		return
	}
	m.outboxSends.WithLabelValues(channel, result).Inc()
}

// OutboundHeld records which cap held due rows back at the last claim of
// channel's outbox worker (bot.CapHourly or bot.CapDaily), or that none
// did (""); it is the workers' OnHeld. Each channel has its own series:
// the text and call workers claim in turn, and one that found nothing
// due must not clear what the other found.
func (m *Metrics) OutboundHeld(channel, heldBy string) {
	if m == nil {
		return
	}
	for _, c := range []string{bot.CapHourly, bot.CapDaily} {
		v := 0.0
		if c == heldBy {
			v = 1
		}
		m.held.WithLabelValues(channel, c).Set(v)
	}
}

// OptOut counts a number that opted out of texts in a turn on channel; it
// is the engine's OnOptOut.
func (m *Metrics) OptOut(channel bot.Channel) {
	if m == nil {
		return
	}
	m.optOuts.WithLabelValues(string(channel)).Inc()
}

// turn counts a turn by the outcome of engine.Handle.
func (m *Metrics) turn(channel bot.Channel, reply bot.Reply, err error) {
	if m == nil {
		return
	}
	outcome := outcomeOK
	switch {
	case errors.Is(err, bot.ErrBadInbound):
		outcome = outcomeBadInput
	case err != nil:
		outcome = outcomeError
	case reply.Silent:
		outcome = outcomeSilent
	case reply.Intent == bot.ConnectPerson:
		outcome = outcomeHandoff
	}
	m.turns.WithLabelValues(string(channel), outcome).Inc()
}

// limit counts a request refused by an abuse limit.
func (m *Metrics) limit(reason string) {
	if m == nil {
		return
	}
	m.limited.WithLabelValues(reason).Inc()
}

// lockout counts a lock-out of scope.
func (m *Metrics) lockout(scope string) {
	if m == nil {
		return
	}
	m.lockouts.WithLabelValues(scope).Inc()
}

// timeWebhook observes how long each webhook takes, labelled with its route
// pattern: the raw URL could carry anything.
func (m *Metrics) timeWebhook(c *gin.Context) {
	if m == nil {
		c.Next()
		return
	}
	start := time.Now()
	defer func() { // a handler that panicked took its time too
		m.webhook.WithLabelValues(c.FullPath()).Observe(time.Since(start).Seconds())
	}()
	c.Next()
}

// handler serves the registry. Scrapes are few and may read the database,
// so only a few run at once.
func (m *Metrics) handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:            slogPrintln{log},
		ErrorHandling:       promhttp.ContinueOnError,
		Registry:            m.reg,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
}

// slogPrintln lets promhttp log its errors through slog.
type slogPrintln struct{ log *slog.Logger }

func (l slogPrintln) Println(v ...any) { l.log.Error("metrics", "err", fmt.Sprint(v...)) }
