package console_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oauth2-proxy/mockoidc"

	"infopass/bot"
	"infopass/flows"
	"infopass/locales"
	"infopass/webhooks/console"
)

const (
	ref    = "IP-7K3Q9D2M"
	origin = "https://console.test"
)

var newYork = func() *time.Location {
	z, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return z
}()

// friday is 10:00 in New York on the Friday before Thanksgiving week 2026.
var friday = time.Date(2026, 11, 20, 10, 0, 0, 0, newYork)

// store is an in-memory bot.StaffStore holding one request.
type store struct {
	mu       sync.Mutex
	req      bot.Request
	offers   []bot.CallbackOffer
	queued   []bot.OutboxMessage
	events   []bot.RequestEvent
	accesses []bot.Access
	filters  []bot.RequestFilter
	// backlog, when set, is what ListRequests lists instead of req.
	backlog []bot.Request
	// withdrawn are the appointments applicants cancelled.
	withdrawn []bot.Appointment
	ended     map[string]time.Time // sessions signed out, and when they expire
	// sessionErr, when set, is what EndSession, SessionEnded and
	// CurrentSession return.
	sessionErr error
	officerStore
}

func (s *store) EndSession(ctx context.Context, id string, expires, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessionErr != nil {
		return s.sessionErr
	}
	if s.ended == nil {
		s.ended = map[string]time.Time{}
	}
	s.ended[id] = expires
	return nil
}

func (s *store) WithdrawnAppointments(context.Context, time.Time) ([]bot.Appointment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.withdrawn, nil
}

func (s *store) SessionEnded(ctx context.Context, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessionErr != nil {
		return false, s.sessionErr
	}
	_, ended := s.ended[id]
	return ended, nil
}

func newStore() *store {
	return &store{req: bot.Request{
		ID: 1, Reference: ref, Status: bot.StatusSubmitted, Type: flows.TypeADIT, Language: "en", Channel: bot.SMS,
		Role: flows.RoleApplicant, Phone: "+12025550101", ContactPhone: "+12025550101", ZIP: "10001",
		SubmittedAt: friday.Add(-4 * 24 * time.Hour),
		Answers: flows.Answers{Role: flows.RoleApplicant, Type: flows.TypeADIT, Name: "Jane Doe", ANumber: "A012345678",
			NeededBy: flows.Date{Year: 2026, Month: 12, Day: 10}, ZIP: "10001", Phone: "+12025550101"},
	}}
}

func (s *store) ListRequests(ctx context.Context, f bot.RequestFilter) ([]bot.Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.filters = append(s.filters, f)
	if s.backlog != nil {
		// Oldest first, as the queue asks: the backlog is in the order of
		// submission, and so of id.
		var out []bot.Request
		for _, r := range s.backlog {
			if (f.Status == "" || f.Status == r.Status) && (f.Type == "" || f.Type == string(r.Type)) && r.ID > f.After && len(out) < f.Limit {
				out = append(out, r)
			}
		}
		return out, nil
	}
	if (f.Status != "" && f.Status != s.req.Status) || (f.Type != "" && f.Type != string(s.req.Type)) {
		return nil, nil
	}
	return []bot.Request{s.req}, nil
}

func (s *store) RecordAccess(ctx context.Context, who bot.Actor, reqs []bot.Request, action string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(reqs) == 0 {
		s.accesses = append(s.accesses, bot.Access{Actor: who, Action: action, At: now})
	}
	for _, r := range reqs {
		s.accesses = append(s.accesses, bot.Access{Reference: r.Reference, Actor: who, Action: action, At: now})
	}
	return nil
}

