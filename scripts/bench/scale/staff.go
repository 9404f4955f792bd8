package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"infopass/bot"
	"infopass/bot/postgres"
)

// server is an `infopass serve` started for the measurements.
type server struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

// startServer runs bin serve on a free loopback port against
// $DATABASE_URL, with single sign-on at idp, and waits until it is ready.
func startServer(ctx context.Context, bin string, idp *mockoidc.MockOIDC, logs io.Writer) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	token := make([]byte, 16)
	rand.Read(token)
	s := &server{base: fmt.Sprintf("http://127.0.0.1:%d", port), done: make(chan error, 1)}
	ic := idp.Config()
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = append(os.Environ(), "PUBLIC_URL="+s.base, "PORT="+strconv.Itoa(port), "LISTEN_HOST=127.0.0.1",
		"TWILIO_AUTH_TOKEN="+hex.EncodeToString(token), "TWILIO_FROM=", "TWILIO_ACCOUNT_SID=",
		"OIDC_ISSUER="+ic.Issuer, "OIDC_CLIENT_ID="+ic.ClientID, "OIDC_CLIENT_SECRET="+ic.ClientSecret)
	s.cmd.Stdout, s.cmd.Stderr = logs, logs
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.done <- s.cmd.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("infopass serve exited: %v", err)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
	}
	s.stop()
	return nil, errors.New("infopass serve did not get ready in 2 minutes")
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// officerClient is a browser signed in to the console.
type officerClient struct {
	base string
	http *http.Client
	csrf string
}

// signIn signs the bench's supervisor in through single sign-on, as an
// officer's browser does.
func signIn(base string, idp *mockoidc.MockOIDC) (*officerClient, error) {
	jar, _ := cookiejar.New(nil)
	c := &officerClient{base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	idp.QueueUser(&mockoidc.MockUser{Subject: "scale-bench", Email: benchOfficerEmail, EmailVerified: true})
	// The client follows the redirects: the console, the identity
	// provider, the console's callback, whose page refreshes to the queue.
	resp, err := c.http.Get(base + "/staff/oidc/start?next=/staff")
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `http-equiv="refresh"`) {
		return nil, fmt.Errorf("sign in: %s %s", resp.Status, body)
	}
	page, err := c.get("/staff")
	if err != nil {
		return nil, err
	}
	if m := csrfInput.FindStringSubmatch(page); m != nil {
		c.csrf = m[1]
	}
	if c.csrf == "" {
		return nil, errors.New("sign in: the queue has no form with a CSRF token")
	}
	return c, nil
}

func (c *officerClient) get(path string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		return "", err
	}
	return call(c.http, req, path)
}

func (c *officerClient) post(path string, form url.Values) (string, error) {
	form.Set("csrf_token", c.csrf)
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base)
	return call(c.http, req, path)
}

// apiClient calls the staff API with a token.
type apiClient struct {
	base, token string
	http        *http.Client
}

func (a *apiClient) get(path string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, a.base+path, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	return call(a.http, req, path)
}

// call makes req and returns the body of its 200 answer; any other
// status is an error that names the method, path and status.
func call(hc *http.Client, req *http.Request, path string) (string, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s %s: %s %.200s", req.Method, path, resp.Status, body)
	}
	return string(body), nil
}

// measure is one kind of call, made calls times; call gets the call's
// number, to vary what it asks.
type measure struct {
	name string
	call func(i int) (string, error)
}

