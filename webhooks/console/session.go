package console

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"

	"infopass/bot"
)

// sessionCookie names the cookie of a signed-in officer.
const sessionCookie = "infopass_staff"

// keys are the console's cookie keys, each derived from one secret with
// HKDF for its own purpose.
type keys struct {
	hash, block, csrf []byte
}

func deriveKeys(secret []byte) keys {
	derive := func(purpose string, n int) []byte {
		k, err := hkdf.Key(sha256.New, secret, []byte("infopass staff console"), purpose, n)
		if err != nil {
			panic(err) // only for lengths hkdf cannot give
		}
		return k
	}
	return keys{hash: derive("session cookie MAC", 64), block: derive("session cookie encryption", 32), csrf: derive("csrf cookie", 32)}
}

// session is what the session cookie holds, encrypted and signed: who
// signed in, the session's random id, and when it ends. Sessions are
// stateless: signing out deletes the cookie; changing STAFF_TOKEN (or
// STAFF_SESSION_KEY) ends every session.
type session struct {
	Name    string `json:"n"`
	ID      string `json:"s"`
	Expires int64  `json:"e"` // Unix seconds
}

type sessions struct {
	codec  *securecookie.SecureCookie
	ttl    time.Duration
	secure bool
	now    func() time.Time
}

func newSessions(k keys, ttl time.Duration, secure bool, now func() time.Time) *sessions {
	codec := securecookie.New(k.hash, k.block)
	codec.SetSerializer(securecookie.JSONEncoder{})
	codec.MaxAge(int(ttl / time.Second))
	return &sessions{codec: codec, ttl: ttl, secure: secure, now: now}
}

// start sets the cookie of a new session for name and returns its officer.
func (s *sessions) start(w http.ResponseWriter, name string) (bot.Officer, error) {
	v := session{Name: name, ID: rand.Text(), Expires: s.now().Add(s.ttl).Unix()}
	enc, err := s.codec.Encode(sessionCookie, v)
	if err != nil {
		return bot.Officer{}, err
	}
	http.SetCookie(w, s.cookie(enc, int(s.ttl/time.Second)))
	return bot.Officer{Name: v.Name, Session: v.ID}, nil
}

// end deletes the session cookie.
func (s *sessions) end(w http.ResponseWriter) { http.SetCookie(w, s.cookie("", -1)) }

func (s *sessions) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/staff", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode,
	}
}

// read returns the officer of the request's session, if it has a valid
// one that has not expired.
func (s *sessions) read(r *http.Request) (bot.Officer, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return bot.Officer{}, false
	}
	var v session
	if err := s.codec.Decode(sessionCookie, ck.Value, &v); err != nil {
		return bot.Officer{}, false
	}
	if v.Name == "" || v.ID == "" || !s.now().Before(time.Unix(v.Expires, 0)) {
		return bot.Officer{}, false
	}
	return bot.Officer{Name: v.Name, Session: v.ID}, true
}

type signInPage struct {
	Next      string
	Name      string
	Error     string
	SignedOut bool
	Disabled  bool // no STAFF_TOKEN: nobody can sign in
}

// handleSignInPage: GET /staff/sign-in?next=
func (c *console) handleSignInPage(g *gin.Context) {
	if _, ok := c.sessions.read(g.Request); ok {
		g.Redirect(http.StatusSeeOther, localPath(g.Query("next")))
		return
	}
	c.render(g, http.StatusOK, "signin", signInPage{
		Next: localPath(g.Query("next")), SignedOut: g.Query("signed_out") != "", Disabled: c.cfg.Token == "",
	})
}

// handleSignIn: POST /staff/sign-in (name, token, next)
func (c *console) handleSignIn(g *gin.Context) {
	p := signInPage{Next: localPath(g.PostForm("next")), Name: strings.TrimSpace(g.PostForm("name")), Disabled: c.cfg.Token == ""}
	if p.Disabled {
		c.render(g, http.StatusServiceUnavailable, "signin", p)
		return
	}
	if msg := checkOfficerName(p.Name); msg != "" {
		p.Error = msg
		c.render(g, http.StatusBadRequest, "signin", p)
		return
	}
	given := sha256.Sum256([]byte(g.PostForm("token")))
	want := sha256.Sum256([]byte(c.cfg.Token))
	if subtle.ConstantTimeCompare(given[:], want[:]) != 1 {
		p.Error = "That staff token is not right."
		c.render(g, http.StatusUnauthorized, "signin", p)
		return
	}
	who, err := c.sessions.start(g.Writer, p.Name)
	if err != nil {
		c.fail(g, err)
		return
	}
	c.log.InfoContext(g.Request.Context(), "console: signed in", "session", who.Session)
	g.Redirect(http.StatusSeeOther, p.Next)
}

// handleSignOut: POST /staff/sign-out
func (c *console) handleSignOut(g *gin.Context) {
	if who, ok := officer(g); ok {
		c.log.InfoContext(g.Request.Context(), "console: signed out", "session", who.Session)
	}
	c.sessions.end(g.Writer)
	g.Redirect(http.StatusSeeOther, "/staff/sign-in?signed_out=1")
}

// checkOfficerName says what is wrong with the name an officer gave, or "".
func checkOfficerName(name string) string {
	if name == "" {
		return "Enter your name: it is recorded with each request you open."
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 100 || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "Enter your name in at most 100 characters."
	}
	return ""
}

// localPath returns next if it is a path of the console, else the queue:
// the sign-in page must not send anyone elsewhere.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || u.User != nil ||
		strings.HasPrefix(next, "//") || strings.Contains(next, `\`) ||
		!(u.Path == "/staff" || strings.HasPrefix(u.Path, "/staff/")) || strings.HasPrefix(u.Path, "/staff/sign-") {
		return "/staff"
	}
	return next
}