func (s *store) AccessLog(ctx context.Context, reference string) ([]bot.Access, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []bot.Access
	for _, a := range s.accesses {
		if a.Reference == reference {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *store) AccessBetween(ctx context.Context, from, to time.Time) ([]bot.Access, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []bot.Access
	for _, a := range s.accesses {
		if !a.At.Before(from) && a.At.Before(to) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *store) WithRequest(ctx context.Context, reference string, now time.Time, lock bool, fn func(context.Context, bot.RequestTx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if reference != s.req.Reference {
		return bot.ErrNotFound
	}
	tx := &tx{s: s, now: now, offers: slices.Clone(s.offers), queued: slices.Clone(s.queued),
		events: slices.Clone(s.events), accesses: slices.Clone(s.accesses), status: s.req.Status}
	if err := fn(ctx, tx); err != nil {
		return err // rolled back: nothing is kept
	}
	s.offers, s.queued, s.events, s.accesses, s.req.Status = tx.offers, tx.queued, tx.events, tx.accesses, tx.status
	return nil
}

func (s *store) Overview(ctx context.Context, from, to time.Time, zone *time.Location, now time.Time) (bot.Overview, error) {
	day := flows.DateOf(friday)
	return bot.Overview{
		Requests: []bot.RequestCount{{Day: day, Type: flows.TypeADIT, Language: "en", Count: 3}, {Day: day, Type: flows.TypeEAP, Language: "es", Count: 1}},
		Offers:   []bot.OfferCount{{Day: day, Status: bot.OfferConfirmed, Count: 2}, {Day: day, Status: bot.OfferDeclined, Count: 1}},
	}, nil
}

func (s *store) snapshot() (offers []bot.CallbackOffer, queued []bot.OutboxMessage, accesses []bot.Access) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.offers), slices.Clone(s.queued), slices.Clone(s.accesses)
}

type tx struct {
	s        *store
	now      time.Time
	offers   []bot.CallbackOffer
	queued   []bot.OutboxMessage
	events   []bot.RequestEvent
	accesses []bot.Access
	status   string
}

func (t *tx) Request() bot.Request { r := t.s.req; r.Status = t.status; return r }
func (t *tx) Participant(_ context.Context, phone string) (bot.Participant, error) {
	return bot.Participant{Phone: phone}, nil
}
func (t *tx) Offers(_ context.Context) ([]bot.CallbackOffer, error) { return t.offers, nil }
func (t *tx) SaveOffer(_ context.Context, o *bot.CallbackOffer) error {
	if o.ID == 0 {
		o.ID = int64(len(t.offers) + 1)
		t.offers = append(t.offers, *o)
		return nil
	}
	t.offers[o.ID-1] = *o
	return nil
}
func (t *tx) Enqueue(_ context.Context, m *bot.OutboxMessage) error {
	t.queued = append(t.queued, *m)
	return nil
}
func (t *tx) CancelQueued(context.Context, int64) error                 { return nil }
func (t *tx) Appointments(_ context.Context) ([]bot.Appointment, error) { return nil, nil }
func (t *tx) SaveAppointment(context.Context, *bot.Appointment) error   { return nil }
func (t *tx) CancelAppointmentNotices(context.Context, int64) error     { return nil }
func (t *tx) SetStatus(_ context.Context, status, note string, who bot.Actor) error {
	t.status = status
	t.events = append(t.events, bot.RequestEvent{Status: status, Note: note, Actor: who.Label(), At: t.now})
	return nil
}
func (t *tx) Events(_ context.Context) ([]bot.RequestEvent, error) { return t.events, nil }
func (t *tx) History(_ context.Context) ([]bot.HistoryMessage, error) {
	return []bot.HistoryMessage{
		{At: t.s.req.SubmittedAt, Direction: "in", Channel: bot.SMS, Body: "yes"},
		{At: t.s.req.SubmittedAt, Direction: "out", Channel: bot.SMS, Body: "Sent. Your request number is " + ref},
	}, nil
}
func (t *tx) RecordAccess(_ context.Context, who bot.Actor, action string) error {
	t.accesses = append(t.accesses, bot.Access{Reference: t.s.req.Reference, Actor: who, Action: action, At: t.now})
	return nil
}

// fixture is the console over an in-memory store, with a clock tests move,
// signing officers in through an OpenID provider on loopback.
type fixture struct {
	t     *testing.T
	store *store
	h     http.Handler
	now   time.Time
	woken int
	idp   *mockoidc.MockOIDC
}

func newFixture(t *testing.T) *fixture { return newFixtureWith(t, nil) }

// newFixtureWith is newFixture with the console's configuration changed by
// tune.
func newFixtureWith(t *testing.T, tune func(*console.Config)) *fixture {
	t.Helper()
	catalog, err := bot.LoadCatalog(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	f := &fixture{t: t, store: newStore(), now: friday, idp: idp}
	clock := func() time.Time { return f.now }
	gin.SetMode(gin.TestMode)
	r := gin.New()
	ic := idp.Config()
	cfg := console.Config{
		Staff:     bot.NewStaff(f.store, catalog, clock, func() { f.woken++ }, flows.Regions{}),
		Officers:  bot.NewOfficers(f.store, clock),
		OIDC:      &console.OIDCConfig{Issuer: ic.Issuer, ClientID: ic.ClientID, ClientSecret: ic.ClientSecret},
		PublicURL: origin,
		Zone:      newYork,
		Now:       clock,
	}
	if tune != nil {
		tune(&cfg)
	}
	console.Register(r, cfg)
	f.h = r
	return f
}

// officer returns the officer named name, inviting them (email: the name
// in lower case, dots for spaces, at agency.gov) as role the first time.
func (f *fixture) officer(name, role string) bot.Officer {
	f.t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@agency.gov"
	o, _, err := bot.NewOfficers(f.store, func() time.Time { return f.now }).Invite(context.Background(), name, email, role)
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

// client is a browser: it keeps cookies and sends the console's origin.
type client struct {
	f       *fixture
	cookies map[string]*http.Cookie
	csrf    string // the token of the last page that had a form
	// lastCeremony is the last ceremony cookie the browser sent.
	lastCeremony *http.Cookie
}

func (f *fixture) client() *client { return &client{f: f, cookies: map[string]*http.Cookie{}} }

var (
	csrfInput  = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	csrfHidden = regexp.MustCompile(`id="csrf-token" value="([^"]+)"`)
)

func (c *client) do(method, path string, form url.Values) *httptest.ResponseRecorder {
	c.f.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, origin+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, origin+path, nil)
	}
	if method != http.MethodGet {
		req.Header.Set("Origin", origin)
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	if ck := c.cookies["infopass_ceremony"]; ck != nil {
		c.lastCeremony = ck
	}
	w := httptest.NewRecorder()
	c.f.h.ServeHTTP(w, req)
	for _, ck := range w.Result().Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	if m := csrfInput.FindStringSubmatch(w.Body.String()); m != nil {
		c.csrf = m[1]
	}
	if m := csrfHidden.FindStringSubmatch(w.Body.String()); m != nil && c.csrf == "" {
		c.csrf = html.UnescapeString(m[1])
	}
	return w
}

func (c *client) get(path string) *httptest.ResponseRecorder {
	c.f.t.Helper()
	return c.do(http.MethodGet, path, nil)
}

// post sends a form with the CSRF token of the last page.
func (c *client) post(path string, form url.Values) *httptest.ResponseRecorder {
	c.f.t.Helper()
	form.Set("csrf_token", c.csrf)
	return c.do(http.MethodPost, path, form)
}

// signIn signs in as the officer name (invited as an officer the first
// time) through the OpenID provider and returns the client.
func (f *fixture) signIn(name string) *client {
	f.t.Helper()
	f.officer(name, bot.RoleOfficer)
	return f.signInAs(name, "/staff")
}

// signInAs signs in as the officer name, already invited, through the
// OpenID provider, asking for next.
func (f *fixture) signInAs(name, next string) *client {
	f.t.Helper()
	c := f.client()
	w := c.oidc(f.user(name), next, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `http-equiv="refresh"`) {
		f.t.Fatalf("sign in as %s: %d\n%s", name, w.Code, w.Body)
	}
	return c
}

// user is the identity provider's account of the officer name.
func (f *fixture) user(name string) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: "sub-" + name, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@agency.gov",
		EmailVerified: true, Groups: []string{"infopass"}}
}

// oidc runs the single sign-on: start at the console, the identity
// provider (which signs user in), the console's callback. tamper, if set,
// may change the identity provider's URL and then the callback's before
// they are followed. It returns the callback's answer.
func (c *client) oidc(user mockoidc.User, next string, tamper func(idp, callback *url.URL)) *httptest.ResponseRecorder {
	c.f.t.Helper()
	w := c.get("/staff/oidc/start?next=" + url.QueryEscape(next))
	if w.Code != http.StatusFound {
		c.f.t.Fatalf("oidc start: %d\n%s", w.Code, w.Body)
	}
	authURL, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		c.f.t.Fatal(err)
	}
	callback := c.idpRedirect(user, authURL, tamper)
	if tamper != nil {
		tamper(nil, callback)
	}
	return c.get(callback.RequestURI())
}

