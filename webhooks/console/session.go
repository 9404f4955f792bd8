package console

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/csrf"
	"github.com/gorilla/securecookie"

	"infopass/bot"
)

// Cookie names: the signed-in officer's session, and a sign-in ceremony
// under way (OpenID Connect state, nonce and PKCE verifier, or a passkey
// challenge).
const (
	sessionCookie  = "infopass_staff"
	ceremonyCookie = "infopass_ceremony"
)

// ceremonyTTL is how long a sign-in ceremony may take.
const ceremonyTTL = 10 * time.Minute

// keyset is what one generation of the session key gives: the session
// cookie's codec, the ceremony cookie's, and the CSRF protection. The key
// is random, made once and kept sealed in the database, so that every
// replica has the same; `infopass rotate-session-key` makes a new
// generation, which signs everyone out.
type keyset struct {
	generation int
	session    *securecookie.SecureCookie
	ceremony   *securecookie.SecureCookie
	protect    http.Handler
}

// keys holds the current keyset, loaded from the store on first use and
// again when the store's generation moves on.
type keys struct {
	mu      sync.Mutex
	current *keyset
}

// derive returns n bytes of secret for purpose, with HKDF.
func derive(secret []byte, purpose string, n int) []byte {
	k, err := hkdf.Key(sha256.New, secret, []byte("infopass staff console"), purpose, n)
	if err != nil {
		panic(err) // only for lengths hkdf cannot give
	}
	return k
}

// keyset returns the current keyset, loading it when there is none or
// when generation (the store's current one, 0: unknown) is newer.
func (c *console) keyset(ctx context.Context, generation int) (*keyset, error) {
	c.keys.mu.Lock()
	defer c.keys.mu.Unlock()
	if ks := c.keys.current; ks != nil && (generation == 0 || generation == ks.generation) {
		return ks, nil
	}
	gen, secret, err := c.cfg.Officers.Store().SessionKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	ttl := int(c.cfg.SessionTTL / time.Second)
	ks := &keyset{generation: gen}
	ks.session = securecookie.New(derive(secret, "session cookie MAC", 64), derive(secret, "session cookie encryption", 32))
	ks.session.SetSerializer(securecookie.JSONEncoder{})
	ks.session.MaxAge(ttl)
	ks.ceremony = securecookie.New(derive(secret, "ceremony cookie MAC", 64), derive(secret, "ceremony cookie encryption", 32))
	ks.ceremony.SetSerializer(securecookie.JSONEncoder{})
	ks.ceremony.MaxAge(int(ceremonyTTL / time.Second))
	var trusted []string
	if u, err := url.Parse(c.cfg.PublicURL); err == nil && u.Host != "" {
		trusted = append(trusted, u.Host)
	}
	if c.rp.altOrigin != "" {
		trusted = append(trusted, strings.TrimPrefix(c.rp.altOrigin, "http://"))
	}
	ks.protect = csrf.Protect(derive(secret, "csrf cookie", 32),
		csrf.Path("/staff"),
		csrf.CookieName("infopass_csrf"),
		csrf.FieldName(csrfField),
		csrf.HttpOnly(true),
		csrf.Secure(c.secure),
		csrf.SameSite(csrf.SameSiteStrictMode),
		csrf.MaxAge(ttl),
		csrf.TrustedOrigins(trusted),
		csrf.ErrorHandler(http.HandlerFunc(c.csrfFailed)),
	)(http.HandlerFunc(c.afterCSRF))
	c.keys.current = ks
	return ks, nil
}

// session is what the session cookie holds, encrypted and signed: which
// officer signed in, the session's random id, the key generation, and when
// it ends. Every page checks in the database that the officer is still
// enabled, that the session was not signed out and that the key was not
// rotated, so that those end a session on every replica at its next page.
type session struct {
	Officer    int64  `json:"o"`
	ID         string `json:"s"`
	Generation int    `json:"g"`
	Expires    int64  `json:"e"` // Unix seconds
}

func (c *console) cookie(name, value string, maxAge int, sameSite http.SameSite) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/staff", MaxAge: maxAge,
		HttpOnly: true, Secure: c.secure, SameSite: sameSite,
	}
}

// startSession sets the cookie of a new session of o.
func (c *console) startSession(ctx context.Context, w http.ResponseWriter, o bot.Officer) (bot.Officer, error) {
	ks, err := c.keyset(ctx, 0)
	if err != nil {
		return o, err
	}
	v := session{Officer: o.ID, ID: rand.Text(), Generation: ks.generation, Expires: c.cfg.Now().Add(c.cfg.SessionTTL).Unix()}
	enc, err := ks.session.Encode(sessionCookie, v)
	if err != nil {
		return o, err
	}
	http.SetCookie(w, c.cookie(sessionCookie, enc, int(c.cfg.SessionTTL/time.Second), http.SameSiteStrictMode))
	o.Session = v.ID
	return o, nil
}

