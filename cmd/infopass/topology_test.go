package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"infopass/bot"
	"infopass/bot/postgres"
	"infopass/bot/twilioapi/twiliotest"
	"infopass/bot/vault"
	"infopass/flows"
)

// topologyEnv switches TestTopology on: it needs nginx, PgBouncer and the
// PostgreSQL binaries, starts a dozen processes and takes a minute or two.
const topologyEnv = "INFOPASS_TOPOLOGY"

// TestTopology runs the service as in production, on loopback: nginx in
// front of three `infopass serve` processes, each PostgreSQL server behind
// its own PgBouncer in transaction pooling mode, a primary and a
// synchronous hot standby (scripts/topology.sh). Signed texts and calls go
// through nginx, with duplicate deliveries and concurrent turns landing on
// different replicas, and staff offer callbacks that the replicas' outbox
// workers text through a fake Twilio. Midway the primary is stopped hard
// and the standby promoted. No turn that was answered is missing
// afterwards, no text goes out twice, and the figures are printed.
func TestTopology(t *testing.T) {
	if os.Getenv(topologyEnv) != "1" {
		t.Skipf("set %s=1 to run the production topology (nginx, PgBouncer, a primary and a synchronous standby; see scripts/topology.sh)", topologyEnv)
	}
	fake := twiliotest.New()
	t.Cleanup(fake.Close)
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	setupStart := time.Now()
	topo := startTopology(t, fake.URL, idp.Config())
	setup := time.Since(setupStart)
	store := topo.store(t)
	ctx := context.Background()
	load := newTopologyLoad(topo)

	// Officers' sessions hold on every replica (one session key, in the
	// database), and disabling an officer ends them on every replica.
	topo.sharedSessions(t, store, idp)

	// Concurrent turns of one number, spread by nginx over the replicas,
	// run one at a time: each makes exactly one transition.
	concurrent := map[string]int{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for n := range 3 {
		from := fmt.Sprintf("+12025557%03d", n)
		for range 6 {
			wg.Go(func() {
				if _, ok := load.textOnce(from, newMessageSid(), "1"); ok {
					mu.Lock()
					concurrent[from]++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	for from, answered := range concurrent {
		c, err := store.OpenConversation(ctx, from)
		if err != nil || c.Version != answered {
			t.Errorf("%d concurrent turns answered, conversation %+v %v", answered, c, err)
		}
	}

	// The run: people text and call, staff offer callbacks for what they
	// file; the primary fails midway.
	load.start = time.Now()
	runCtx, stop := context.WithCancel(ctx)
	var workers sync.WaitGroup
	for i := range 12 {
		workers.Go(func() { load.texter(runCtx, i) })
	}
	for i := range 3 {
		workers.Go(func() { load.caller(runCtx, i) })
	}
	staffDone := make(chan struct{})
	go func() {
		defer close(staffDone)
		load.staff()
	}()

	finish := func() {
		stop()
		workers.Wait()
		close(load.filed)
		<-staffDone
	}
	time.Sleep(12 * time.Second)
	load.failoverAt.Store(time.Now().UnixNano())
	failoverStart := time.Now()
	if err := topo.run(t, "failover", nil); err != nil {
		finish()
		t.Fatal(err)
	}
	promoted := time.Since(failoverStart)
	time.Sleep(15 * time.Second)
	finish()
	ranFor := time.Since(load.start)

	// Every offer's text goes out, once, though the database failed over
	// under the outbox workers.
	waitStart := time.Now()
	deadline := waitStart.Add(100 * time.Second) // a lease of a text sent as the primary died is a minute
	for _, ref := range load.offered() {
		for {
			if topo.offerSent(t, ref) {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("the offer of %s was not texted", ref)
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	outboxWait := time.Since(waitStart)
	time.Sleep(2 * time.Second) // the workers poll every second: a second send would be out by now
	sent := map[string]int{}
	for _, m := range fake.Messages() {
		sent[m.To+"\x00"+m.Body]++
	}
	duplicateTexts := 0
	for _, n := range sent {
		duplicateTexts += n - 1
	}

	// Every answered turn, every filed request is in the promoted standby.
	lostTurns, lostRequests := 0, 0
	for phone, ids := range load.answeredByPhone() {
		msgs, err := store.Messages(ctx, phone)
		if err != nil {
			t.Fatalf("messages after the failover: %v", err)
		}
		stored := map[string]bool{}
		for _, m := range msgs {
			if m.Direction == "in" {
				stored[m.ProviderID] = true
			}
		}
		for _, id := range ids {
			if !stored[id] {
				lostTurns++
			}
		}
	}
	for _, ref := range load.filedRefs() {
		if _, err := store.Request(ctx, ref); err != nil {
			lostRequests++
		}
	}

	perReplica := topo.turnsPerReplica(t)
	s := &load.stats
	lastFailure := load.recovery()
	figures := fmt.Sprintf(`topology figures (3 replicas behind nginx, PgBouncer %s in transaction pooling, default_query_exec_mode=%s, synchronous standby):
  setup                       %.1f s (go build, initdb, pg_basebackup, migrate, start)
  run                         %.1f s, primary stopped and standby promoted at %.1f s (took %d ms)
  turns answered              %d (%d SMS, %d voice; %.1f turns/s over the run)
  turns per replica (ok)      %s
  duplicate deliveries        %d, answered differently: %d
  concurrent turns            %d of 18 answered (3 numbers, 6 at once each), one transition each
  texts with an apology       %d (sent again)
  failed deliveries           %d (no answer or a status other than 200: Twilio retries the same MessageSid)
  empty answers               %d (a number over its rate limit)
  calls completed             %d, sent to a person by the outage: %d
  requests filed              %d, callback offers texted %d (all recorded as sent %.1f s after the run)
  seconds to recover          %.1f (from the primary's stop to the last turn that failed); %d turns answered after the stop
  turns lost                  %d (answered, yet missing after the failover); requests lost %d
  duplicate outbound texts    %d (of %d sent)
  unexpected replies          %d`,
		topo.env["PGBOUNCER_VERSION"], topo.env["QUERY_EXEC_MODE"], setup.Seconds(), ranFor.Seconds(), time.Duration(load.failoverAt.Load()-load.start.UnixNano()).Seconds(), promoted.Milliseconds(),
		s.answered.Load(), s.answeredSMS.Load(), s.answered.Load()-s.answeredSMS.Load(), float64(s.answered.Load())/ranFor.Seconds(),
		perReplica,
		s.duplicates.Load(), s.duplicateMismatch.Load(),
		concurrent["+12025557000"]+concurrent["+12025557001"]+concurrent["+12025557002"],
		s.apologies.Load(), s.failed.Load(), s.empty.Load(),
		s.callsCompleted.Load(), s.callsTransferred.Load(),
		len(load.filedRefs()), len(load.offered()), outboxWait.Seconds(),
		lastFailure, load.answeredAfterFailover.Load(),
		lostTurns, lostRequests,
		duplicateTexts, len(fake.Messages()),
		s.unexpected.Load())
	t.Log(figures)
	if path := os.Getenv("INFOPASS_TOPOLOGY_REPORT"); path != "" {
		// CI prints the figures after the suite, which hides the logs of a
		// passing test.
		if err := os.WriteFile(path, []byte(figures+"\n"), 0o644); err != nil {
			t.Error(err)
		}
	}
	if lostTurns != 0 || lostRequests != 0 {
		t.Errorf("%d answered turns and %d filed requests are missing after the failover", lostTurns, lostRequests)
	}
	if duplicateTexts != 0 {
		t.Errorf("%d texts went out twice", duplicateTexts)
	}
	if n := s.duplicateMismatch.Load(); n != 0 {
		t.Errorf("%d duplicate deliveries got a different answer", n)
	}
	if n := s.unexpected.Load(); n != 0 {
		t.Errorf("%d replies were not what the conversation called for:\n%s", n, load.unexpectedSample())
	}
	if s.answeredSMS.Load() == 0 || s.callsCompleted.Load() == 0 || len(load.offered()) == 0 {
		t.Errorf("the run did too little to tell: %d texts answered, %d calls completed, %d offers", s.answeredSMS.Load(), s.callsCompleted.Load(), len(load.offered()))
	}
	if load.answeredAfterFailover.Load() == 0 {
		t.Error("no turn was answered after the failover")
	}
}

// topology is scripts/topology.sh's setup, running.
type topology struct {
	dir, scriptPath string
	env             map[string]string
	replicaPorts    []string
}

// startTopology starts the topology in a new directory under /var/tmp on
// free loopback ports, with outbound texts going to twilioURL, and stops
// it when the test ends.
func startTopology(t *testing.T, twilioURL string, oidc *mockoidc.Config) *topology {
	t.Helper()
	for _, bin := range []string{"nginx", "pgbouncer"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is not installed (Debian: apt-get install nginx pgbouncer): %v", bin, err)
		}
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "topology.sh"))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("/var/tmp", "infopass-topology-")
	if err != nil {
		t.Fatal(err)
	}
	topo := &topology{dir: dir, scriptPath: script}
	env := []string{
		"TOPOLOGY_BASE_PORT=" + strconv.Itoa(freePortRange(t, 14)), "TWILIO_API_URL=" + twilioURL,
		"OIDC_ISSUER=" + oidc.Issuer, "OIDC_CLIENT_ID=" + oidc.ClientID, "OIDC_CLIENT_SECRET=" + oidc.ClientSecret,
		// Stops the topology should this process die without cleaning up.
		"TOPOLOGY_OWNER_PID=" + strconv.Itoa(os.Getpid()),
	}
	t.Cleanup(func() {
		if t.Failed() {
			topo.dumpLogs(t)
		}
		if err := topo.run(t, "down", nil); err != nil {
			t.Error(err)
		}
	})
	if err := topo.run(t, "up", env); err != nil {
		t.Fatal(err)
	}
	topo.env = readEnvFile(t, filepath.Join(dir, "topology.env"))
	topo.replicaPorts = strings.Fields(topo.env["REPLICA_PORTS"])
	return topo
}

// run runs the script's command on the topology's directory, its output
// going to the test's log.
func (topo *topology) run(t *testing.T, command string, env []string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// A file, not a pipe: the daemons the script starts must not hold the
	// test's pipe open.
	out, err := os.CreateTemp("", "topology-"+command+"-*.log")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd := exec.CommandContext(ctx, "bash", topo.scriptPath, command, topo.dir)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	logged, _ := os.ReadFile(out.Name())
	t.Logf("topology.sh %s:\n%s", command, strings.TrimSpace(string(logged)))
	if err != nil {
		return fmt.Errorf("topology.sh %s: %w", command, err)
	}
	return nil
}

// store opens the database directly, on the servers rather than through
// PgBouncer, at whichever is the primary.
func (topo *topology) store(t *testing.T) *postgres.DB {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(topo.env["DATA_KEY"])
	if err != nil {
		t.Fatal(err)
	}
	keys, err := vault.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), topo.env["MIGRATE_DATABASE_URL"], keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.LoadKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// sharedSessions signs an officer in through nginx with single sign-on,
// checks that each replica takes the session, disables the officer in the
// database and checks that each replica refuses the next page.
func (topo *topology) sharedSessions(t *testing.T, store *postgres.DB, idp *mockoidc.MockOIDC) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := bot.NewOfficers(store, nil).Invite(ctx, "Officer Lee", "lee@agency.gov", bot.RoleOfficer); err != nil {
		t.Fatal(err)
	}
	base := topo.env["PUBLIC_URL"]
	resp, err := noRedirect.Get(base + "/staff/oidc/start")
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("single sign-on start: %v %v", resp, err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	idp.QueueUser(&mockoidc.MockUser{Subject: "lee", Email: "lee@agency.gov", EmailVerified: true})
	if resp, err = noRedirect.Get(resp.Header.Get("Location")); err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("identity provider: %v %v", resp, err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, base+back.RequestURI(), nil)
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	if resp, err = noRedirect.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("single sign-on callback: %v %v", resp, err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "infopass_staff" {
			session = ck
		}
	}
	if session == nil {
		t.Fatal("no session after single sign-on")
	}
	page := func(port string) int {
		req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:"+port+"/staff", nil)
		req.AddCookie(session)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, port := range topo.replicaPorts {
		if status := page(port); status != http.StatusOK {
			t.Errorf("the session on the replica at %s: %d", port, status)
		}
	}
	if _, err := bot.NewOfficers(store, nil).Disable(ctx, "lee@agency.gov"); err != nil {
		t.Fatal(err)
	}
	for _, port := range topo.replicaPorts {
		if status := page(port); status != http.StatusSeeOther {
			t.Errorf("a disabled officer's next page on the replica at %s: %d", port, status)
		}
	}
}

// offerSent reports whether the offer of request ref was texted and the
// text recorded as sent.
func (topo *topology) offerSent(t *testing.T, ref string) bool {
	req, err := http.NewRequest(http.MethodGet, topo.env["PUBLIC_URL"]+"/api/requests/"+ref+"/callback-offers", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+topo.env["API_TOKEN"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var out struct {
		Offers []struct {
			MessageStatus string `json:"message_status"`
		} `json:"callback_offers"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil || len(out.Offers) == 0 {
		return false
	}
	s := out.Offers[0].MessageStatus
	return s == "sent" || s == "delivered"
}

// turnsPerReplica reads each replica's /metrics: the turns it answered.
func (topo *topology) turnsPerReplica(t *testing.T) string {
	var parts []string
	for _, port := range topo.replicaPorts {
		resp, err := http.Get("http://127.0.0.1:" + port + "/metrics")
		if err != nil {
			t.Errorf("metrics of replica %s: %v", port, err)
			continue
		}
		total := 0.0
		lines := bufio.NewScanner(resp.Body)
		for lines.Scan() {
			line := lines.Text()
			if strings.HasPrefix(line, "infopass_turns_total{") && strings.Contains(line, `outcome="ok"`) {
				v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
				total += v
			}
		}
		resp.Body.Close()
		if total == 0 {
			t.Errorf("replica on %s answered no turn", port)
		}
		parts = append(parts, strconv.Itoa(int(total)))
	}
	return strings.Join(parts, " / ")
}

// dumpLogs logs the errors of every process of the topology.
func (topo *topology) dumpLogs(t *testing.T) {
	logs, _ := filepath.Glob(filepath.Join(topo.dir, "*.log"))
	for _, name := range logs {
		raw, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		var keep []string
		for line := range strings.Lines(string(raw)) {
			if strings.Contains(line, "ERROR") || strings.Contains(line, "FATAL") || strings.Contains(line, "WARN") || strings.Contains(line, "error") {
				keep = append(keep, line)
			}
		}
		if len(keep) > 40 {
			keep = keep[len(keep)-40:]
		}
		t.Logf("%s (errors and warnings, last 40):\n%s", filepath.Base(name), strings.Join(keep, ""))
	}
}

// freePortRange finds n consecutive free loopback ports and returns the
// first.
func freePortRange(t *testing.T, n int) int {
	t.Helper()
	for range 100 {
		base := 20000 + rand.IntN(12000) // below Linux's ephemeral ports
		free := true
		for p := base; p < base+n && free; p++ {
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				free = false
				continue
			}
			ln.Close()
		}
		if free {
			return base
		}
	}
	t.Fatalf("no %d free consecutive ports on 127.0.0.1", n)
	return 0
}

// readEnvFile reads NAME='value' lines.
func readEnvFile(t *testing.T, name string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for line := range strings.Lines(string(raw)) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			env[k] = strings.Trim(v, "'")
		}
	}
	return env
}

// topologyLoad is the people and staff of the topology test.
type topologyLoad struct {
	base, token, staffToken string
	client                  *http.Client
	start                   time.Time
	neededBy                time.Time // an ADIT need date the bot accepts today
	failoverAt              atomic.Int64
	lastFailure             atomic.Int64 // unix nanoseconds of the last turn that failed
	answeredAfterFailover   atomic.Int64 // turns sent after the primary stopped and answered
	filed                   chan filedRequest

	mu          sync.Mutex
	answered    map[string][]string // phone → provider ids of answered turns
	refs        []string
	offers      []string
	unexpectedS []string

	stats struct {
		answered, answeredSMS, apologies, failed, empty, duplicates, duplicateMismatch,
		unexpected, callsCompleted, callsTransferred atomic.Int64
	}
}

type filedRequest struct{ ref, phone string }

func newTopologyLoad(topo *topology) *topologyLoad {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	today := time.Now().In(mustZone("America/New_York"))
	return &topologyLoad{
		base: topo.env["PUBLIC_URL"], token: topo.env["TWILIO_AUTH_TOKEN"], staffToken: topo.env["API_TOKEN"],
		client: &http.Client{Transport: transport, Timeout: 20 * time.Second},
		start:  time.Now(), neededBy: today.AddDate(0, 0, 10),
		filed: make(chan filedRequest, 1000), answered: map[string][]string{},
	}
}

// pace is the time between a person's turns: two a second at most, within
// the per-number limit of one a second on each of three replicas.
const pace = 400 * time.Millisecond

func (l *topologyLoad) failed() {
	l.lastFailure.Store(time.Now().UnixNano())
}

func (l *topologyLoad) answer(phone, providerID string, sentAt time.Time, sms bool) {
	l.stats.answered.Add(1)
	if sms {
		l.stats.answeredSMS.Add(1)
	}
	if at := l.failoverAt.Load(); at != 0 && sentAt.UnixNano() > at {
		l.answeredAfterFailover.Add(1)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.answered[phone] = append(l.answered[phone], providerID)
}

func (l *topologyLoad) unexpected(what string) {
	l.stats.unexpected.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.unexpectedS) < 5 {
		l.unexpectedS = append(l.unexpectedS, what)
	}
}

// recovery returns when the last turn failed, in seconds after the
// primary stopped.
func (l *topologyLoad) recovery() float64 {
	at := l.failoverAt.Load()
	if f := l.lastFailure.Load(); f > at {
		return time.Duration(f - at).Seconds()
	}
	return 0
}

// delivery is what became of one delivery of a text.
type delivery int

const (
	deliveryAnswered delivery = iota
	deliveryApology           // the turn failed and the person was asked to send it again
	deliveryFailed            // no answer, or not 200: Twilio would retry the same MessageSid
	deliveryEmpty             // an empty answer: the number is over its rate limit
)

// deliver posts one signed delivery of a text through nginx.
func (l *topologyLoad) deliver(from, sid, body string) (string, delivery) {
	reply, status := l.post(from, sid, body)
	switch {
	case status != http.StatusOK:
		l.stats.failed.Add(1)
		l.failed()
		return "", deliveryFailed
	case strings.Contains(reply, "could not save that"):
		l.stats.apologies.Add(1)
		l.failed()
		return "", deliveryApology
	case reply == "":
		l.stats.empty.Add(1)
		return "", deliveryEmpty
	}
	return reply, deliveryAnswered
}

// textOnce delivers a text once and reports whether it was answered.
func (l *topologyLoad) textOnce(from, sid, body string) (string, bool) {
	sentAt := time.Now()
	reply, got := l.deliver(from, sid, body)
	if got != deliveryAnswered {
		return "", false
	}
	l.answer(from, sid, sentAt, true)
	return reply, true
}

// post sends one delivery of a text and returns the reply and the status
// (0: no answer).
func (l *topologyLoad) post(from, sid, body string) (string, int) {
	form := url.Values{
		"MessageSid": {sid}, "AccountSid": {"AC" + strings.Repeat("0", 32)},
		"From": {from}, "To": {serviceFrom}, "Body": {body}, "NumMedia": {"0"},
	}
	raw, err := postSigned(context.Background(), l.client, l.token, l.base+"/twilio/sms", form)
	if err != nil {
		return "", 0
	}
	var doc struct {
		XMLName  xml.Name `xml:"Response"`
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		return "", 0
	}
	return strings.Join(doc.Messages, "\n"), http.StatusOK
}

// text sends body from `from` until it is answered: a failed delivery goes
// again with the same MessageSid, as Twilio retries; so does a text that
// got an apology. (A person would send it again as a new text; but a turn
// whose commit reached the standby while its answer was lost would then be
// taken twice, and the scripted conversation would go off course. The same
// MessageSid gets the stored answer in that case, and a fresh turn
// otherwise.) With duplicate, the first delivery goes twice at once, as
// Twilio sometimes does; nginx sends the two to different replicas.
func (l *topologyLoad) text(from, body string, duplicate bool) (string, bool) {
	sid := newMessageSid()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(pace) {
		sentAt := time.Now()
		var reply string
		var got delivery
		if duplicate {
			duplicate = false
			l.stats.duplicates.Add(1)
			var replies [2]string
			var gots [2]delivery
			var wg sync.WaitGroup
			for k := range 2 {
				wg.Go(func() { replies[k], gots[k] = l.deliver(from, sid, body) })
			}
			wg.Wait()
			if gots[0] == deliveryAnswered && gots[1] == deliveryAnswered && replies[0] != replies[1] {
				l.stats.duplicateMismatch.Add(1)
			}
			reply, got = replies[0], gots[0]
			if got != deliveryAnswered && gots[1] == deliveryAnswered {
				reply, got = replies[1], gots[1]
			}
		} else {
			reply, got = l.deliver(from, sid, body)
		}
		if got == deliveryAnswered {
			l.answer(from, sid, sentAt, true)
			return reply, true
		}
	}
	return "", false
}

// smsAnswer answers the bot's questions in the wizard's order; each reply
// is matched against these in turn, the review (which repeats the answers)
// first.
func (l *topologyLoad) smsAnswer(reply string) (string, bool) {
	for _, s := range []struct{ asks, answer string }{
		{"Please check your request", "yes"},
		{"Your language?", "1"},
		{"Are you: 1 the person", "1"},
		{"What do you need?", "1"},
		{"By what date", l.neededBy.Format("01/02/2006")},
		{"Which weekdays", "1 3"},
		{"What time of day", "1"},
		{"full name", "Jane Doe"},
		{"date of birth", "07/21/1990"},
		{"ZIP code", "10001"},
		{"country were you born", "Mexico"},
		{"receipt number", "ioe-091-234-5678"},
		{"A-Number?", "A 12345678"},
		{"email address", "jane.doe@example.org"},
		{"Reply SAME to use", "same"},
	} {
		if strings.Contains(reply, s.asks) {
			return s.answer, true
		}
	}
	return "", false
}

// texter files ADIT requests by text, one number after another, until ctx
// ends; the conversation under way then finishes its turn.
func (l *topologyLoad) texter(ctx context.Context, worker int) {
	turns := 0
	for n := 0; ctx.Err() == nil && n < 100; n++ {
		// Twelve workers of a hundred numbers each: four digits, or from
		// the eleventh worker on the number is too long to be one, and
		// outside ALLOWED_REGIONS.
		from := fmt.Sprintf("+1202556%04d", worker*100+n)
		next := "Hi"
		for ctx.Err() == nil {
			turns++
			reply, ok := l.text(from, next, turns%4 == 0)
			if !ok {
				l.unexpected("no answer for a minute")
				return
			}
			if i := strings.Index(reply, "Your request number is IP-"); i >= 0 {
				ref := reply[i+len("Your request number is ") : i+len("Your request number is ")+11]
				l.mu.Lock()
				l.refs = append(l.refs, ref)
				l.mu.Unlock()
				l.filed <- filedRequest{ref, from}
				break
			}
			answer, ok := l.smsAnswer(reply)
			if !ok {
				l.unexpected(reply)
				return
			}
			next = answer
			time.Sleep(pace)
		}
	}
}

// caller calls and answers the phone menu through the ADIT request to the
// review, one number after another, until ctx ends.
func (l *topologyLoad) caller(ctx context.Context, worker int) {
	script := make([]step, len(voiceApplicantADIT))
	copy(script, voiceApplicantADIT)
	for i, s := range script {
		if s.send == "12102026" {
			script[i] = step{l.neededBy.Format("01022006"), "I have " + l.neededBy.Format("January 2, 2006") + "."}
		}
	}
	for n := 0; ctx.Err() == nil && n < 100; n++ {
		from := fmt.Sprintf("+12025559%03d", worker*100+n)
		l.call(from, script)
	}
}

// call places one call and follows it to the review, or until the outage
// sends it to a person.
func (l *topologyLoad) call(from string, script []step) {
	p := newPhoneCall(l.base, l.token, from)
	p.client = l.client
	ctx := context.Background()
	sentAt := time.Now()
	turn, err := p.start(ctx)
	// A start that failed was asked again without a MessageSid of its own:
	// there is no turn to find.
	saved := err == nil && !strings.Contains(said(turn), "could not save that")
	if !l.voiceAnswered(from, p.sid+":start", sentAt, turn, err, "For English, press 1.", saved) {
		return
	}
	for i, again := 0, 0; i < len(script); {
		s := script[i]
		time.Sleep(pace)
		seq := ""
		if u, err := url.Parse(p.last.Gather.attr("action")); err == nil {
			seq = u.Query().Get("seq")
		}
		keys, speech := "", s.send
		if keyPattern.MatchString(s.send) {
			keys, speech = s.send, ""
		}
		sentAt := time.Now()
		turn, err := p.answer(ctx, keys, speech)
		if err == nil && turn.Gather != nil && strings.Contains(said(turn), "could not save that") && again < 10 {
			l.stats.apologies.Add(1)
			l.failed()
			if !strings.Contains(said(turn), s.want) {
				// The answer was lost with the failed turn and the question
				// asked again: answer it again.
				again++
				continue
			}
			// The turn was saved though its answer was lost: the question
			// asked is the next one.
		}
		if !l.voiceAnswered(from, p.sid+":"+seq, sentAt, turn, err, s.want, true) {
			return
		}
		i++
	}
	l.stats.callsCompleted.Add(1)
}

// voiceAnswered records a call's turn (as stored under providerID when
// saved) and reports whether the call goes on.
func (l *topologyLoad) voiceAnswered(from, providerID string, sentAt time.Time, turn *callTurn, err error, want string, saved bool) bool {
	switch {
	case err != nil:
		// Twilio would play the fallback URL: an apology and the Contact
		// Center.
		l.stats.failed.Add(1)
		l.stats.callsTransferred.Add(1)
		l.failed()
		return false
	case turn.Dialed != "":
		// The turn failed twice: an apology and the Contact Center.
		l.stats.apologies.Add(1)
		l.stats.callsTransferred.Add(1)
		l.failed()
		return false
	case turn.Gather == nil || !strings.Contains(said(turn), want):
		l.unexpected(fmt.Sprintf("call said %q, want %q", said(turn), want))
		return false
	}
	if saved {
		l.answer(from, providerID, sentAt, false)
	} else {
		l.stats.apologies.Add(1)
		l.failed()
	}
	return true
}

func said(t *callTurn) string {
	var parts []string
	for _, s := range t.Said {
		parts = append(parts, s.Text)
	}
	return strings.Join(parts, " ")
}

// staff offers a callback window for each filed request, the next business
// morning in New York, through nginx like the staff console would; an
// attempt that failed is tried again unless the offer was made after all.
func (l *topologyLoad) staff() {
	ny := mustZone("America/New_York")
	today := time.Now().In(ny)
	day := flows.AddBusinessDays(flows.DateOf(today), 1)
	start := time.Date(day.Year, day.Month, day.Day, 9, 0, 0, 0, ny)
	body := fmt.Sprintf(`{"start":%q,"end":%q}`, start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339))
	for r := range l.filed {
		status := 0
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(pace) {
			status = l.staffCall(http.MethodPost, r.ref, body)
			if status == http.StatusCreated || l.staffCall(http.MethodGet, r.ref, "") == http.StatusOK {
				l.mu.Lock()
				l.offers = append(l.offers, r.ref)
				l.mu.Unlock()
				status = http.StatusCreated
				break
			}
		}
		if status != http.StatusCreated {
			l.unexpected(fmt.Sprintf("offer for %s: status %d for a minute", r.ref, status))
		}
	}
}

// staffCall calls the staff API about ref's offers; a GET answers 200
// only when the request has an offer.
func (l *topologyLoad) staffCall(method, ref, body string) int {
	req, err := http.NewRequest(method, l.base+"/api/requests/"+ref+"/callback-offers", strings.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+l.staffToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if method == http.MethodGet {
		var out struct {
			Offers []json.RawMessage `json:"callback_offers"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil || len(out.Offers) == 0 {
			return http.StatusNotFound
		}
	}
	return resp.StatusCode
}

func (l *topologyLoad) answeredByPhone() map[string][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.answered
}

func (l *topologyLoad) filedRefs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.refs...)
}

func (l *topologyLoad) offered() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	refs := append([]string(nil), l.offers...)
	sort.Strings(refs)
	return refs
}

func (l *topologyLoad) unexpectedSample() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.unexpectedS, "\n")
}