// idpRedirect has the identity provider sign user in at authURL (changed
// by tamper first) and returns where it sends the browser back.
func (c *client) idpRedirect(user mockoidc.User, authURL *url.URL, tamper func(idp, callback *url.URL)) *url.URL {
	c.f.t.Helper()
	q := authURL.Query()
	for _, want := range []string{"state", "nonce", "code_challenge"} {
		if q.Get(want) == "" {
			c.f.t.Fatalf("the console's authorization request lacks %s: %s", want, authURL)
		}
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("redirect_uri") != origin+"/staff/oidc/callback" {
		c.f.t.Fatalf("authorization request: %s", authURL)
	}
	if tamper != nil {
		tamper(authURL, nil)
	}
	c.f.idp.QueueUser(user)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authURL.String())
	if err != nil {
		c.f.t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		c.f.t.Fatalf("identity provider: %d %s %v", resp.StatusCode, resp.Header.Get("Location"), err)
	}
	return back
}

// TestFormTooLarge checks that a form larger than any the console shows is
// refused before it is read.
func TestFormTooLarge(t *testing.T) {
	f := newFixture(t)
	c := f.signIn("Officer Diaz")
	w := c.post("/staff/search", url.Values{"q": {strings.Repeat("A", 64<<10)}})
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a %d KiB form: %d %s", 64, w.Code, w.Body)
	}
	if w := c.post("/staff/search", url.Values{"q": {"IP-7K3Q9D2M"}}); w.Code == http.StatusRequestEntityTooLarge {
		t.Errorf("a small form: %d", w.Code)
	}
}

func TestNoSession(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	for _, path := range []string{"/staff", "/staff/overview", "/staff/requests/" + ref, "/staff/requests/IP-AAAAAAAA?x=1"} {
		t.Run("GET "+path, func(t *testing.T) {
			w := c.get(path)
			want := "/staff/sign-in?next=" + url.QueryEscape(path)
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
				t.Errorf("GET %s: %d to %q, want 303 to %q", path, w.Code, w.Header().Get("Location"), want)
			}
			if strings.Contains(w.Body.String(), "Jane") {
				t.Error("personal data without a session")
			}
		})
	}
	t.Run("POST", func(t *testing.T) {
		c.get("/staff/sign-in") // a valid CSRF token, but no session
		for _, path := range []string{"/staff/requests/" + ref + "/offers", "/staff/requests/" + ref + "/status", "/staff/search"} {
			w := c.post(path, url.Values{"date": {"2026-11-30"}, "start": {"09:00"}, "end": {"11:00"}, "status": {"closed"}, "q": {"A012345678"}})
			if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/staff/sign-in") {
				t.Errorf("POST %s: %d %s", path, w.Code, w.Header().Get("Location"))
			}
		}
		if offers, _, _ := f.store.snapshot(); len(offers) != 0 || f.store.req.Status != bot.StatusSubmitted || len(f.store.filters) != 0 {
			t.Errorf("changed without a session: %v, %s", offers, f.store.req.Status)
		}
	})
	t.Run("SignInPageAndAssets", func(t *testing.T) {
		for _, path := range []string{"/staff/sign-in", "/staff/assets/uswds/css/uswds.min.css", "/staff/assets/console.css",
			"/staff/assets/uswds/fonts/source-sans-pro/sourcesanspro-regular-webfont.woff2"} {
			if w := c.get(path); w.Code != http.StatusOK {
				t.Errorf("GET %s: %d", path, w.Code)
			}
		}
	})
	t.Run("ForgedCookie", func(t *testing.T) {
		c := f.client()
		c.cookies["infopass_staff"] = &http.Cookie{Name: "infopass_staff", Value: "eyJuIjoiTWFsbG9yeSJ9"}
		if w := c.get("/staff"); w.Code != http.StatusSeeOther {
			t.Errorf("forged session: %d", w.Code)
		}
	})
}

