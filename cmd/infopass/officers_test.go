package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"infopass/bot"
	"infopass/webhooks/console"
)

// TestRetiredSettings: serve stops, saying what replaces them, while
// STAFF_TOKEN or STAFF_SESSION_KEY is set.
func TestRetiredSettings(t *testing.T) {
	for name, want := range map[string]string{
		"STAFF_TOKEN":       "infopass api-token create NAME",
		"STAFF_SESSION_KEY": "infopass rotate-session-key",
	} {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{name: "old-secret-value-of-the-shared-kind", "PUBLIC_URL": "https://infopass.test", "TWILIO_AUTH_TOKEN": testToken}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), name+" is retired") || !strings.Contains(err.Error(), want) {
				t.Errorf("serve with %s: %v", name, err)
			}
		})
	}
}

// cliErr runs an infopass command against the harness's database and
// returns its error and output.
func (h *harness) cliErr(args ...string) (string, error) {
	env := map[string]string{"DATABASE_URL": h.dbURL, "DATA_KEY": base64.StdEncoding.EncodeToString(testDataKey), "PUBLIC_URL": "https://infopass.test"}
	var stdout bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, io.Discard)
	return stdout.String(), err
}

// TestOfficerCommands: infopass officer and api-token, as an operator
// types them.
func TestOfficerCommands(t *testing.T) {
	h := newHarness(t)
	out, err := h.cliErr("officer", "invite", "Officer Kim", "Kim@Agency.gov", "-role", "supervisor")
	if err != nil || !strings.Contains(out, "invited Officer Kim (kim@agency.gov) as supervisor") ||
		!strings.Contains(out, "https://infopass.test/staff/enroll?t=") {
		t.Fatalf("invite: %v\n%s", err, out)
	}
	for _, bad := range [][]string{
		{"officer", "invite", "Officer Kim"},
		{"officer", "invite", "", "x@agency.gov"},
		{"officer", "invite", "Eve", "not-an-email"},
		{"officer", "invite", "Eve", "eve@agency.gov", "-role", "admin"},
		{"officer", "disable", "nobody@agency.gov"},
		{"officer", "fire", "kim@agency.gov"},
		{"api-token", "create", "Bad Name"},
		{"api-token", "create", "ok-name", "-expires", "soon"},
		{"api-token", "revoke", "never-made"},
	} {
		if out, err := h.cliErr(bad...); err == nil {
			t.Errorf("infopass %s: no error\n%s", strings.Join(bad, " "), out)
		}
	}
	if list, _ := h.officers(); len(list) != 1 {
		t.Errorf("officers after refused invitations: %+v", list)
	}
	out, err = h.cliErr("officer", "list")
	if err != nil || !strings.Contains(out, "kim@agency.gov") || !strings.Contains(out, "supervisor") {
		t.Errorf("list: %v\n%s", err, out)
	}
	if out, err := h.cliErr("officer", "disable", "KIM@agency.gov"); err != nil || !strings.Contains(out, "disabled kim@agency.gov") {
		t.Errorf("disable: %v\n%s", err, out)
	}
	if list, _ := h.officers(); len(list) != 1 || list[0].DisabledAt == nil {
		t.Errorf("after disable: %+v", list)
	}

	out, err = h.cliErr("api-token", "create", "crm-sync", "-expires", "12h")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	if err != nil || !strings.HasPrefix(token, "ipa_") || strings.Contains(token, " ") {
		t.Fatalf("create: %v\n%s", err, out)
	}
	if _, err := h.cliErr("api-token", "create", "crm-sync"); err == nil || !strings.Contains(err.Error(), "revoke it first") {
		t.Errorf("a second live token of one client: %v", err)
	}
	if out, err := h.cliErr("api-token", "list"); err != nil || !strings.Contains(out, "crm-sync") || strings.Contains(out, token) {
		t.Errorf("list: %v\n%s", err, out)
	}
	if status, _ := h.api("GET", "/api/requests", "", token); status != http.StatusOK {
		t.Errorf("a new token: %d", status)
	}
	if _, err := h.cliErr("api-token", "revoke", "crm-sync"); err != nil {
		t.Fatal(err)
	}
	if status, _ := h.api("GET", "/api/requests", "", token); status != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d", status)
	}
}

