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

// read returns the officer of the request's session and when it expires,
// if the request has a valid session cookie that has not expired. Whether
// the session was signed out is the console's signedIn to check.
func (s *sessions) read(r *http.Request) (bot.Officer, time.Time, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return bot.Officer{}, time.Time{}, false
	}
	var v session
	if err := s.codec.Decode(sessionCookie, ck.Value, &v); err != nil {
		return bot.Officer{}, time.Time{}, false
	}
	expires := time.Unix(v.Expires, 0)
	if v.Name == "" || v.ID == "" || !s.now().Before(expires) {
		return bot.Officer{}, time.Time{}, false
	}
	return bot.Officer{Name: v.Name, Session: v.ID}, expires, true
}

// signedIn returns the officer of the request's session, and when it
// expires, if it has a valid one that has not expired and was not signed
// out (on any replica: the staff store keeps the sessions signed out).
func (c *console) signedIn(r *http.Request) (bot.Officer, time.Time, bool, error) {
	who, expires, ok := c.sessions.read(r)
	if !ok {
		return bot.Officer{}, time.Time{}, false, nil
	}
	ended, err := c.cfg.Staff.SessionEnded(r.Context(), who.Session)
	if err != nil || ended {
		return bot.Officer{}, time.Time{}, false, err
	}
	return who, expires, true, nil
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
	if _, _, ok, _ := c.signedIn(g.Request); ok {
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

// handleSignOut: POST /staff/sign-out. The session ends for every copy of
// its cookie, not only this browser's.
func (c *console) handleSignOut(g *gin.Context) {
	c.sessions.end(g.Writer)
	if who, expires, ok := c.sessions.read(g.Request); ok {
		if err := c.cfg.Staff.EndSession(g.Request.Context(), who, expires); err != nil {
			c.fail(g, err)
			return
		}
		c.log.InfoContext(g.Request.Context(), "console: signed out", "session", who.Session)
	}
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
