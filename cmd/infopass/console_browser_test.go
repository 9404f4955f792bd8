package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"infopass/bot"
	"infopass/webhooks/console"
)

// chromium is Debian's browser, which .ci/run installs.
const chromium = "/usr/bin/chromium"

var consoleShots = flag.String("console-screenshots", "", "also save the README's screenshots of the staff console in this directory (docs)")

// readmeShots are the screenshots README.md shows.
var readmeShots = map[string]bool{"queue": true, "request": true, "overview": true, "request-200": true}

// axeSource is axe-core's axe.min.js (npm axe-core, MPL-2.0), run on each
// page of the console.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// browser drives one headless Chromium tab.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string // where screenshots go
}

// newBrowser starts headless Chromium with a fresh profile. It fails the
// test, never skips it, when Chromium cannot start.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := exec.LookPath(chromium); err != nil {
		t.Fatalf("the console's browser test needs Chromium at %s (apt-get install chromium): %v", chromium, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	// axe-core is injected into pages whose policy allows only their own
	// scripts.
	bypassCSP := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return err
	})
	if err := chromedp.Do(bctx, bypassCSP); err != nil {
		t.Fatalf("start Chromium (%s): %v", chromium, err)
	}
	b := &browser{t: t, ctx: bctx, shots: t.TempDir()}
	t.Cleanup(func() { t.Logf("console screenshots: %s", b.shots) })
	return b
}

// run runs chromedp actions, failing the test with what it was doing.
func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
}

// value runs one action that returns a value.
func value[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
	return v
}

// text returns the text of the first element matching the CSS selector
// sel, as written (not as CSS transforms it).
func (b *browser) text(sel string) string {
	b.t.Helper()
	return value(b, "read "+sel, chromedp.TextContent(chromedp.CSS(sel)))
}

// location returns the tab's URL.
func (b *browser) location() string {
	b.t.Helper()
	return value(b, "read the URL", chromedp.Location())
}

// screenshot saves the whole page as name.png, or only what the window
// shows when view is true.
func (b *browser) screenshot(name string, view bool) {
	b.t.Helper()
	shot := chromedp.FullScreenshot(100)
	if view {
		shot = chromedp.CaptureScreenshot()
	}
	b.save(name, value(b, "screenshot "+name, shot))
}