// endSession deletes the session cookie.
func (c *console) endSession(w http.ResponseWriter) {
	http.SetCookie(w, c.cookie(sessionCookie, "", -1, http.SameSiteStrictMode))
}

// readSession decodes the request's session cookie, if it has a valid one
// that has not expired.
func (c *console) readSession(r *http.Request) (session, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	ks, err := c.keyset(r.Context(), 0)
	if err != nil {
		return session{}, false
	}
	var v session
	if err := ks.session.Decode(sessionCookie, ck.Value, &v); err != nil {
		return session{}, false
	}
	if v.Officer == 0 || v.ID == "" || !c.cfg.Now().Before(time.Unix(v.Expires, 0)) {
		return session{}, false
	}
	return v, true
}

// signedIn returns the officer of the request's session if it has a valid
// one: not expired, not signed out, of an enabled officer, made with the
// current session key.
func (c *console) signedIn(r *http.Request) (bot.Officer, bool, error) {
	v, ok := c.readSession(r)
	if !ok {
		return bot.Officer{}, false, nil
	}
	o, ended, gen, err := c.cfg.Officers.Store().CurrentSession(r.Context(), v.Officer, v.ID)
	if errors.Is(err, bot.ErrNotFound) {
		return bot.Officer{}, false, nil
	}
	if err != nil {
		return bot.Officer{}, false, err
	}
	if gen != v.Generation {
		// Rotated: load the new key for the sessions to come.
		if _, err := c.keyset(r.Context(), gen); err != nil {
			return bot.Officer{}, false, err
		}
		return bot.Officer{}, false, nil
	}
	if ended || o.DisabledAt != nil {
		return bot.Officer{}, false, nil
	}
	return o, true, nil
}

// ceremony is what the ceremony cookie holds between the two halves of a
// sign-in.
type ceremony struct {
	Kind     string `json:"k"` // "oidc", "passkey", "enroll", "add"
	State    string `json:"s,omitempty"`
	Nonce    string `json:"n,omitempty"`
	Verifier string `json:"v,omitempty"`
	Next     string `json:"x,omitempty"`
	WebAuthn []byte `json:"w,omitempty"` // go-webauthn's SessionData, JSON
}

// setCeremony stores cer in the ceremony cookie. It is SameSite=Lax: the
// identity provider sends the browser back with a cross-site navigation.
func (c *console) setCeremony(ctx context.Context, w http.ResponseWriter, cer ceremony) error {
	ks, err := c.keyset(ctx, 0)
	if err != nil {
		return err
	}
	enc, err := ks.ceremony.Encode(ceremonyCookie, cer)
	if err != nil {
		return err
	}
	http.SetCookie(w, c.cookie(ceremonyCookie, enc, int(ceremonyTTL/time.Second), http.SameSiteLaxMode))
	return nil
}

// takeCeremony reads and deletes the ceremony cookie of kind.
func (c *console) takeCeremony(w http.ResponseWriter, r *http.Request, kind string) (ceremony, bool) {
	http.SetCookie(w, c.cookie(ceremonyCookie, "", -1, http.SameSiteLaxMode))
	ck, err := r.Cookie(ceremonyCookie)
	if err != nil {
		return ceremony{}, false
	}
	ks, err := c.keyset(r.Context(), 0)
	if err != nil {
		return ceremony{}, false
	}
	var cer ceremony
	if err := ks.ceremony.Decode(ceremonyCookie, ck.Value, &cer); err != nil || cer.Kind != kind {
		return ceremony{}, false
	}
	return cer, true
}

// spend records a single-use value of a ceremony, and reports whether it
// was fresh.
func (c *console) spend(ctx context.Context, kind, value string) (bool, error) {
	now := c.cfg.Now()
	return c.cfg.Officers.Store().Spend(ctx, kind+":"+value, now.Add(ceremonyTTL), now)
}

// localPath returns next if it is a path of the console, else the queue:
// the sign-in page must not send anyone elsewhere.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || u.User != nil ||
		strings.HasPrefix(next, "//") || strings.Contains(next, `\`) ||
		!(u.Path == "/staff" || strings.HasPrefix(u.Path, "/staff/")) || strings.HasPrefix(u.Path, "/staff/sign-") ||
		strings.HasPrefix(u.Path, "/staff/oidc/") || strings.HasPrefix(u.Path, "/staff/enroll") || strings.HasPrefix(u.Path, "/staff/passkey/") {
		return "/staff"
	}
	return next
}
