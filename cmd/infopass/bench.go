package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// bench is a load test: -c virtual people text the SMS webhook at once,
// each going through the whole ADIT request as fast as the bot answers,
// over real HTTP with signed webhooks, against the server started here (or
// the one at -url) and its PostgreSQL. It prints throughput, latency and
// the server's memory; never a number or a message.
func bench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	concurrency := fs.Int("c", 16, "conversations at once (virtual people, each with its own number)")
	duration := fs.Duration("d", 20*time.Second, "how long to measure")
	warmup := fs.Duration("warmup", 2*time.Second, "how long to run before measuring")
	serverURL := fs.String("url", "", "base URL of a running infopass server (default: start one here)")
	pid := fs.Int("pid", 0, "with -url: the server's process id, to read its memory")
	verbose := fs.Bool("v", false, "print the server's logs")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured time to this file (go tool pprof)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return errUsage
	}
	if *concurrency < 1 || *concurrency > maxBenchUsers || *duration <= 0 || *warmup < 0 {
		return fmt.Errorf("bench: -c must be from 1 to %d, -d above 0 and -warmup at least 0", maxBenchUsers)
	}
	cfg, err := readConfig(getenv)
	if err != nil {
		return err
	}
	var (
		base, token string
		stop        func()
		inProcess   = *serverURL == ""
	)
	if inProcess {
		// A virtual person texts far faster than a person can: the
		// per-number limit would refuse most of its turns.
		cfg.senderRate = rate.Inf
		token = or(cfg.AuthToken, localAuthToken)
		base, stop, err = startLocal(ctx, cfg, token, *verbose, stderr)
	} else {
		base, token, stop, err = targetServer(ctx, getenv, *serverURL, *verbose, stderr)
	}
	if err != nil {
		return err
	}
	defer stop()

	where := "the server started here at " + base
	if !inProcess {
		where = base
	}
	fmt.Fprintf(stdout, "infopass bench: %d conversations at once for %s, after %s of warm-up, against %s\n",
		*concurrency, *duration, *warmup, where)
	load := newLoad(base, token, *concurrency, cfg.Zone, cfg.ADITLeadDays)
	if !inProcess {
		// The server lets a number take a turn a second, twenty at once; a
		// person whose text got no answer waits before sending again.
		load.refusedPause = time.Second
	}
	var profile func()
	if *cpuProfile != "" {
		if profile, err = startProfile(*cpuProfile, *warmup); err != nil {
			return err
		}
	}
	res := load.run(ctx, *concurrency, *warmup, *duration)
	if profile != nil {
		profile()
	}

	var mem string
	switch {
	case inProcess:
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mem = procMemory("self") + " (the whole bench process: the server and the load client); Go heap in use " + megabytes(ms.HeapInuse)
	case *pid > 0:
		mem = fmt.Sprintf("server (pid %d) %s", *pid, procMemory(strconv.Itoa(*pid)))
	default:
		mem = "not measured (pass -pid with the server's process id)"
	}
	res.print(stdout, *concurrency, mem)
	if ctx.Err() != nil {
		fmt.Fprintln(stdout, "interrupted: the figures cover the time measured until then")
	}
	if res.refused > 0 && !inProcess {
		fmt.Fprintln(stdout, "refused turns: the server answers a number a turn a second (twenty at once); load it with more conversations (-c)")
	}
	return nil
}

// maxBenchUsers is how many numbers the range +1 202 55x xxxx holds.
const maxBenchUsers = 100_000

// loadTest is what the virtual people of a bench share.
type loadTest struct {
	base, token string
	client      *http.Client
	zone        *time.Location
	leadDays    int
	firstNumber int // each run texts from its own numbers
	// refusedPause is how long a person waits after a text got no answer.
	refusedPause time.Duration
}

func newLoad(base, token string, concurrency int, zone *time.Location, leadDays int) *loadTest {
	var b [8]byte
	rand.Read(b[:])
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// One kept-alive connection per virtual person, as Twilio's many
	// connections would be; the default of 2 would open a new one per turn.
	transport.MaxIdleConns = concurrency
	transport.MaxIdleConnsPerHost = concurrency
	if zone == nil {
		zone = time.UTC
	}
	return &loadTest{
		base: base, token: token, zone: zone, leadDays: leadDays,
		client:      &http.Client{Transport: transport, Timeout: 15 * time.Second},
		firstNumber: int(binary.BigEndian.Uint64(b[:]) % maxBenchUsers),
	}
}

// user returns the i-th virtual person, who texts from a number of
// +1 202 55x xxxx that no other person of this run uses.
func (l *loadTest) user(i int) *virtualUser {
	return &virtualUser{load: l, from: fmt.Sprintf("+120255%05d", (l.firstNumber+i)%maxBenchUsers), next: "Hi"}
}

