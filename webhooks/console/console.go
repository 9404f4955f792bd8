// Package console is the staff web console under /staff: officers sign in
// as themselves, through the agency's identity provider (OpenID Connect) or
// with a passkey enrolled from a one-time link; they work the queue of
// requests, open a request (each view is recorded with their name), offer
// callback windows, change statuses and see charts of the last 30 days.
// Supervisors also invite and disable officers and read and export the
// access log. Pages are rendered on the server with html/template and
// styled with the U.S. Web Design System, whose files are embedded in the
// binary; every task but passkeys (WebAuthn is a browser API) works
// without JavaScript.
package console

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/csrf"

	"infopass/bot"
	"infopass/webhooks/lockout"
)

// Config is what the console needs.
type Config struct {
	Staff    *bot.Staff
	Officers *bot.Officers
	// OIDC, if set, signs officers in through the identity provider;
	// passkeys work either way.
	OIDC *OIDCConfig
	// PublicURL is the service's base URL. Cookies are Secure, and CSRF
	// checks expect HTTPS, unless it starts with http:// (a local try).
	// Passkeys are bound to its host (localhost for a loopback address).
	PublicURL string
	// SessionTTL is how long a sign-in lasts (DefaultSessionTTL).
	SessionTTL time.Duration
	// Zone is where the service counts days: submission times, business
	// days, the overview's days.
	Zone   *time.Location
	Now    func() time.Time
	Logger *slog.Logger
	// Lockout counts failed sign-ins (lockout.DefaultLimits if nil);
	// OnLockedOut, if set, hears of each refused attempt.
	Lockout     *lockout.Lockout
	OnLockedOut func()
}

// DefaultSessionTTL is how long a sign-in lasts: a working day.
const DefaultSessionTTL = 8 * time.Hour

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// console serves the pages.
type console struct {
	cfg    Config
	log    *slog.Logger
	pages  *pages
	keys   keys
	secure bool // https: Secure cookies and strict CSRF origin checks
	rp     relyingParty
	oidc   *oidcClient // nil without OIDC
}

// Register adds the console's routes under /staff to r.
func Register(r *gin.Engine, cfg Config) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.Lockout == nil {
		cfg.Lockout = lockout.New(lockout.DefaultLimits, nil)
	}
	c := &console{
		cfg: cfg, log: cfg.Logger, pages: mustParsePages(),
		secure: !strings.HasPrefix(cfg.PublicURL, "http://"),
	}
	c.rp = newRelyingParty(cfg.PublicURL)
	if cfg.OIDC != nil {
		c.oidc = newOIDCClient(*cfg.OIDC, cfg.PublicURL)
	}

	assets, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/staff/assets/", http.FileServer(http.FS(assets)))
	r.GET("/staff/assets/*file", func(g *gin.Context) {
		g.Header("Cache-Control", "public, max-age=86400")
		g.Header("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(g.Writer, g.Request)
	})

	g := r.Group("/staff", c.headers, limitBody, c.csrf)
	g.GET("/sign-in", c.handleSignInPage)
	// Not behind requireSession: signing out clears the browser's cookie
	// even when the store cannot say whether the session is still good.
	g.POST("/sign-out", c.handleSignOut)
	g.GET("/oidc/start", c.handleOIDCStart)
	g.GET("/oidc/callback", c.handleOIDCCallback)
	g.POST("/passkey/begin", c.handlePasskeyBegin)
	g.POST("/passkey/finish", c.handlePasskeyFinish)
	g.GET("/enroll", c.handleEnrollPage)
	g.POST("/enroll/begin", c.handleEnrollBegin)
	g.POST("/enroll/finish", c.handleEnrollFinish)

	in := g.Group("", c.requireSession)
	in.GET("", c.handleQueue)
	in.POST("/search", c.handleSearch)
	in.GET("/overview", c.handleOverview)
	in.GET("/requests/:ref", c.handleRequest)
	in.POST("/requests/:ref/offers", c.handleOffer)
	in.POST("/requests/:ref/offers/:id/cancel", c.handleCancelOffer)
	in.POST("/requests/:ref/status", c.handleStatus)
	in.POST("/requests/:ref/appointment", c.handleAppointment)
	in.POST("/requests/:ref/appointment/cancel", c.handleCancelAppointment)
	in.GET("/account", c.handleAccount)
	in.POST("/account/passkeys/begin", c.handleAddPasskeyBegin)
	in.POST("/account/passkeys/finish", c.handleAddPasskeyFinish)
	in.POST("/account/passkeys/:id/remove", c.handleRemovePasskey)

	sup := in.Group("", c.requireSupervisor)
	sup.GET("/officers", c.handleOfficers)
	sup.POST("/officers", c.handleInvite)
	sup.POST("/officers/:id/disable", c.handleDisable)
	sup.GET("/access.csv", c.handleExportAccess)
}

