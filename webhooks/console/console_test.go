package console_test

import (
	"context"
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

	"infopass/bot"
	"infopass/flows"
	"infopass/locales"
	"infopass/webhooks/console"
)

const (
	token  = "staff-token"
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
	ended   map[string]time.Time // sessions signed out, and when they expire
	// sessionErr, when set, is what EndSession and SessionEnded return.
	sessionErr error
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
		// By id, oldest first, as the queue asks.
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

func (s *store) WithRequest(ctx context.Context, reference string, now time.Time, fn func(bot.RequestTx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if reference != s.req.Reference {
		return bot.ErrNotFound
	}
	tx := &tx{s: s, now: now, offers: slices.Clone(s.offers), queued: slices.Clone(s.queued),
		events: slices.Clone(s.events), accesses: slices.Clone(s.accesses), status: s.req.Status}
	if err := fn(tx); err != nil {
		return err // rolled back: nothing is kept
	}
	s.offers, s.queued, s.events, s.accesses, s.req.Status = tx.offers, tx.queued, tx.events, tx.accesses, tx.status
	return nil
}

func (s *store) Overview(ctx context.Context, from, to time.Time, zone *time.Location) (bot.Overview, error) {
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
func (t *tx) Participant(phone string) (bot.Participant, error) {
	return bot.Participant{Phone: phone}, nil
}
func (t *tx) Offers() ([]bot.CallbackOffer, error) { return t.offers, nil }
func (t *tx) SaveOffer(o *bot.CallbackOffer) error {
	if o.ID == 0 {
		o.ID = int64(len(t.offers) + 1)
		t.offers = append(t.offers, *o)
		return nil
	}
	t.offers[o.ID-1] = *o
	return nil
}
func (t *tx) Enqueue(m *bot.OutboxMessage) error { t.queued = append(t.queued, *m); return nil }
func (t *tx) CancelQueued(int64) error           { return nil }
func (t *tx) SetStatus(status, note, actor string) error {
	t.status = status
	t.events = append(t.events, bot.RequestEvent{Status: status, Note: note, Actor: actor, At: t.now})
	return nil
}
func (t *tx) Events() ([]bot.RequestEvent, error) { return t.events, nil }
func (t *tx) History() ([]bot.HistoryMessage, error) {
	return []bot.HistoryMessage{
		{At: t.s.req.SubmittedAt, Direction: "in", Channel: bot.SMS, Body: "yes"},
		{At: t.s.req.SubmittedAt, Direction: "out", Channel: bot.SMS, Body: "Sent. Your request number is " + ref},
	}, nil
}
func (t *tx) RecordAccess(who bot.Officer, action string) error {
	t.accesses = append(t.accesses, bot.Access{Reference: t.s.req.Reference, Officer: who, Action: action, At: t.now})
	return nil
}

// fixture is the console over an in-memory store, with a clock tests move.
type fixture struct {
	t     *testing.T
	store *store
	h     http.Handler
	now   time.Time
	woken int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	catalog, err := bot.LoadCatalog(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, store: newStore(), now: friday}
	clock := func() time.Time { return f.now }
	gin.SetMode(gin.TestMode)
	r := gin.New()
	console.Register(r, console.Config{
		Staff:     bot.NewStaff(f.store, catalog, clock, func() { f.woken++ }, flows.Regions{}),
		Token:     token,
		PublicURL: origin,
		Zone:      newYork,
		Now:       clock,
	})
	f.h = r
	return f
}

// client is a browser: it keeps cookies and sends the console's origin.
type client struct {
	f       *fixture
	cookies map[string]*http.Cookie
	csrf    string // the token of the last page that had a form
}

func (f *fixture) client() *client { return &client{f: f, cookies: map[string]*http.Cookie{}} }

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

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

// signIn signs in as name and returns the client.
func (f *fixture) signIn(name string) *client {
	f.t.Helper()
	c := f.client()
	c.get("/staff/sign-in")
	w := c.post("/staff/sign-in", url.Values{"name": {name}, "token": {token}, "next": {"/staff"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/staff" {
		f.t.Fatalf("sign in: %d %s\n%s", w.Code, w.Header().Get("Location"), w.Body)
	}
	return c
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

	t.Run("ErrWrongToken", func(t *testing.T) {
		c := f.client()
		c.get("/staff/sign-in")
		w := c.post("/staff/sign-in", url.Values{"name": {"Officer Lee"}, "token": {"guess"}})
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "staff token is not right") {
			t.Errorf("wrong token: %d\n%s", w.Code, w.Body)
		}
		if _, ok := c.cookies["infopass_staff"]; ok {
			t.Error("a session for a wrong token")
		}
	})

	t.Run("ErrNoName", func(t *testing.T) {
		c := f.client()
		c.get("/staff/sign-in")
		if w := c.post("/staff/sign-in", url.Values{"name": {"  "}, "token": {token}}); w.Code != http.StatusBadRequest {
			t.Errorf("no name: %d", w.Code)
		}
	})

	t.Run("OK", func(t *testing.T) {
		c := f.signIn("Officer Lee")
		ck := c.cookies["infopass_staff"]
		if ck == nil || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteStrictMode || ck.MaxAge != 8*3600 || ck.Path != "/staff" {
			t.Fatalf("session cookie: %+v", ck)
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
	})

	t.Run("NextIsLocal", func(t *testing.T) {
		for next, want := range map[string]string{
			"/staff/overview":       "/staff/overview",
			"https://evil.example/": "/staff",
			"//evil.example/staff":  "/staff",
			"/elsewhere":            "/staff",
			`/staff\..\x`:           "/staff",
		} {
			c := f.client()
			c.get("/staff/sign-in")
			w := c.post("/staff/sign-in", url.Values{"name": {"Officer Lee"}, "token": {token}, "next": {next}})
			if got := w.Header().Get("Location"); got != want {
				t.Errorf("next %q: sent to %q, want %q", next, got, want)
			}
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
		for _, want := range []string{"Jane Doe", "A012345678", "12/10/2026", "Eastern Time (America/New_York)", "Sent. Your request number is", "end of Wed 11/25/2026"} {
			if !strings.Contains(body, want) {
				t.Errorf("request page lacks %q", want)
			}
		}
		_, _, accesses := f.store.snapshot()
		if len(accesses) != 1 || accesses[0].Action != bot.AccessView || accesses[0].Officer.Name != "Officer Lee" || accesses[0].Officer.Session == "" || !accesses[0].At.Equal(friday) {
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
		if last := accesses[len(accesses)-1]; last.Action != bot.AccessOffer || last.Officer.Name != "Officer Lee" {
			t.Errorf("audit: %+v", last)
		}
		page := c.get("/staff/requests/" + ref + "?done=offer").Body.String()
		if !strings.Contains(page, "Callback offered") || !strings.Contains(page, "Mon 11/30/2026 9:00 AM to 11:00 AM EST") {
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
		if !strings.Contains(body, "end of Wed 11/25/2026") || strings.Contains(body, "past target") {
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