// neededBy is the date an ADIT stamp is needed by: soon enough to be asked
// for today.
func (l *loadTest) neededBy() string {
	days := min(10, l.leadDays)
	return time.Now().In(l.zone).AddDate(0, 0, max(days, 1)).Format("01/02/2006")
}

// benchResult is what a bench measured.
type benchResult struct {
	elapsed                                   time.Duration
	turns, errors, unexpected, refused, filed int64
	latency                                   *latencies
}

// run lets concurrency people text until warmup and then measure have
// passed (or ctx ends), and returns what was measured after warmup.
func (l *loadTest) run(ctx context.Context, concurrency int, warmup, measure time.Duration) benchResult {
	start := time.Now()
	from, until := start.Add(warmup), start.Add(warmup+measure)
	users := make([]*virtualUser, concurrency)
	var wg sync.WaitGroup
	for i := range users {
		u := l.user(i)
		users[i] = u
		wg.Go(func() {
			for ctx.Err() == nil {
				began := time.Now()
				if !began.Before(until) {
					return
				}
				out, took := u.turn(ctx)
				// Only turns wholly inside the measured window count.
				if ctx.Err() == nil && !began.Before(from) && !time.Now().After(until) {
					u.stats.add(out, took)
				}
				if out == turnRefused && l.refusedPause > 0 {
					select {
					case <-ctx.Done():
					case <-time.After(l.refusedPause):
					}
				}
			}
		})
	}
	wg.Wait()
	res := benchResult{latency: &latencies{}}
	end := time.Now()
	if end.After(until) {
		end = until
	}
	if end.After(from) {
		res.elapsed = end.Sub(from)
	}
	for _, u := range users {
		res.turns += u.stats.turns
		res.errors += u.stats.errors
		res.unexpected += u.stats.unexpected
		res.refused += u.stats.refused
		res.filed += u.stats.filed
		res.latency.merge(&u.stats.latency)
	}
	return res
}