const csrfField = "csrf_token"

// maxFormBytes bounds a console form: its fields are a few short values.
const maxFormBytes = 64 << 10

// limitBody refuses a form larger than maxFormBytes before anything reads
// it.
func limitBody(g *gin.Context) {
	if g.Request.ContentLength > maxFormBytes {
		g.String(http.StatusRequestEntityTooLarge, "The form is too large.")
		g.Abort()
		return
	}
	g.Request.Body = http.MaxBytesReader(g.Writer, g.Request.Body, maxFormBytes)
}

// headers keeps console pages out of caches and frames, and lets them load
// nothing but the console's own files (charts are data: images; the one
// script, for passkeys, is a file of the console).
func (c *console) headers(g *gin.Context) {
	h := g.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	g.Next()
}

type ginKey struct{}

// csrf runs gorilla/csrf, keyed by the current session key, as gin
// middleware: the rest of the chain runs inside its handler (afterCSRF),
// with the request that carries the token. A request that fails the check
// gets csrfFailed and goes no further.
func (c *console) csrf(g *gin.Context) {
	ks, err := c.keyset(g.Request.Context(), 0)
	if err != nil {
		c.fail(g, err)
		g.Abort()
		return
	}
	r := g.Request.WithContext(context.WithValue(g.Request.Context(), ginKey{}, g))
	if !c.secure {
		r = csrf.PlaintextHTTPRequest(r)
	}
	ks.protect.ServeHTTP(g.Writer, r)
	g.Abort() // the chain ran inside protect, or must not run at all
}

func (c *console) afterCSRF(w http.ResponseWriter, r *http.Request) {
	g := r.Context().Value(ginKey{}).(*gin.Context)
	g.Request = r
	g.Next()
}

func (c *console) csrfFailed(w http.ResponseWriter, r *http.Request) {
	c.log.WarnContext(r.Context(), "console: form refused", "path", r.URL.Path, "why", csrf.FailureReason(r).Error())
	g := r.Context().Value(ginKey{}).(*gin.Context)
	g.Request = r
	c.render(g, http.StatusForbidden, "error", errorPage{
		Heading: "This form could not be accepted",
		Message: "The form was too old or did not come from this console. Go back, reload the page and try again.",
	})
}

// requireSession lets through only signed-in officers, whom it puts in the
// request's context as the actor; others are sent to the sign-in page.
func (c *console) requireSession(g *gin.Context) {
	who, ok, err := c.signedIn(g.Request)
	if err != nil {
		c.fail(g, err)
		g.Abort()
		return
	}
	if !ok {
		next := g.Request.URL.Path
		if g.Request.Method != http.MethodGet {
			next = "/staff"
		} else if g.Request.URL.RawQuery != "" {
			next += "?" + g.Request.URL.RawQuery
		}
		g.Redirect(http.StatusSeeOther, "/staff/sign-in?next="+url.QueryEscape(next))
		g.Abort()
		return
	}
	g.Request = g.Request.WithContext(bot.WithActor(g.Request.Context(), bot.Actor{Officer: who}))
	g.Next()
}

// requireSupervisor lets through only supervisors.
func (c *console) requireSupervisor(g *gin.Context) {
	if who, _ := officer(g); !who.Supervisor() {
		c.render(g, http.StatusForbidden, "error", errorPage{Heading: "For supervisors only", Message: "Only supervisors manage officers and read the access log."})
		g.Abort()
		return
	}
	g.Next()
}

// officer is the signed-in officer of a request that passed requireSession.
func officer(g *gin.Context) (bot.Officer, bool) {
	a, ok := bot.ActorFrom(g.Request.Context())
	return a.Officer, ok && a.Officer.ID != 0
}

// fail answers an error of the staff service: not found, or a logged
// internal error whose details stay in the log.
func (c *console) fail(g *gin.Context, err error) {
	switch {
	case errors.Is(err, bot.ErrNotFound):
		c.render(g, http.StatusNotFound, "error", errorPage{Heading: "Request not found", Message: "No request has that reference."})
		return
	case errors.Is(err, bot.ErrForbidden):
		c.render(g, http.StatusForbidden, "error", errorPage{Heading: "For supervisors only", Message: "Only supervisors may do that."})
		return
	}
	c.log.ErrorContext(g.Request.Context(), "console", "route", g.FullPath(), "err", err)
	c.render(g, http.StatusInternalServerError, "error", errorPage{
		Heading: "Something went wrong", Message: "The console could not do that just now. Try again in a moment.",
	})
}

type errorPage struct {
	Heading, Message string
}

func (e errorPage) pageTitle() string { return e.Heading }
