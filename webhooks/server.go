package webhooks

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/twilio/twilio-go/client"

	"infopass/bot"
)

// Config is what the HTTP server needs.
type Config struct {
	Engine    *bot.Engine
	PublicURL string // the base URL Twilio calls; signatures are checked against it
	AuthToken string // Twilio auth token
	// Ready reports whether the service can take turns (the database answers).
	Ready func(ctx context.Context) error
	// Staff serves the staff API; StaffToken is its bearer token (the API
	// refuses every request while it is empty).
	Staff      *bot.Staff
	StaffToken string
	// Deliveries records the delivery reports of sent texts.
	Deliveries interface {
		MessageStatus(ctx context.Context, sid, status string, code int, now time.Time) error
	}
	Zone   *time.Location // where staff dates without a time are read
	Now    func() time.Time
	Logger *slog.Logger
}

// Server handles the HTTP routes.
type Server struct {
	cfg       Config
	validator client.RequestValidator
	log       *slog.Logger
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
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	s := &Server{cfg: cfg, validator: client.NewRequestValidator(cfg.AuthToken), log: cfg.Logger}
	r := gin.New()
	// Nothing here depends on the client's address, and forwarded headers
	// are not trusted: signatures are checked against PublicURL.
	_ = r.SetTrustedProxies(nil)
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
