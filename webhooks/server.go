package webhooks

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/twilio/twilio-go/client"
	"golang.org/x/time/rate"

	"infopass/bot"
	"infopass/flows"
	"infopass/webhooks/console"
	"infopass/webhooks/lockout"
)

// Config is what the HTTP server needs.
type Config struct {
	Engine    *bot.Engine
	PublicURL string // the base URL Twilio calls; signatures are checked against it
	AuthToken string // Twilio auth token
	// Ready reports whether the service can take turns (the database answers).
	Ready func(ctx context.Context) error
	// Staff serves the staff API and console; Officers signs officers in
	// and API clients' tokens. Without both, the API refuses every call
	// and there is no console.
	Staff    *bot.Staff
	Officers *bot.Officers
	// Calls answers the availability calls' webhooks; without it they get
	// 400.
	Calls *bot.Calls
	// OIDC, if set, signs officers in through the agency's identity
	// provider.
	OIDC *console.OIDCConfig
	// Lockout limits wrong API tokens and failed sign-ins
	// (lockout.DefaultLimits when zero).
	Lockout lockout.Limits
	// Deliveries records the delivery reports of sent texts.
	Deliveries interface {
		MessageStatus(ctx context.Context, sid, status string, code int, now time.Time) error
	}
	Zone   *time.Location // where staff dates without a time are read
	Now    func() time.Time
	Logger *slog.Logger
	// Metrics, if set, counts turns and times webhooks, and is served at
	// /metrics; nil: no such route.
	Metrics *Metrics
	// SenderRate is how many turns a second one number may take, sustained
	// (DefaultSenderRate; rate.Inf: no limit), SenderBurst how many at once
	// (DefaultSenderBurst).
	SenderRate  rate.Limit
	SenderBurst int
	// AllowedRegions are the regions whose numbers the bot answers
	// (flows.DefaultRegions when zero).
	AllowedRegions flows.Regions
	// TrustedProxies are the addresses or CIDR ranges of the reverse
	// proxies in front: only from them is X-Forwarded-For read, for the
	// client address the per-address limits count by. None: the peer's
	// address counts.
	TrustedProxies []string
}

// Server handles the HTTP routes.
type Server struct {
	cfg       Config
	validator client.RequestValidator
	log       *slog.Logger

	senders *senderLimits
	lockout *lockout.Lockout
}

// CheckProxies reports the first of proxies that is neither an IP address
// nor a CIDR range.
func CheckProxies(proxies []string) error {
	for _, p := range proxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return fmt.Errorf("%q is not an IP address or CIDR range (like 10.0.0.5 or 10.0.0.0/24)", p)
		}
	}
	return nil
}

// MaxFormBytes bounds a webhook's form body.
const MaxFormBytes = 64 << 10

// New returns the HTTP handler of every route.
func New(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.SenderRate == 0 {
		cfg.SenderRate = DefaultSenderRate
	}
	if cfg.SenderBurst == 0 {
		cfg.SenderBurst = DefaultSenderBurst
	}
	if cfg.AllowedRegions.String() == "" {
		cfg.AllowedRegions = flows.MustParseRegions(flows.DefaultRegions)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	s := &Server{
		cfg: cfg, validator: client.NewRequestValidator(cfg.AuthToken), log: cfg.Logger,
		senders: newSenderLimits(cfg.SenderRate, cfg.SenderBurst, cfg.AllowedRegions),
	}
	limits := cfg.Lockout
	if limits == (lockout.Limits{}) {
		limits = lockout.DefaultLimits
	}
	s.lockout = lockout.New(limits, func(scope, key string) {
		attrs := []any{"scope", scope}
		if scope == lockout.ScopeAddress {
			attrs = append(attrs, "ip", key) // an account's id is not for logs
		}
		s.log.Warn("staff sign-ins or API tokens locked out after failures", attrs...)
		s.cfg.Metrics.lockout(scope)
	})
	// gin's debug mode prints every route at start, and would print
	// request details in its own words.
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// Signatures are checked against PublicURL, whatever a proxy says of
	// the host or scheme. The client's address (for the per-address limits
	// of failed sign-ins and API tokens) comes from X-Forwarded-For only
	// when the peer is a trusted proxy; an address CheckProxies refused
	// trusts nobody.
	if r.SetTrustedProxies(cfg.TrustedProxies) != nil {
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(s.recoverer, s.accessLog)
	s.routes(r)
	return r
}

// accessLog logs each request's route, status and latency; never its form,
// which holds personal data.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	s.log.InfoContext(c.Request.Context(), "http", "method", c.Request.Method, "route", c.FullPath(),
		"status", c.Writer.Status(), "ms", time.Since(start).Milliseconds())
}

func (s *Server) recoverer(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			s.log.ErrorContext(c.Request.Context(), "panic", "route", c.FullPath(), "panic", v)
			c.AbortWithStatus(http.StatusInternalServerError)
		}
	}()
	c.Next()
}

// turnDeadline bounds a turn, so that Twilio (which waits 15 seconds) gets
// an answer within 5 even when the database is slow or down.
const turnDeadline = 4500 * time.Millisecond

// handle runs a turn within turnDeadline, rendered by r.
func (s *Server) handle(ctx context.Context, in bot.Inbound, r bot.Renderer) (bot.Reply, bot.Rendered, error) {
	ctx, cancel := context.WithTimeout(ctx, turnDeadline)
	defer cancel()
	return s.cfg.Engine.Handle(ctx, in, r)
}

func (s *Server) handleHealthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (s *Server) handleReadyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Ready(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "database": "unreachable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "database": "ok"})
}