func TestSignIn(t *testing.T) {
	f := newFixture(t)
	f.officer("Officer Lee", bot.RoleOfficer)

	t.Run("OK", func(t *testing.T) {
		c := f.signIn("Officer Lee")
		ck := c.cookies["infopass_staff"]
		if ck == nil || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteStrictMode || ck.MaxAge != 8*3600 || ck.Path != "/staff" {
			t.Fatalf("session cookie: %+v", ck)
		}
		if _, ok := c.cookies["infopass_ceremony"]; ok {
			t.Error("the sign-in's state outlives it")
		}
		w := c.get("/staff")
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), ref) || !strings.Contains(w.Body.String(), "Signed in as Officer Lee") {
			t.Fatalf("queue: %d\n%s", w.Code, w.Body)
		}
		for header, want := range map[string]string{"Cache-Control": "no-store", "X-Frame-Options": "DENY"} {
			if got := w.Header().Get(header); got != want {
				t.Errorf("%s: %q", header, got)
			}
		}
		if !strings.Contains(w.Header().Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("CSP: %q", w.Header().Get("Content-Security-Policy"))
		}
		if strings.Contains(w.Body.String(), "/staff/officers") {
			t.Error("an officer who is not a supervisor sees the officers' page in the menu")
		}
	})

	// refused checks that a sign-in was refused with the page that says
	// so, and left no session.
	refused := func(t *testing.T, c *client, w *httptest.ResponseRecorder) {
		t.Helper()
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "not one of this console’s officers") {
			t.Errorf("refusal: %d\n%s", w.Code, w.Body)
		}
		if _, ok := c.cookies["infopass_staff"]; ok {
			t.Error("a session after a refused sign-in")
		}
		if w := c.get("/staff"); w.Code != http.StatusSeeOther {
			t.Errorf("the queue after a refused sign-in: %d", w.Code)
		}
	}

	t.Run("ErrNotInvited", func(t *testing.T) {
		c := f.client()
		refused(t, c, c.oidc(f.user("Mallory Stranger"), "/staff", nil))
	})

	t.Run("ErrEmailNotVerified", func(t *testing.T) {
		u := f.user("Officer Unverified")
		f.officer("Officer Unverified", bot.RoleOfficer)
		u.EmailVerified = false
		c := f.client()
		refused(t, c, c.oidc(u, "/staff", nil))
	})

	t.Run("ErrForgedState", func(t *testing.T) {
		c := f.client()
		refused(t, c, c.oidc(f.user("Officer Lee"), "/staff", func(idp, callback *url.URL) {
			if callback != nil {
				q := callback.Query()
				q.Set("state", "forged-"+q.Get("state"))
				callback.RawQuery = q.Encode()
			}
		}))
	})

	t.Run("ErrNoCeremony", func(t *testing.T) {
		// A callback this browser did not start (login CSRF): another
		// browser's state and code.
		victim, attacker := f.client(), f.client()
		w := attacker.get("/staff/oidc/start")
		authURL, _ := url.Parse(w.Header().Get("Location"))
		callback := attacker.idpRedirect(f.user("Officer Lee"), authURL, nil)
		refused(t, victim, victim.get(callback.RequestURI()))
	})

	t.Run("ErrReplayedCallback", func(t *testing.T) {
		c := f.client()
		var callback *url.URL
		w := c.oidc(f.user("Officer Lee"), "/staff", func(idp, cb *url.URL) {
			if cb != nil {
				callback = cb
			}
		})
		if w.Code != http.StatusOK {
			t.Fatalf("first use: %d", w.Code)
		}
		ceremony := c.lastCeremony
		// The same callback again, with the ceremony cookie it came with.
		replay := f.client()
		replay.cookies["infopass_ceremony"] = ceremony
		refused(t, replay, replay.get(callback.RequestURI()))
	})

	t.Run("ErrReplayedCode", func(t *testing.T) {
		// A code redeemed once, brought back under a new sign-in's state.
		c := f.client()
		var code string
		c.oidc(f.user("Officer Lee"), "/staff", func(idp, cb *url.URL) {
			if cb != nil {
				code = cb.Query().Get("code")
			}
		})
		replay := f.client()
		refused(t, replay, replay.oidc(f.user("Officer Lee"), "/staff", func(idp, cb *url.URL) {
			if cb != nil {
				q := cb.Query()
				q.Set("code", code)
				cb.RawQuery = q.Encode()
			}
		}))
	})

	t.Run("ErrWrongNonce", func(t *testing.T) {
		c := f.client()
		refused(t, c, c.oidc(f.user("Officer Lee"), "/staff", func(idp, cb *url.URL) {
			if idp != nil {
				q := idp.Query()
				q.Set("nonce", "not-this-sign-ins")
				idp.RawQuery = q.Encode()
			}
		}))
	})

	t.Run("ErrExpiredIDToken", func(t *testing.T) {
		f.idp.FastForward(-time.Hour) // tokens issued an hour ago, for 10 minutes
		defer f.idp.FastForward(time.Hour)
		c := f.client()
		refused(t, c, c.oidc(f.user("Officer Lee"), "/staff", nil))
	})

	t.Run("ErrDisabled", func(t *testing.T) {
		f.officer("Officer Gone", bot.RoleOfficer)
		c := f.signInAs("Officer Gone", "/staff")
		if w := c.get("/staff"); w.Code != http.StatusOK {
			t.Fatalf("before disabling: %d", w.Code)
		}
		if _, err := bot.NewOfficers(f.store, nil).Disable(context.Background(), "officer.gone@agency.gov"); err != nil {
			t.Fatal(err)
		}
		if w := c.get("/staff"); w.Code != http.StatusSeeOther {
			t.Errorf("the next page after disabling: %d", w.Code)
		}
		c = f.client()
		refused(t, c, c.oidc(f.user("Officer Gone"), "/staff", nil))
	})

	t.Run("NextIsLocal", func(t *testing.T) {
		for next, want := range map[string]string{
			"/staff/overview":       "/staff/overview",
			"https://evil.example/": "/staff",
			"//evil.example/staff":  "/staff",
			"/elsewhere":            "/staff",
			`/staff\..\x`:           "/staff",
			"/staff/oidc/callback":  "/staff",
		} {
			c := f.client()
			w := c.oidc(f.user("Officer Lee"), next, nil)
			if m := regexp.MustCompile(`content="0;url=([^"]*)"`).FindStringSubmatch(w.Body.String()); m == nil || html.UnescapeString(m[1]) != want {
				t.Errorf("next %q: sent to %v, want %q", next, m, want)
			}
		}
	})

	t.Run("RotateSessionKey", func(t *testing.T) {
		c := f.signIn("Officer Lee")
		if _, err := f.store.RotateSessionKey(context.Background()); err != nil {
			t.Fatal(err)
		}
		if w := c.get("/staff"); w.Code != http.StatusSeeOther {
			t.Errorf("after the key was rotated: %d", w.Code)
		}
		if w := f.signIn("Officer Lee").get("/staff"); w.Code != http.StatusOK {
			t.Errorf("signing in after the rotation: %d", w.Code)
		}
	})

	t.Run("Expires", func(t *testing.T) {
		c := f.signIn("Officer Lee")
		f.now = friday.Add(8*time.Hour + time.Minute)
		defer func() { f.now = friday }()
		if w := c.get("/staff"); w.Code != http.StatusSeeOther {
			t.Errorf("after 8 hours: %d", w.Code)
		}
	})

	t.Run("SignOut", func(t *testing.T) {
		c := f.signIn("Officer Lee")
		c.get("/staff")
		w := c.post("/staff/sign-out", url.Values{})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/staff/sign-in?signed_out=1" {
			t.Fatalf("sign out: %d %s", w.Code, w.Header().Get("Location"))
		}
		if w := c.get("/staff"); w.Code != http.StatusSeeOther {
			t.Errorf("after signing out: %d", w.Code)
		}
	})

	t.Run("SignOutEndsEveryCopy", func(t *testing.T) {
		// A copy of the cookie, taken before signing out (another tab, a
		// shared computer's backup), opens nothing afterwards.
		c := f.signIn("Officer Lee")
		copied := *c.cookies["infopass_staff"]
		c.get("/staff")
		if w := c.post("/staff/sign-out", url.Values{}); w.Code != http.StatusSeeOther {
			t.Fatalf("sign out: %d", w.Code)
		}
		other := f.client()
		other.cookies["infopass_staff"] = &copied
		if w := other.get("/staff"); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/staff/sign-in") {
			t.Errorf("copied cookie after sign-out: %d %s", w.Code, w.Header().Get("Location"))
		}
		if w := other.get("/staff/sign-in"); w.Code != http.StatusOK || strings.Contains(w.Body.String(), "Signed in as") {
			t.Errorf("sign-in page with the copied cookie: %d", w.Code)
		}
		// Another session of the same officer goes on.
		if w := f.signIn("Officer Lee").get("/staff"); w.Code != http.StatusOK {
			t.Errorf("a new session: %d", w.Code)
		}
	})

	t.Run("SignOutWithoutSession", func(t *testing.T) {
		c := f.client()
		c.get("/staff/sign-in")
		if w := c.post("/staff/sign-out", url.Values{}); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/staff/sign-in?signed_out=1" {
			t.Errorf("sign out without a session: %d %s", w.Code, w.Header().Get("Location"))
		}
	})

	t.Run("ErrSessionsUnknown", func(t *testing.T) {
		// When the store cannot say whether a session was signed out, no
		// page opens; signing out still clears this browser's cookie and
		// says it could not be recorded.
		c := f.signIn("Officer Lee")
		c.get("/staff")
		f.store.mu.Lock()
		f.store.sessionErr = errors.New("database down")
		f.store.mu.Unlock()
		defer func() {
			f.store.mu.Lock()
			f.store.sessionErr = nil
			f.store.mu.Unlock()
		}()
		if w := c.get("/staff"); w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), ref) {
			t.Errorf("queue while sessions are unknown: %d", w.Code)
		}
		if w := c.post("/staff/sign-out", url.Values{}); w.Code != http.StatusInternalServerError {
			t.Errorf("sign out while sessions are unknown: %d", w.Code)
		}
		if _, ok := c.cookies["infopass_staff"]; ok {
			t.Error("the session cookie stayed after signing out")
		}
	})
}

