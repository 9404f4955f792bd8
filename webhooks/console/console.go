// Package console is the staff web console under /staff: officers sign in
// with the staff token and their name, work the queue of requests, open a
// request (each view is recorded), offer callback windows, change statuses
// and see charts of the last 30 days. Pages are rendered on the server with
// html/template and styled with the U.S. Web Design System, whose files are
// embedded in the binary; every core task works without JavaScript.
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
)

// Config is what the console needs.
type Config struct {
	Staff *bot.Staff
	// Token is STAFF_TOKEN, which officers type to sign in. While it is
	// empty nobody can sign in.
	Token string
	// SessionKey is the secret the session cookie's and the CSRF cookie's
	// keys are derived from (STAFF_SESSION_KEY). Empty: they are derived
	// from Token, so that changing the token signs everyone out.
	SessionKey []byte
	// PublicURL is the service's base URL. Cookies are Secure, and CSRF
	// checks expect HTTPS, unless it starts with http:// (a local try).
	PublicURL string
	// SessionTTL is how long a sign-in lasts (DefaultSessionTTL).
	SessionTTL time.Duration
	// Zone is where the service counts days: submission times, business
	// days, the overview's days.
	Zone   *time.Location
	Now    func() time.Time
	Logger *slog.Logger
	// SignInGuard, if set, runs before each sign-in; wrong tokens are
	// answered 401, so a guard can count them and refuse an address.
	SignInGuard gin.HandlerFunc
}

// DefaultSessionTTL is how long a sign-in lasts: a working day.
const DefaultSessionTTL = 8 * time.Hour

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// console serves the pages.
type console struct {
	cfg      Config
	log      *slog.Logger
	pages    *pages
	sessions *sessions
	secure   bool // https: Secure cookies and strict CSRF origin checks
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
	secret := cfg.SessionKey
	if len(secret) == 0 {
		secret = []byte(cfg.Token)
	}
	keys := deriveKeys(secret)
	c := &console{
		cfg: cfg, log: cfg.Logger, pages: mustParsePages(),
		secure: !strings.HasPrefix(cfg.PublicURL, "http://"),
	}
	c.sessions = newSessions(keys, cfg.SessionTTL, c.secure, cfg.Now)

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

	var trusted []string
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Host != "" {
		trusted = append(trusted, u.Host)
	}
	protect := csrf.Protect(keys.csrf,
		csrf.Path("/staff"),
		csrf.CookieName("infopass_csrf"),
		csrf.FieldName(csrfField),
		csrf.HttpOnly(true),
		csrf.Secure(c.secure),
		csrf.SameSite(csrf.SameSiteStrictMode),
		csrf.MaxAge(int(cfg.SessionTTL/time.Second)),
		csrf.TrustedOrigins(trusted),
		csrf.ErrorHandler(http.HandlerFunc(c.csrfFailed)),
	)

	g := r.Group("/staff", c.headers, limitBody, c.csrf(protect))
	signIn := []gin.HandlerFunc{c.handleSignIn}
	if cfg.SignInGuard != nil {
		signIn = append([]gin.HandlerFunc{cfg.SignInGuard}, signIn...)
	}
	g.GET("/sign-in", c.handleSignInPage)
	g.POST("/sign-in", signIn...)
	// Not behind requireSession: signing out clears the browser's cookie
	// even when the store cannot say whether the session is still good.
	g.POST("/sign-out", c.handleSignOut)

	in := g.Group("", c.requireSession)
	in.GET("", c.handleQueue)
	in.POST("/search", c.handleSearch)
	in.GET("/overview", c.handleOverview)
	in.GET("/requests/:ref", c.handleRequest)
	in.POST("/requests/:ref/offers", c.handleOffer)
	in.POST("/requests/:ref/offers/:id/cancel", c.handleCancelOffer)
	in.POST("/requests/:ref/status", c.handleStatus)
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
// nothing but the console's own files (charts are data: images).
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

// csrf runs gorilla/csrf as gin middleware: the rest of the chain runs
// inside its handler, with the request that carries the token. A request
// that fails the check gets csrfFailed and goes no further.
func (c *console) csrf(protect func(http.Handler) http.Handler) gin.HandlerFunc {
	h := protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := r.Context().Value(ginKey{}).(*gin.Context)
		g.Request = r
		g.Next()
	}))
	return func(g *gin.Context) {
		r := g.Request.WithContext(context.WithValue(g.Request.Context(), ginKey{}, g))
		if !c.secure {
			r = csrf.PlaintextHTTPRequest(r)
		}
		h.ServeHTTP(g.Writer, r)
		g.Abort() // the chain ran inside h, or must not run at all
	}
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
// request's context; others are sent to the sign-in page.
func (c *console) requireSession(g *gin.Context) {
	who, _, ok, err := c.signedIn(g.Request)
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
	g.Request = g.Request.WithContext(bot.WithOfficer(g.Request.Context(), who))
	g.Next()
}

// officer is the signed-in officer of a request that passed requireSession.
func officer(g *gin.Context) (bot.Officer, bool) { return bot.OfficerFrom(g.Request.Context()) }

// fail answers an error of the staff service: not found, or a logged
// internal error whose details stay in the log.
func (c *console) fail(g *gin.Context, err error) {
	if errors.Is(err, bot.ErrNotFound) {
		c.render(g, http.StatusNotFound, "error", errorPage{Heading: "Request not found", Message: "No request has that reference."})
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