func (r benchResult) print(w io.Writer, concurrency int, memory string) {
	rate := 0.0
	if r.elapsed > 0 {
		rate = float64(r.turns) / r.elapsed.Seconds()
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
	fmt.Fprintf(w, "concurrency      %d\n", concurrency)
	fmt.Fprintf(w, "duration         %.1f s\n", r.elapsed.Seconds())
	fmt.Fprintf(w, "turns            %d\n", r.turns)
	fmt.Fprintf(w, "turns/s          %.1f\n", rate)
	fmt.Fprintf(w, "latency p50      %s\n", ms(r.latency.quantile(0.50)))
	fmt.Fprintf(w, "latency p90      %s\n", ms(r.latency.quantile(0.90)))
	fmt.Fprintf(w, "latency p99      %s\n", ms(r.latency.quantile(0.99)))
	fmt.Fprintf(w, "latency max      %s\n", ms(r.latency.max))
	fmt.Fprintf(w, "errors           %d\n", r.errors)
	fmt.Fprintf(w, "unexpected       %d\n", r.unexpected)
	fmt.Fprintf(w, "refused          %d\n", r.refused)
	fmt.Fprintf(w, "requests filed   %d\n", r.filed)
	fmt.Fprintf(w, "memory           %s\n", memory)
}

// outcome is how a turn went.
type outcome int

const (
	turnOK         outcome = iota
	turnFiled              // and the reply says the request was filed
	turnUnexpected         // a well-formed reply that is not what the script expected
	turnRefused            // no answer at all: refused (the per-number limit) or opted out
	turnError              // a transport error, a status other than 200, or no TwiML
)

// virtualUser is one person texting the bot through the ADIT request,
// again and again.
type virtualUser struct {
	load  *loadTest
	from  string
	next  string // what to text next
	stats userStats
}

type userStats struct {
	turns, errors, unexpected, refused, filed int64
	latency                                   latencies
}

// add counts a turn. Errors and refusals are not turns: they have no
// latency worth the name.
func (s *userStats) add(out outcome, took time.Duration) {
	switch out {
	case turnError:
		s.errors++
		return
	case turnRefused:
		s.refused++
		return
	case turnUnexpected:
		s.unexpected++
	case turnFiled:
		s.filed++
	}
	s.turns++
	s.latency.record(took)
}

// script answers the bot's questions in the wizard's order. Each reply is
// matched against these in turn, so the review (which repeats the answers)
// comes before the questions whose words it contains.
var script = []struct {
	asks   string
	answer func(*loadTest) string
}{
	{"Please check your request", text("yes")},
	{"Your language?", text("1")},
	{"Are you: 1 the person", text("1")},
	{"What do you need?", text("1")},
	{"By what date", (*loadTest).neededBy},
	{"Which weekdays", text("1 3")},
	{"What time of day", text("1")},
	{"full name", text("Jane Doe")},
	{"date of birth", text("07/21/1990")},
	{"ZIP code", text("10001")},
	{"country were you born", text("Mexico")},
	{"receipt number", text("ioe-091-234-5678")},
	{"A-Number?", text("A 12345678")},
	{"email address", text("jane.doe@example.org")},
	{"Reply SAME to use", text("same")},
	{"Welcome back", text("2")}, // a number of an earlier run: start over
}

func text(s string) func(*loadTest) string { return func(*loadTest) string { return s } }

// turn texts the next answer and decides the one after from the reply.
func (u *virtualUser) turn(ctx context.Context) (outcome, time.Duration) {
	form := url.Values{
		"MessageSid": {newMessageSid()},
		"AccountSid": {"AC" + strings.Repeat("0", 32)},
		"From":       {u.from},
		"To":         {"+18005550100"},
		"Body":       {u.next},
		"NumMedia":   {"0"},
	}
	began := time.Now()
	raw, err := postSigned(ctx, u.load.client, u.load.token, u.load.base+"/twilio/sms", form)
	took := time.Since(began)
	if err != nil {
		return turnError, took
	}
	var doc struct {
		XMLName  xml.Name `xml:"Response"`
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		return turnError, took
	}
	reply := strings.Join(doc.Messages, "\n")
	switch {
	case strings.Contains(reply, "Your request number is IP-"):
		u.next = "Hi" // the next text starts a new conversation
		return turnFiled, took
	case strings.Contains(reply, "could not save that"):
		return turnError, took // the same text goes again
	case reply == "":
		// Refused, or a number an earlier run opted out: START undoes
		// that, and otherwise asks the question again.
		u.next = "START"
		return turnRefused, took
	}
	for _, s := range script {
		if strings.Contains(reply, s.asks) {
			u.next = s.answer(u.load)
			return turnOK, took
		}
	}
	u.next = "RESTART" // off the script: back to the first question
	return turnUnexpected, took
}

// latencies is a histogram of durations with about 1.5% resolution: below
// 128 µs a bucket per microsecond, above 64 buckets per power of two.
type latencies struct {
	counts [128 + 57*64]int64
	n      int64
	max    time.Duration
}

func latencyBucket(d time.Duration) int {
	v := uint64(max(d/time.Microsecond, 0))
	if v < 128 {
		return int(v)
	}
	e := bits.Len64(v) - 7
	return 128 + (e-1)*64 + int(v>>e) - 64
}

// bucketMiddle is the middle of bucket i, in microseconds.
func bucketMiddle(i int) time.Duration {
	if i < 128 {
		return time.Duration(i) * time.Microsecond
	}
	e := (i-128)/64 + 1
	m := uint64((i-128)%64 + 64)
	lo, hi := m<<e, (m+1)<<e
	return time.Duration((lo+hi)/2) * time.Microsecond
}

func (h *latencies) record(d time.Duration) {
	h.counts[latencyBucket(d)]++
	h.n++
	h.max = max(h.max, d)
}

func (h *latencies) merge(o *latencies) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the duration q of the recorded ones are at or below.
func (h *latencies) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(q*float64(h.n) + 0.999999)
	var seen int64
	for i, c := range h.counts {
		if seen += c; seen >= rank {
			return min(bucketMiddle(i), h.max)
		}
	}
	return h.max
}

// procMemory reads the resident and peak resident memory of process pid
// ("self": this one) from /proc.
func procMemory(pid string) string {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	defer f.Close()
	fields := map[string]string{}
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if k, v, ok := strings.Cut(lines.Text(), ":"); ok && (k == "VmRSS" || k == "VmHWM") {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err == nil {
				fields[k] = megabytes(kb << 10)
			}
		}
	}
	if fields["VmRSS"] == "" {
		return "unknown (no VmRSS in /proc/" + pid + "/status)"
	}
	return fmt.Sprintf("RSS %s (peak %s)", fields["VmRSS"], fields["VmHWM"])
}

func megabytes(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// startProfile profiles the CPU into file from after warmup until the
// function it returns is called.
func startProfile(file string, warmup time.Duration) (stop func(), err error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	started := make(chan error, 1)
	timer := time.AfterFunc(warmup, func() { started <- pprof.StartCPUProfile(f) })
	return func() {
		if !timer.Stop() {
			if err := <-started; err == nil {
				pprof.StopCPUProfile()
			}
		}
		f.Close()
	}, nil
}