func TestCSRF(t *testing.T) {
	f := newFixture(t)
	c := f.signIn("Officer Lee")
	c.get("/staff/requests/" + ref)
	window := url.Values{"date": {"2026-11-30"}, "start": {"09:00"}, "end": {"11:00"}}

	for name, tok := range map[string]string{"ErrBadToken": "bm90IHRoZSB0b2tlbiBvZiB0aGlzIHNlc3Npb24gYXQgYWxsIQ==", "ErrNoToken": ""} {
		t.Run(name, func(t *testing.T) {
			form := url.Values{}
			for k, v := range window {
				form[k] = v
			}
			if tok != "" {
				form.Set("csrf_token", tok)
			}
			w := c.do(http.MethodPost, "/staff/requests/"+ref+"/offers", form)
			if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "could not be accepted") {
				t.Errorf("POST with %s: %d\n%s", name, w.Code, w.Body)
			}
		})
	}
	t.Run("ErrOtherOrigin", func(t *testing.T) {
		form := url.Values{"csrf_token": {c.csrf}}
		for k, v := range window {
			form[k] = v
		}
		req := httptest.NewRequest(http.MethodPost, origin+"/staff/requests/"+ref+"/offers", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		for _, ck := range c.cookies {
			req.AddCookie(ck)
		}
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, req)
		if w.Code != http.StatusForbidden {
			t.Errorf("POST from another origin: %d", w.Code)
		}
	})
	if offers, queued, _ := f.store.snapshot(); len(offers) != 0 || len(queued) != 0 || f.woken != 0 {
		t.Errorf("refused forms changed something: %d offers, %d texts", len(offers), len(queued))
	}
}

