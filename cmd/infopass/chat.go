package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"infopass/webhooks"
)

// localAuthToken signs the chat simulator's requests to its own local
// server. It is not a secret and never reaches Twilio; it has a real
// token's shape (32 hex digits), which serve asks of TWILIO_AUTH_TOKEN.
const localAuthToken = "00000000000000000000000000000000"

// chat is a terminal SMS simulator: each line typed is posted, signed as
// Twilio signs, to the SMS webhook, and the bot's reply is printed. Without
// -url it runs the server itself on a loopback port.
func chat(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	serverURL := fs.String("url", "", "base URL of a running infopass server (default: start one here)")
	from := fs.String("from", "+12025550143", "the phone number you text from (E.164)")
	verbose := fs.Bool("v", false, "print the server's logs")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	base, token, stop, err := targetServer(ctx, getenv, *serverURL, *verbose, stderr)
	if err != nil {
		return err
	}
	defer stop()
	sim := &smsClient{base: base, token: token, from: *from, http: &http.Client{Timeout: 15 * time.Second}}
	fmt.Fprintf(stdout, "Texting Infopass at %s as %s. Type a message and press Enter; Ctrl-D to quit.\n", base, *from)
	lines := bufio.NewScanner(stdin)
	for {
		fmt.Fprint(stdout, "> ")
		if !lines.Scan() {
			fmt.Fprintln(stdout)
			return lines.Err()
		}
		replies, err := sim.send(ctx, lines.Text())
		if err != nil {
			return err
		}
		if len(replies) == 0 {
			fmt.Fprintln(stdout, "(no reply)")
		}
		for _, r := range replies {
			fmt.Fprintln(stdout, r)
		}
	}
}

// startLocal runs the service on a loopback port, with the local database
// unless DATABASE_URL is set, and returns its base URL.
func startLocal(ctx context.Context, cfg config, token string, verbose bool, stderr io.Writer) (string, func(), error) {
	db, closeDB, err := openDatabase(ctx, cfg, stderr)
	if err != nil {
		return "", nil, err
	}
	if err := migrateDatabase(ctx, cfg, db); err != nil {
		closeDB()
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		closeDB()
		return "", nil, err
	}
	cfg.PublicURL = "http://" + ln.Addr().String()
	cfg.AuthToken = token
	logs := io.Discard
	if verbose {
		logs = stderr
	}
	a, err := newApp(ctx, cfg, db, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		ln.Close()
		closeDB()
		return "", nil, err
	}
	srvCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := a.serve(srvCtx, ln); err != nil {
			fmt.Fprintln(stderr, "server:", err)
		}
	}()
	return cfg.PublicURL, func() { cancel(); <-done; closeDB() }, nil
}

// postSigned posts form to target signed with token as Twilio signs, and
// returns the body of a 200 answer.
func postSigned(ctx context.Context, client *http.Client, token, target string, form url.Values) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", webhooks.Sign(token, target, form))
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST %s: %s", target, resp.Status)
	}
	return raw, nil
}

// smsClient posts messages to the SMS webhook as Twilio would.
type smsClient struct {
	base, token, from string
	http              *http.Client
}

func (s *smsClient) send(ctx context.Context, body string) ([]string, error) {
	endpoint := s.base + "/twilio/sms"
	form := url.Values{
		"MessageSid": {newMessageSid()},
		"AccountSid": {"AC" + strings.Repeat("0", 32)},
		"From":       {s.from},
		"To":         {"+18005550100"},
		"Body":       {body},
		"NumMedia":   {"0"},
	}
	raw, err := postSigned(ctx, s.http, s.token, endpoint, form)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("reply is not TwiML: %w", err)
	}
	return doc.Messages, nil
}

// newMessageSid makes a MessageSid of Twilio's shape.
func newMessageSid() string {
	var b [16]byte
	rand.Read(b[:])
	return "SM" + hex.EncodeToString(b[:])
}