// save writes a screenshot as console-name.png.
func (b *browser) save(name string, png []byte) {
	b.t.Helper()
	dirs := []string{b.shots}
	if *consoleShots != "" && readmeShots[name] {
		dirs = append(dirs, *consoleShots)
	}
	for _, dir := range dirs {
		if err := os.WriteFile(filepath.Join(dir, "console-"+name+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// checkAccessibility runs axe-core on the page and fails on any serious
// or critical violation.
func (b *browser) checkAccessibility(pageName string) {
	b.t.Helper()
	if !value(b, "inject axe-core", chromedp.Evaluate[bool](axeSource+";typeof axe === 'object'")) {
		b.t.Fatal("axe-core did not load")
	}
	raw := value(b, "run axe-core on "+pageName, chromedp.Evaluate[string](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify({passes: r.passes.length, violations: r.violations}))`,
		chromedp.EvalAwaitPromise))
	var result struct {
		Passes     int            `json:"passes"`
		Violations []axeViolation `json:"violations"`
	}
	if err := json.Unmarshal([]byte(raw), &result); err != nil {
		b.t.Fatalf("axe-core answer: %v", err)
	}
	if result.Passes == 0 {
		b.t.Fatalf("axe-core checked nothing on %s", pageName)
	}
	b.t.Logf("axe-core on %s: %d rules passed, %d violated", pageName, result.Passes, len(result.Violations))
	for _, v := range result.Violations {
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, fmt.Sprint(n.Target...))
		}
		msg := fmt.Sprintf("axe-core on %s: %s (%s): %s at %s", pageName, v.ID, v.Impact, v.Help, strings.Join(targets, ", "))
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Error(msg)
		} else {
			b.t.Log(msg)
		}
	}
}

// virtualAuthenticator gives the tab Chrome's virtual authenticator (the
// DevTools WebAuthn domain): a passkey device that says yes at once.
func (b *browser) virtualAuthenticator() {
	b.t.Helper()
	b.run("add a virtual authenticator", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
		return err
	}))
}

// TestConsoleInBrowser works the whole callback loop in the staff console
// in headless Chromium: a supervisor invited with `infopass officer
// invite` opens the enrollment link, makes a passkey with Chrome's virtual
// authenticator and is signed in; filters the queue, opens a request filed
// by text, offers a callback, sees the fake Twilio API get the text,
// answers YES by text, reloads and sees it confirmed; signs out and in
// again with the passkey. The used link is refused, and so is an expired
// one. axe-core checks every page.
func TestConsoleInBrowser(t *testing.T) {
	start := time.Now()
	h := newHarness(t)
	applicant := "+12025550301"
	ref := h.fileApplicant(applicant)
	eap := h.fileRepresentative("+12025550302", "60601", true)
	// Monday: the Emergency Advance Parole request is past its 48 hours.
	h.advance(3 * 24 * time.Hour)
	link := h.cli("officer", "invite", "Officer Rivera", "rivera@agency.gov", "-role", "supervisor")
	// Passkeys are for localhost: browsers refuse an IP address as their
	// relying party, so the link of a loopback PUBLIC_URL says localhost.
	base := strings.Replace(h.base, "127.0.0.1", "localhost", 1)
	if !strings.HasPrefix(link, base+"/staff/enroll?t=") {
		t.Fatalf("infopass officer invite printed %q", link)
	}
	b := newBrowser(t)
	b.virtualAuthenticator()

	// Nothing without a session: the queue sends to the sign-in page.
	b.run("open the console", chromedp.Navigate(base+"/staff"), chromedp.WaitVisible(chromedp.CSS("#sign-in-passkey")))
	if u := b.location(); !strings.Contains(u, "/staff/sign-in") {
		t.Fatalf("without a session /staff went to %s", u)
	}
	b.checkAccessibility("sign-in")
	b.screenshot("sign-in", false)

	b.run("open the enrollment link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#enroll-passkey")))
	b.checkAccessibility("enroll")
	b.screenshot("enroll", false)
	b.run("make a passkey",
		chromedp.Click(chromedp.CSS("#enroll-passkey")),
		chromedp.WaitVisible(chromedp.CSS("table.console-queue")))
	if s := b.text("header.console-header"); !strings.Contains(s, "Signed in as Officer Rivera") {
		t.Errorf("after enrolling: %s", s)
	}
	b.run("the link again", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#enroll-invalid")))
	b.run("back to the queue", chromedp.Navigate(base+"/staff"), chromedp.WaitVisible(chromedp.CSS("table.console-queue")))
	queue := b.text("table.console-queue")
	if !strings.Contains(queue, ref) || !strings.Contains(queue, eap) || strings.Count(queue, "past target") != 1 {
		t.Fatalf("the queue lacks %s, %s or the EAP's past target:\n%s", ref, eap, queue)
	}
	if strings.Index(queue, eap) > strings.Index(queue, ref) {
		t.Errorf("the queue does not show the soonest due first:\n%s", queue)
	}
	b.checkAccessibility("queue")
	b.screenshot("queue", false)

	b.run("filter the queue by type",
		chromedp.SetValue(chromedp.CSS("#type"), "adit"),
		chromedp.Click(chromedp.CSS(`form.console-filters button[type=submit]`)),
		chromedp.WaitReady(chromedp.CSS(`select#type option[value="adit"][selected]`)),
		chromedp.WaitVisible(chromedp.CSS("table.console-queue")))
	queue = b.text("table.console-queue")
	if !strings.Contains(queue, ref) || strings.Contains(queue, eap) || !strings.Contains(b.location(), "type=adit") {
		t.Fatalf("the queue filtered to ADIT shows:\n%s", queue)
	}
	b.screenshot("queue-filtered", false)

	b.run("open the request",
		chromedp.Click(chromedp.CSS(`a[href="/staff/requests/`+ref+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#offers-heading")))
	answers := b.text("section[aria-labelledby=answers-heading]")
	for _, want := range []string{"Jane Doe", "Jul 21, 1990", "A012345678", "IOE0912345678", "(202) 555-0301", "ADIT stamp", "Dec 10, 2026"} {
		if !strings.Contains(answers, want) {
			t.Errorf("the request page lacks %q:\n%s", want, answers)
		}
	}
	if msgs := b.text("#messages"); !strings.Contains(msgs, "Jane Doe") || !strings.Contains(msgs, "Bot") {
		t.Errorf("the message history lacks the conversation:\n%s", msgs)
	}
	if zone := b.text("#offer-zone"); !strings.Contains(zone, "Eastern Time") {
		t.Errorf("the offer form does not show the contact's time zone: %s", zone)
	}
	b.checkAccessibility("request")

	b.run("offer a callback",
		chromedp.SetValue(chromedp.CSS("#offer-date"), "2026-11-30"),
		chromedp.SetValue(chromedp.CSS("#offer-start"), "09:00"),
		chromedp.SetValue(chromedp.CSS("#offer-end"), "11:00"),
		chromedp.Click(chromedp.CSS(`form[action$="/offers"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".usa-alert--success")))
	if offers := b.text("#offers"); !strings.Contains(offers, "awaiting answer") || !strings.Contains(offers, "Mon Nov 30, 2026 9:00 AM to 11:00 AM EST") {
		t.Errorf("after the offer:\n%s", offers)
	}
	eventually(t, "the fake Twilio API gets the offer text", func() bool { return h.sentTo(applicant) == 1 })
	if m := h.twilio.Messages()[len(h.twilio.Messages())-1]; m.To != applicant || !strings.Contains(m.Body, ref) {
		t.Errorf("sent %+v", m)
	}

	if reply := h.text(applicant, "YES"); !strings.Contains(reply, "An officer will call you") {
		t.Errorf("reply to YES: %s", reply)
	}
	b.run("reload the request", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#offers-heading")))
	if offers := b.text("#offers"); !strings.Contains(offers, "confirmed") {
		t.Errorf("after YES the offer is not confirmed:\n%s", offers)
	}
	if msgs := b.text("#messages"); !strings.Contains(msgs, "Offer text") || !strings.Contains(msgs, "YES") {
		t.Errorf("the message history lacks the offer and its answer:\n%s", msgs)
	}
	value(b, "scroll to the top", chromedp.Evaluate[bool](`window.scrollTo(0, 0), true`))
	b.screenshot("request", true)
	b.screenshot("request-full", false)

	b.run("open the overview", chromedp.Navigate(base+"/staff/overview"),
		chromedp.WaitVisible(chromedp.CSS("img.console-chart__image")))
	charts := value(b, "count charts", chromedp.Evaluate[int](`[...document.querySelectorAll("img.console-chart__image")].filter(i => i.complete && i.naturalWidth > 0).length`))
	if charts != 3 {
		t.Errorf("%d charts drawn, want 3", charts)
	}
	b.checkAccessibility("overview")
	b.screenshot("overview", false)

	// 200% zoom: the same pages in half the width, at twice the scale.
	b.run("zoom to 200%", chromedp.EmulateViewport(640, 900, chromedp.EmulateScale(2)))
	b.run("queue at 200%", chromedp.Navigate(base+"/staff"), chromedp.WaitVisible(chromedp.CSS("table.console-queue")))
	b.checkAccessibility("queue at 200%")
	b.screenshot("queue-200", true)
	b.save("queue-200-rows", value(b, "screenshot the requests at 200%", chromedp.Screenshot(chromedp.CSS("table.console-queue"))))
	b.run("request at 200%", chromedp.Navigate(base+"/staff/requests/"+ref), chromedp.WaitVisible(chromedp.CSS("#offers-heading")))
	b.screenshot("request-200", true)
	b.save("request-200-offers", value(b, "screenshot the offers at 200%", chromedp.Screenshot(chromedp.CSS("#offers"))))
	if value(b, "measure", chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)) {
		t.Error("at 200% zoom the request page scrolls sideways")
	}
	b.run("back to 100%", chromedp.EmulateViewport(1280, 900))

	b.run("sign out",
		chromedp.Click(chromedp.CSS(`form[action="/staff/sign-out"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#sign-in-passkey")))
	if s := b.text("main"); !strings.Contains(s, "You are signed out") {
		t.Errorf("after signing out: %s", s)
	}
	b.run("the request after signing out", chromedp.Navigate(base+"/staff/requests/"+ref), chromedp.WaitVisible(chromedp.CSS("#sign-in-passkey")))
	b.run("sign in with the passkey",
		chromedp.Click(chromedp.CSS("#sign-in-passkey")),
		chromedp.WaitVisible(chromedp.CSS("#offers-heading")))
	if u := b.location(); !strings.HasSuffix(u, "/staff/requests/"+ref) {
		t.Errorf("after signing in with the passkey: %s", u)
	}
	// A supervisor sees the request's access log.
	if access := b.text("#access"); !strings.Contains(access, "Officer Rivera") || !strings.Contains(access, "offered a callback") {
		t.Errorf("the access log:\n%s", access)
	}
	b.run("your passkeys", chromedp.Navigate(base+"/staff/account"), chromedp.WaitVisible(chromedp.CSS("#passkeys")))
	if keys := b.text("#passkeys"); !strings.Contains(keys, "Chrome") {
		t.Errorf("the passkeys page:\n%s", keys)
	}
	b.checkAccessibility("account")

	// An expired link is refused: 24 hours after it was made.
	// (Made through the store with the server's clock, which the test
	// moves; the command reads the machine's.)
	_, token, err := bot.NewOfficers(h.db, h.now).Invite(context.Background(), "Officer Late", "late@agency.gov", bot.RoleOfficer)
	if err != nil {
		t.Fatal(err)
	}
	late := console.EnrollURL(h.base, token)
	h.advance(bot.InviteTTL)
	b.run("sign out for the late link",
		chromedp.Click(chromedp.CSS(`form[action="/staff/sign-out"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#sign-in-passkey")))
	b.run("an expired link", chromedp.Navigate(late), chromedp.WaitVisible(chromedp.CSS("#enroll-invalid")))

	log, err := h.db.AccessLog(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, a := range log {
		if a.Actor.Officer.Name != "Officer Rivera" || a.Actor.Officer.Session == "" {
			t.Errorf("audit line of someone else: %+v", a)
		}
		actions[a.Action]++
	}
	if actions[bot.AccessView] < 3 || actions[bot.AccessOffer] != 1 {
		t.Errorf("audit trail: %v", actions)
	}
	t.Logf("browser test took %s", time.Since(start).Round(time.Millisecond))
}