func TestRequestPage(t *testing.T) {
	f := newFixture(t)
	c := f.signIn("Officer Lee")

	t.Run("ViewIsRecorded", func(t *testing.T) {
		w := c.get("/staff/requests/" + ref)
		body := w.Body.String()
		for _, want := range []string{"Jane Doe", "A012345678", "Dec 10, 2026", "Eastern Time (America/New_York)", "Sent. Your request number is", "end of Wed Nov 25, 2026"} {
			if !strings.Contains(body, want) {
				t.Errorf("request page lacks %q", want)
			}
		}
		_, _, accesses := f.store.snapshot()
		if len(accesses) != 1 || accesses[0].Action != bot.AccessView || accesses[0].Actor.Officer.Name != "Officer Lee" || accesses[0].Actor.Officer.Session == "" || !accesses[0].At.Equal(friday) {
			t.Errorf("audit: %+v", accesses)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		if w := c.get("/staff/requests/IP-AAAAAAAA"); w.Code != http.StatusNotFound {
			t.Errorf("unknown reference: %d", w.Code)
		}
	})

	t.Run("ErrPastWindow", func(t *testing.T) {
		c.get("/staff/requests/" + ref)
		w := c.post("/staff/requests/"+ref+"/offers", url.Values{"date": {"2026-11-19"}, "start": {"09:00"}, "end": {"11:00"}})
		body := w.Body.String()
		if w.Code != http.StatusBadRequest || !strings.Contains(body, "The start must be in the future.") ||
			!strings.Contains(body, "nothing was sent") || !strings.Contains(body, `value="2026-11-19"`) {
			t.Errorf("past window: %d\n%s", w.Code, body)
		}
		if offers, queued, _ := f.store.snapshot(); len(offers) != 0 || len(queued) != 0 || f.woken != 0 {
			t.Errorf("a past window was offered: %d offers, %d texts, woken %d", len(offers), len(queued), f.woken)
		}
	})

	t.Run("ErrMissingTime", func(t *testing.T) {
		w := c.post("/staff/requests/"+ref+"/offers", url.Values{"date": {"2026-11-30"}, "start": {""}, "end": {"11:00"}})
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "Enter the time the window starts") {
			t.Errorf("missing start: %d", w.Code)
		}
	})

	t.Run("Offer", func(t *testing.T) {
		c.get("/staff/requests/" + ref)
		w := c.post("/staff/requests/"+ref+"/offers", url.Values{"date": {"2026-11-30"}, "start": {"09:00"}, "end": {"11:00"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/staff/requests/"+ref+"?done=offer#offers" {
			t.Fatalf("offer: %d %s\n%s", w.Code, w.Header().Get("Location"), w.Body)
		}
		offers, queued, accesses := f.store.snapshot()
		if len(offers) != 1 || len(queued) != 1 || f.woken != 1 {
			t.Fatalf("%d offers, %d texts, woken %d", len(offers), len(queued), f.woken)
		}
		if want := time.Date(2026, 11, 30, 9, 0, 0, 0, newYork); !offers[0].Start.Equal(want) || offers[0].End.Sub(offers[0].Start) != 2*time.Hour {
			t.Errorf("window %s to %s", offers[0].Start, offers[0].End)
		}
		if last := accesses[len(accesses)-1]; last.Action != bot.AccessOffer || last.Actor.Officer.Name != "Officer Lee" {
			t.Errorf("audit: %+v", last)
		}
		page := c.get("/staff/requests/" + ref + "?done=offer").Body.String()
		if !strings.Contains(page, "Callback offered") || !strings.Contains(page, "Mon Nov 30, 2026 9:00 AM to 11:00 AM EST") {
			t.Errorf("page after the offer:\n%s", page)
		}
	})

	t.Run("CancelOffer", func(t *testing.T) {
		c.get("/staff/requests/" + ref)
		w := c.post("/staff/requests/"+ref+"/offers/1/cancel", url.Values{})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("cancel: %d\n%s", w.Code, w.Body)
		}
		if offers, _, _ := f.store.snapshot(); offers[0].Status != bot.OfferCancelled {
			t.Errorf("offer after cancel: %s", offers[0].Status)
		}
	})

	t.Run("Status", func(t *testing.T) {
		c.get("/staff/requests/" + ref)
		if w := c.post("/staff/requests/"+ref+"/status", url.Values{"status": {"bogus"}}); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "The status was not changed") {
			t.Errorf("bad status: %d", w.Code)
		}
		w := c.post("/staff/requests/"+ref+"/status", url.Values{"status": {"scheduled"}, "note": {"Booked 12/02 10:00"}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("status: %d\n%s", w.Code, w.Body)
		}
		if page := c.get("/staff/requests/" + ref).Body.String(); !strings.Contains(page, "Booked 12/02 10:00") {
			t.Error("the note is not shown")
		}
	})
}

func TestQueue(t *testing.T) {
	f := newFixture(t)
	c := f.signIn("Officer Lee")

	t.Run("Filters", func(t *testing.T) {
		w := c.get("/staff?status=all&type=eap&language=&from=2026-11-01&to=2026-11-20")
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), ref) {
			t.Errorf("filtered to EAP: %d", w.Code)
		}
		last := f.store.filters[len(f.store.filters)-1]
		if last.Type != "eap" || last.Status != "" || !last.Oldest || !last.To.Equal(time.Date(2026, 11, 21, 0, 0, 0, 0, newYork)) {
			t.Errorf("filter: %+v", last)
		}
		if w := c.get("/staff?type=nonsense"); w.Code != http.StatusBadRequest {
			t.Errorf("bad type: %d", w.Code)
		}
	})

	t.Run("PastTarget", func(t *testing.T) {
		// Submitted Monday 11/16: seven business days end Wednesday 11/25.
		body := c.get("/staff").Body.String()
		if !strings.Contains(body, "end of Wed Nov 25, 2026") || strings.Contains(body, "past target") {
			t.Errorf("queue on Friday:\n%s", body)
		}
		f.now = time.Date(2026, 11, 26, 9, 0, 0, 0, newYork)
		defer func() { f.now = friday }()
		c := f.signIn("Officer Lee")
		if body := c.get("/staff").Body.String(); !strings.Contains(body, "past target") {
			t.Error("not past target on Thursday 11/26")
		}
	})

	t.Run("Search", func(t *testing.T) {
		c.get("/staff")
		w := c.post("/staff/search", url.Values{"q": {"ip 7k3q9d2m"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/staff/requests/"+ref {
			t.Errorf("reference search: %d %s", w.Code, w.Header().Get("Location"))
		}
		for q, check := range map[string]func(bot.RequestFilter) bool{
			"a 12345678":       func(f bot.RequestFilter) bool { return f.ANumber == "A012345678" },
			"IOE-091-234-5678": func(f bot.RequestFilter) bool { return f.Receipt == "IOE0912345678" },
			"(202) 555-0101":   func(f bot.RequestFilter) bool { return f.Phone == "+12025550101" },
			"12345678":         func(f bot.RequestFilter) bool { return f.ANumber == "A012345678" },
			"+1 202 555 0101 ": func(f bot.RequestFilter) bool { return f.Phone == "+12025550101" },
		} {
			w := c.post("/staff/search", url.Values{"q": {q}})
			last := f.store.filters[len(f.store.filters)-1]
			if w.Code != http.StatusOK || !check(last) || last.Status != "" || !strings.Contains(w.Body.String(), ref) {
				t.Errorf("search %q: %d, filter %+v", q, w.Code, last)
			}
		}
		if w := c.post("/staff/search", url.Values{"q": {"hello"}}); w.Code != http.StatusBadRequest {
			t.Errorf("search for words: %d", w.Code)
		}
	})
}

// TestQueueBacklog: with more requests than a page holds, the first page
// has the ones due soonest of all, whatever their age, and the pages
// together show every request once.
func TestQueueBacklog(t *testing.T) {
	const pageSize = 100 // the console's queueLimit
	f := newFixture(t)
	// 150 ADIT requests submitted Monday 11/16 (due the end of Wednesday
	// 11/25), then an Emergency Advance Parole one this Friday, due within
	// 48 hours: sooner than all of them, and newer.
	var backlog []bot.Request
	for i := range 150 {
		r := f.store.req
		r.ID = int64(10 + i)
		r.Reference = fmt.Sprintf("IP-A%07d", i)
		backlog = append(backlog, r)
	}
	eap := f.store.req
	eap.ID, eap.Reference, eap.Type, eap.SubmittedAt = 500, "IP-E0000001", flows.TypeEAP, friday.Add(-time.Hour)
	f.store.backlog = append(backlog, eap)
	c := f.signIn("Officer Lee")

	for _, tc := range []struct {
		name, path string
		first      string // the reference the first page starts with
		pages      []int  // how many requests each page shows
	}{
		{"All", "/staff", eap.Reference, []int{pageSize, 51}},
		{"ADIT", "/staff?status=submitted&type=adit", "IP-A0000000", []int{pageSize, 50}},
		{"EAP", "/staff?status=submitted&type=eap", eap.Reference, []int{1}},
		// Cursors that are not ids start at the oldest.
		{"BadCursors", "/staff?status=submitted&after_adit=x&after_eap=-3&after_ij=", eap.Reference, []int{pageSize, 51}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pages := queuePages(t, c, tc.path)
			var sizes []int
			seen := map[string]int{}
			for _, page := range pages {
				sizes = append(sizes, len(page))
				for _, r := range page {
					seen[r]++
				}
			}
			if !slices.Equal(sizes, tc.pages) {
				t.Errorf("pages of %v requests, want %v", sizes, tc.pages)
			}
			if len(pages) == 0 || len(pages[0]) == 0 || pages[0][0] != tc.first {
				t.Errorf("first page starts with %v, want %s", pages[:min(len(pages), 1)], tc.first)
			}
			for r, n := range seen {
				if n != 1 {
					t.Errorf("%s shown on %d pages", r, n)
				}
			}
		})
	}
}