func (h *harness) officers() ([]bot.Officer, error) {
	return bot.NewOfficers(h.db, nil).List(context.Background())
}

// TestAPIAccessLog: every API read and change of a request's personal data
// is on record with the client's name, and GET /api/requests/{ref}/access
// returns it; an expired token gets 401.
func TestAPIAccessLog(t *testing.T) {
	h := newHarness(t)
	ref := h.fileApplicant("+12025550240")
	h.fileApplicant("+12025550241")
	token, _, err := bot.NewOfficers(h.db, h.now).CreateAPIToken(context.Background(), "short-lived", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	h.api("GET", "/api/requests/"+ref, "", h.apiToken)
	h.api("GET", "/api/requests/"+ref+"/callback-offers", "", h.apiToken)
	h.api("GET", "/api/requests?a_number=A012345678", "", h.apiToken)
	h.api("GET", "/api/requests", "", h.apiToken) // no personal identifier: no search rows
	status, out := h.api("POST", "/api/requests/"+ref+"/status", `{"status":"scheduled"}`, token)
	if status != http.StatusOK {
		t.Fatalf("status: %d %v", status, out)
	}
	events := out["events"].([]any)
	if actor := events[len(events)-1].(map[string]any)["actor"]; actor != "API client short-lived" {
		t.Errorf("the status change's actor: %v", actor)
	}
	status, out = h.api("GET", "/api/requests/"+ref+"/access", "", h.apiToken)
	if status != http.StatusOK {
		t.Fatalf("access: %d %v", status, out)
	}
	var got []string
	for _, a := range out["access"].([]any) {
		a := a.(map[string]any)
		got = append(got, fmt.Sprint(a["api_client"], " ", a["action"]))
	}
	want := []string{"e2e-tests view", "e2e-tests view", "e2e-tests search", "short-lived status"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("access log %q, want %q", got, want)
	}
	h.advance(time.Hour)
	if status, _ := h.api("GET", "/api/requests", "", token); status != http.StatusUnauthorized {
		t.Errorf("an expired token: %d", status)
	}
}

// TestReplicasShareSessions: an officer signed in through single sign-on
// on one replica is signed in on the others (they share the session key
// in the database); disabling them ends the session at the next page on
// any replica, and rotate-session-key signs everyone out.
func TestReplicasShareSessions(t *testing.T) {
	h := newHarness(t)
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	ic := idp.Config()
	h.tune = func(c *config) {
		c.OIDC = &console.OIDCConfig{Issuer: ic.Issuer, ClientID: ic.ClientID, ClientSecret: ic.ClientSecret}
	}
	r := h.startReplicas(3)
	if _, err := h.cliErr("officer", "invite", "Officer Lee", "lee@agency.gov"); err != nil {
		t.Fatal(err)
	}
	session := r.signIn(t, idp, &mockoidc.MockUser{Subject: "lee", Email: "lee@agency.gov", EmailVerified: true})
	for i := range 3 {
		if status := r.page(t, i, session); status != http.StatusOK {
			t.Errorf("the session on replica %d: %d", i, status)
		}
	}
	if _, err := h.cliErr("officer", "disable", "lee@agency.gov"); err != nil {
		t.Fatal(err)
	}
	if status := r.page(t, 2, session); status != http.StatusSeeOther {
		t.Errorf("a disabled officer's next page on another replica: %d", status)
	}

	if _, err := h.cliErr("officer", "invite", "Officer Kim", "kim@agency.gov"); err != nil {
		t.Fatal(err)
	}
	session = r.signIn(t, idp, &mockoidc.MockUser{Subject: "kim", Email: "kim@agency.gov", EmailVerified: true})
	if status := r.page(t, 1, session); status != http.StatusOK {
		t.Fatalf("Kim's session: %d", status)
	}
	if out, err := h.cliErr("rotate-session-key"); err != nil || !strings.Contains(out, "session key 2 is current") {
		t.Fatalf("rotate-session-key: %v %s", err, out)
	}
	for i := range 3 {
		if status := r.page(t, i, session); status != http.StatusSeeOther {
			t.Errorf("after rotate-session-key, replica %d: %d", i, status)
		}
	}
	// A new sign-in works on every replica with the new key.
	session = r.signIn(t, idp, &mockoidc.MockUser{Subject: "kim", Email: "kim@agency.gov", EmailVerified: true})
	for i := range 3 {
		if status := r.page(t, i, session); status != http.StatusOK {
			t.Errorf("a new session on replica %d: %d", i, status)
		}
	}
}

// noRedirect is a client that returns redirects rather than follows them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// signIn signs user in through single sign-on on replica 0 and returns the
// session cookie. Cookies are passed by hand: they are Secure, for the
// replicas' https PUBLIC_URL.
func (r *replicas) signIn(t *testing.T, idp *mockoidc.MockOIDC, user mockoidc.User) *http.Cookie {
	t.Helper()
	resp, err := noRedirect.Get(r.addrs[0] + "/staff/oidc/start")
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("start: %v %v", resp, err)
	}
	resp.Body.Close()
	var ceremony *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "infopass_ceremony" {
			ceremony = ck
		}
	}
	idp.QueueUser(user)
	resp, err = noRedirect.Get(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("identity provider: %v %v", resp, err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || ceremony == nil {
		t.Fatalf("back from the identity provider: %v, ceremony %v", err, ceremony)
	}
	req, _ := http.NewRequest(http.MethodGet, r.addrs[0]+back.RequestURI(), nil)
	req.AddCookie(ceremony)
	resp, err = noRedirect.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("callback: %v %v", resp, err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "infopass_staff" {
			return ck
		}
	}
	t.Fatal("no session cookie after signing in")
	return nil
}

// page gets the queue from replica i with the session cookie.
func (r *replicas) page(t *testing.T, i int, session *http.Cookie) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.addrs[i]+"/staff", nil)
	req.AddCookie(session)
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestOIDCSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		ok   bool
	}{
		{"None", map[string]string{}, true},
		{"All", map[string]string{"OIDC_ISSUER": "https://login.agency.gov", "OIDC_CLIENT_ID": "infopass", "OIDC_CLIENT_SECRET": "s", "OIDC_ALLOWED_GROUPS": "a, b"}, true},
		{"LoopbackHTTP", map[string]string{"OIDC_ISSUER": "http://127.0.0.1:5556", "OIDC_CLIENT_ID": "infopass", "OIDC_CLIENT_SECRET": "s"}, true},
		{"ErrPlainHTTP", map[string]string{"OIDC_ISSUER": "http://login.agency.gov", "OIDC_CLIENT_ID": "infopass", "OIDC_CLIENT_SECRET": "s"}, false},
		{"ErrNoSecret", map[string]string{"OIDC_ISSUER": "https://login.agency.gov", "OIDC_CLIENT_ID": "infopass"}, false},
		{"ErrGroupsAlone", map[string]string{"OIDC_ALLOWED_GROUPS": "a"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := readConfig(func(k string) string { return tc.env[k] })
			if (err == nil) != tc.ok {
				t.Fatalf("readConfig: %v", err)
			}
			if tc.name == "All" && (c.OIDC == nil || len(c.OIDC.AllowedGroups) != 2 || c.OIDC.AllowedGroups[1] != "b") {
				t.Errorf("OIDC: %+v", c.OIDC)
			}
		})
	}
}