func staff(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("staff", flag.ContinueOnError)
	planIn := fs.String("plan", "", "the plan fill wrote")
	bin := fs.String("infopass", "", "the infopass binary")
	calls := fs.Int("n", 200, "calls of each kind")
	warmup := fs.Int("warmup", 10, "calls of each kind before measuring")
	logFile := fs.String("log", os.DevNull, "the server's log")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pf, err := readPlan(*planIn)
	if err != nil {
		return err
	}
	if *bin == "" {
		return errors.New("staff: -infopass is required")
	}
	catalog, err := loadCatalog()
	if err != nil {
		return err
	}
	plan := pf.plan(catalog)
	db, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	token, _, err := bot.NewOfficers(db, time.Now).CreateAPIToken(ctx, fmt.Sprintf("scale-bench-%d", time.Now().UnixNano()), time.Hour)
	if err != nil {
		return err
	}
	idp, err := mockoidc.Run()
	if err != nil {
		return err
	}
	defer idp.Shutdown()
	logs, err := os.Create(*logFile)
	if err != nil {
		return err
	}
	defer logs.Close()
	srv, err := startServer(ctx, *bin, idp, logs)
	if err != nil {
		return err
	}
	defer srv.stop()
	officer, err := signIn(srv.base, idp)
	if err != nil {
		return err
	}
	api := &apiClient{base: srv.base, token: token, http: &http.Client{Timeout: 30 * time.Second}}

	sample := postgres.FillSample(plan, 500)
	if len(sample) == 0 {
		// The empty level: look for what is not there, which is the cost
		// of a page of nothing.
		sample = []postgres.FillIdentity{{Reference: "IP-0000TEST", ANumber: "A012345678", Phone: "+12125550123", Type: "adit", Language: "es"}}
	}
	combos := [][2]string{{"eap", "es"}, {"adit", "en"}, {"ij", "zh-Hans"}, {"adit", "vi"}, {"eap", "ht"}, {"ij", "es"}}
	withA := slices.DeleteFunc(slices.Clone(sample), func(s postgres.FillIdentity) bool { return s.ANumber == "" })
	if len(withA) == 0 {
		withA = sample
	}
	day := func(i int) string { return plan.Now.AddDate(0, 0, -7*(i%50)-7).Format(time.DateOnly) }
	cursor, err := deepCursor(api, "/api/requests?status=completed&limit=50", 10)
	if err != nil {
		return err
	}
	measures := []measure{
		{"console_queue", func(int) (string, error) { return officer.get("/staff") }},
		{"console_queue_type_language", func(i int) (string, error) {
			c := combos[i%len(combos)]
			return officer.get("/staff?status=submitted&type=" + c[0] + "&language=" + c[1])
		}},
		{"console_search_a_number", func(i int) (string, error) {
			return officer.post("/staff/search", url.Values{"q": {withA[i%len(withA)].ANumber}})
		}},
		{"console_search_phone", func(i int) (string, error) {
			return officer.post("/staff/search", url.Values{"q": {sample[i%len(sample)].Phone}})
		}},
		{"console_request", func(i int) (string, error) {
			body, err := officer.get("/staff/requests/" + sample[i%len(sample)].Reference)
			if err != nil && pf.Requests == 0 && strings.Contains(err.Error(), "404") {
				return "", nil
			}
			return body, err
		}},
		{"console_overview", func(int) (string, error) { return officer.get("/staff/overview") }},
		{"api_requests_filtered", func(i int) (string, error) {
			c := combos[i%len(combos)]
			return api.get("/api/requests?status=submitted&type=" + c[0] + "&language=" + c[1] + "&limit=50")
		}},
		{"api_requests_week", func(i int) (string, error) {
			from := day(i)
			to, _ := time.Parse(time.DateOnly, from)
			return api.get("/api/requests?from=" + from + "&to=" + to.AddDate(0, 0, 6).Format(time.DateOnly) + "&type=" + combos[i%len(combos)][0] + "&limit=50")
		}},
		{"api_requests_page_10", func(int) (string, error) {
			return api.get("/api/requests?status=completed&limit=50&cursor=" + url.QueryEscape(cursor))
		}},
		{"api_requests_a_number", func(i int) (string, error) {
			return api.get("/api/requests?a_number=" + withA[i%len(withA)].ANumber)
		}},
	}
	for _, m := range measures {
		for i := range *warmup {
			if _, err := m.call(i); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
		}
		took := make([]time.Duration, 0, *calls)
		for i := range *calls {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			began := time.Now()
			if _, err := m.call(*warmup + i); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			took = append(took, time.Since(began))
		}
		slices.Sort(took)
		p50, p95 := quantile(took, 0.50), quantile(took, 0.95)
		fmt.Fprintf(stdout, "staff: %-28s p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms (%d calls)\n", m.name, ms(p50), ms(p95), ms(took[len(took)-1]), len(took))
		result(stdout, m.name+"_p50", ms(p50), "ms")
		result(stdout, m.name+"_p95", ms(p95), "ms")
	}
	return nil
}

// deepCursor follows the API's cursors from path for pages-1 pages and
// returns the cursor of the last page reached ("" if the list ended).
func deepCursor(api *apiClient, path string, pages int) (string, error) {
	cursor := ""
	for range pages - 1 {
		p := path
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		body, err := api.get(p)
		if err != nil {
			return "", err
		}
		var page struct {
			Next string `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			return "", fmt.Errorf("%s: %w", p, err)
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	return cursor, nil
}

// quantile returns the q quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