// queuePages follows the queue's "Show later requests" from path and
// returns the references each page shows, in order.
func queuePages(t *testing.T, c *client, path string) [][]string {
	t.Helper()
	refs := regexp.MustCompile(`IP-[AE][0-9]{7}`)
	more := regexp.MustCompile(`href="(/staff\?[^"]*after_[^"]*)"`)
	var pages [][]string
	for path != "" && len(pages) < 5 {
		w := c.get(path)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, w.Code)
		}
		body := w.Body.String()
		pages = append(pages, slices.Compact(refs.FindAllString(body, -1)))
		path = ""
		if m := more.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	return pages
}

func TestOverview(t *testing.T) {
	f := newFixture(t)
	c := f.signIn("Officer Lee")
	w := c.get("/staff/overview")
	body := w.Body.String()
	if w.Code != http.StatusOK || strings.Count(body, `src="data:image/svg`) != 3 {
		t.Fatalf("overview: %d\n%s", w.Code, body)
	}
	for _, want := range []string{"67%", "2 of 3", "ADIT stamp 3", "Spanish (español) 1", "confirmed 2 (67%)"} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
}

func TestSupervisor(t *testing.T) {
	f := newFixture(t)
	f.officer("Officer Lee", bot.RoleOfficer)
	f.officer("Sam Supervisor", bot.RoleSupervisor)
	lee := f.signInAs("Officer Lee", "/staff")
	sam := f.signInAs("Sam Supervisor", "/staff")

	t.Run("ErrOfficersForSupervisors", func(t *testing.T) {
		for _, path := range []string{"/staff/officers", "/staff/access.csv?from=2026-11-01&to=2026-11-30"} {
			if w := lee.get(path); w.Code != http.StatusForbidden {
				t.Errorf("an officer GET %s: %d", path, w.Code)
			}
		}
		lee.get("/staff")
		if w := lee.post("/staff/officers", url.Values{"name": {"Eve"}, "email": {"eve@agency.gov"}}); w.Code != http.StatusForbidden {
			t.Errorf("an officer invites: %d", w.Code)
		}
		if _, err := f.store.OfficerByEmail(context.Background(), "eve@agency.gov"); !errors.Is(err, bot.ErrNotFound) {
			t.Error("an officer who is not a supervisor invited someone")
		}
	})

	t.Run("Invite", func(t *testing.T) {
		sam.get("/staff/officers")
		w := sam.post("/staff/officers", url.Values{"name": {"Officer Kim"}, "email": {"Kim@Agency.gov"}})
		link := regexp.MustCompile(`https://console\.test/staff/enroll\?t=([A-Z0-9]+)`).FindStringSubmatch(w.Body.String())
		if w.Code != http.StatusOK || link == nil {
			t.Fatalf("invite: %d\n%s", w.Code, w.Body)
		}
		o, err := f.store.Invite(context.Background(), bot.HashToken(link[1]), f.now)
		if err != nil || o.Email != "kim@agency.gov" || o.Role != bot.RoleOfficer {
			t.Errorf("the link's officer: %+v %v", o, err)
		}
		// The enrollment page works without a session, once.
		if w := f.client().get("/staff/enroll?t=" + link[1]); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Welcome, Officer Kim") {
			t.Errorf("enrollment page: %d", w.Code)
		}
		w = sam.post("/staff/officers", url.Values{"name": {""}, "email": {"not an email"}})
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "must be an email address") {
			t.Errorf("a bad invitation: %d\n%s", w.Code, w.Body)
		}
	})

	t.Run("ErrEnrollLink", func(t *testing.T) {
		c := f.client()
		for _, token := range []string{"", "NOTATOKEN"} {
			if w := c.get("/staff/enroll?t=" + token); w.Code != http.StatusGone || !strings.Contains(w.Body.String(), "does not work") {
				t.Errorf("enrollment link %q: %d", token, w.Code)
			}
		}
		_, token, err := bot.NewOfficers(f.store, func() time.Time { return f.now }).Invite(context.Background(), "Officer Late", "late@agency.gov", bot.RoleOfficer)
		if err != nil {
			t.Fatal(err)
		}
		f.now = friday.Add(bot.InviteTTL)
		defer func() { f.now = friday }()
		if w := c.get("/staff/enroll?t=" + token); w.Code != http.StatusGone {
			t.Errorf("a link 24 hours old: %d", w.Code)
		}
		c.get("/staff/sign-in")
		req := httptest.NewRequest(http.MethodPost, origin+"/staff/enroll/begin?t="+token, strings.NewReader("{}"))
		req.Header.Set("X-CSRF-Token", c.csrf)
		req.Header.Set("Origin", origin)
		for _, ck := range c.cookies {
			req.AddCookie(ck)
		}
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, req)
		if w.Code != http.StatusGone {
			t.Errorf("starting a passkey with an expired link: %d %s", w.Code, w.Body)
		}
	})

	t.Run("AccessLogAndExport", func(t *testing.T) {
		lee.get("/staff/requests/" + ref)
		lee.get("/staff")
		lee.post("/staff/search", url.Values{"q": {"A012345678"}})
		w := sam.get("/staff/requests/" + ref)
		access := regexp.MustCompile(`(?s)<section aria-labelledby="access-heading".*?</section>`).FindString(w.Body.String())
		for _, want := range []string{"Officer Lee", "viewed", "found by a search", "Sam Supervisor"} {
			if !strings.Contains(access, want) {
				t.Errorf("the access log lacks %q:\n%s", want, access)
			}
		}
		if strings.Contains(lee.get("/staff/requests/"+ref).Body.String(), "access-heading") {
			t.Error("an officer sees the access log")
		}
		w = sam.get("/staff/access.csv?from=2026-11-20&to=2026-11-20")
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
			t.Fatalf("export: %d %s", w.Code, w.Header().Get("Content-Type"))
		}
		rows, err := csv.NewReader(w.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, r := range rows[1:] {
			seen[r[2]+" "+r[4]]++
		}
		if seen["view Officer Lee"] != 2 || seen["search Officer Lee"] != 1 || seen["view Sam Supervisor"] != 1 || rows[0][0] != "at" {
			t.Errorf("exported rows: %v", rows)
		}
		_, _, accesses := f.store.snapshot()
		if last := accesses[len(accesses)-1]; last.Action != bot.AccessExport || last.Actor.Officer.Name != "Sam Supervisor" {
			t.Errorf("the export is not on record: %+v", last)
		}
		if w := sam.get("/staff/access.csv?from=2026-11-20&to=2025-11-20"); w.Code != http.StatusBadRequest {
			t.Errorf("a period backwards: %d", w.Code)
		}
	})

	t.Run("Disable", func(t *testing.T) {
		lee := f.store.officers[0]
		sam.get("/staff/officers")
		w := sam.post(fmt.Sprintf("/staff/officers/%d/disable", lee.ID), url.Values{})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("disable: %d\n%s", w.Code, w.Body)
		}
		if o, _ := f.store.OfficerByID(context.Background(), lee.ID); o.DisabledAt == nil {
			t.Error("not disabled")
		}
	})
}

func TestAllowedGroups(t *testing.T) {
	f := newFixtureWith(t, func(c *console.Config) { c.OIDC.AllowedGroups = []string{"infopass-staff"} })
	f.officer("Officer Lee", bot.RoleOfficer)
	u := f.user("Officer Lee")
	u.Groups = []string{"everyone"}
	c := f.client()
	if w := c.oidc(u, "/staff", nil); w.Code != http.StatusUnauthorized {
		t.Errorf("an officer outside the allowed groups: %d", w.Code)
	}
	u.Groups = []string{"everyone", "infopass-staff"}
	if w := c.oidc(u, "/staff", nil); w.Code != http.StatusOK {
		t.Errorf("an officer in an allowed group: %d\n%s", w.Code, w.Body)
	}
}

func TestPasskeysPage(t *testing.T) {
	f := newFixture(t)
	lee := f.officer("Officer Lee", bot.RoleOfficer)
	kim := f.officer("Officer Kim", bot.RoleOfficer)
	ctx := context.Background()
	for _, p := range []bot.Passkey{{OfficerID: lee.ID, CredentialID: "a", Label: "Laptop key"}, {OfficerID: lee.ID, CredentialID: "b", Label: "Phone key"},
		{OfficerID: kim.ID, CredentialID: "c", Label: "Kim's key"}} {
		if err := f.store.AddPasskey(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	c := f.signInAs("Officer Lee", "/staff")
	page := c.get("/staff/account").Body.String()
	if !strings.Contains(page, "Laptop key") || !strings.Contains(page, "Phone key") || strings.Contains(page, "Kim") {
		t.Errorf("the passkeys page:\n%s", page)
	}
	if w := c.post("/staff/account/passkeys/3/remove", url.Values{}); w.Code != http.StatusNotFound {
		t.Errorf("removing another officer's passkey: %d", w.Code)
	}
	if w := c.post("/staff/account/passkeys/1/remove", url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", w.Code, w.Body)
	}
	if keys, _ := f.store.Passkeys(ctx, lee.ID); len(keys) != 1 || keys[0].Label != "Phone key" {
		t.Errorf("after removing: %+v", keys)
	}
	if keys, _ := f.store.Passkeys(ctx, kim.ID); len(keys) != 1 {
		t.Errorf("Kim's passkeys: %+v", keys)
	}
}
