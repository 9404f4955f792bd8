package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// call is a terminal phone simulator: it places a call to the voice
// webhook, prints what each <Say> says, takes keys or typed "speech" for
// each <Gather>, follows <Redirect> and shows <Dial>, as Twilio would.
func call(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	fs.SetOutput(stderr)
	serverURL := fs.String("url", "", "base URL of a running infopass server (default: start one here)")
	from := fs.String("from", "+12025550143", "the phone number you call from (E.164)")
	attest := fs.String("attest", attestedA, "the caller ID's STIR/SHAKEN verification Twilio reports (StirVerstat): TN-Validation-Passed-A, -B, -C, No-TN-Validation, or empty")
	verbose := fs.Bool("v", false, "print the server's logs")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	base, token, stop, err := targetServer(ctx, getenv, *serverURL, *verbose, stderr)
	if err != nil {
		return err
	}
	defer stop()
	p := newPhoneCall(base, token, *from)
	p.attest = *attest
	fmt.Fprintf(stdout, "Calling Infopass at %s from %s. At each prompt type keys (0-9, *, #) or words you would say;\n"+
		"an empty line is silence; Ctrl-D hangs up.\n", base, *from)
	turn, err := p.start(ctx)
	lines := bufio.NewScanner(stdin)
	for {
		if err != nil {
			return err
		}
		for _, s := range turn.Said {
			fmt.Fprintf(stdout, "[%s] %s\n", s.Language, s.Text)
		}
		switch {
		case turn.Dialed != "":
			fmt.Fprintf(stdout, "(connecting you to %s)\n", turn.Dialed)
			return nil
		case turn.HungUp:
			fmt.Fprintln(stdout, "(call ended)")
			return nil
		}
		fmt.Fprint(stdout, "> ")
		if !lines.Scan() {
			fmt.Fprintln(stdout, "\n(you hung up)")
			return lines.Err()
		}
		keys, speech := "", strings.TrimSpace(lines.Text())
		if keyPattern.MatchString(speech) {
			keys, speech = speech, ""
		}
		turn, err = p.answer(ctx, keys, speech)
	}
}

var keyPattern = regexp.MustCompile(`^[0-9*#]+$`)

// targetServer is the server to talk to: the one at serverURL, or one
// started here on a loopback port with the local database.
func targetServer(ctx context.Context, getenv func(string) string, serverURL string, verbose bool, stderr io.Writer) (base, token string, stop func(), err error) {
	cfg, err := readConfig(getenv)
	if err != nil {
		return "", "", nil, err
	}
	token = cfg.AuthToken
	if base = strings.TrimRight(serverURL, "/"); base != "" {
		if token == "" {
			return "", "", nil, errors.New("-url needs TWILIO_AUTH_TOKEN, the token the server checks signatures with")
		}
		return base, token, func() {}, nil
	}
	if token == "" {
		token = localAuthToken
	}
	base, stop, err = startLocal(ctx, cfg, token, verbose, stderr)
	return base, token, stop, err
}

// spoken is one <Say> (or <Play>) of a call.
type spoken struct {
	Language string
	Text     string
}

// callTurn is what a call did until it waited for the caller or ended.
type callTurn struct {
	Said   []spoken
	Gather *twimlVerb // the question waiting for an answer
	rest   []twimlVerb
	Dialed string // the number a <Dial> connected to
	HungUp bool
}

// twimlVerb is a parsed TwiML element.
type twimlVerb struct {
	XMLName  xml.Name
	Attrs    []xml.Attr  `xml:",any,attr"`
	Text     string      `xml:",chardata"`
	Children []twimlVerb `xml:",any"`
}

func (v twimlVerb) attr(name string) string {
	for _, a := range v.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// phoneCall follows a call's TwiML the way Twilio does, signing each
// request.
type phoneCall struct {
	base, token, from, sid string
	// attest is the StirVerstat the call comes in with: a caller ID the
	// carrier vouches for (attestedA) unless set otherwise.
	attest string
	client *http.Client
	last   *callTurn
}

func newPhoneCall(base, token, from string) *phoneCall {
	var b [16]byte
	rand.Read(b[:])
	return &phoneCall{base: base, token: token, from: from, sid: "CA" + hex.EncodeToString(b[:]), attest: attestedA,
		client: &http.Client{Timeout: 15 * time.Second}}
}

// attestedA is the StirVerstat of a caller ID the carrier vouches for.
const attestedA = "TN-Validation-Passed-A"

// start places the call.
func (p *phoneCall) start(ctx context.Context) (*callTurn, error) {
	form := url.Values{"CallStatus": {"ringing"}}
	if p.attest != "" {
		form.Set("StirVerstat", p.attest)
	}
	return p.post(ctx, p.base+"/twilio/voice", form)
}

// answer answers the waiting <Gather> with keys or speech; both empty is
// silence.
func (p *phoneCall) answer(ctx context.Context, keys, speech string) (*callTurn, error) {
	if p.last == nil || p.last.Gather == nil {
		return nil, errors.New("the call is not waiting for an answer")
	}
	g := p.last.Gather
	if keys == "" && speech == "" && g.attr("actionOnEmptyResult") != "true" {
		// Without an answer Twilio goes on with the verbs after <Gather>.
		return p.run(ctx, p.last.rest)
	}
	form := url.Values{"CallStatus": {"in-progress"}}
	if keys != "" {
		form.Set("Digits", keys)
	}
	if speech != "" {
		form.Set("SpeechResult", speech)
		form.Set("Confidence", "0.9")
	}
	return p.post(ctx, g.attr("action"), form)
}

func (p *phoneCall) post(ctx context.Context, target string, form url.Values) (*callTurn, error) {
	form.Set("CallSid", p.sid)
	form.Set("AccountSid", "AC"+strings.Repeat("0", 32))
	form.Set("From", p.from)
	form.Set("To", "+18005550100")
	form.Set("Direction", "inbound")
	raw, err := postSigned(ctx, p.client, p.token, target, form)
	if err != nil {
		return nil, err
	}
	var doc twimlVerb
	if err := xml.Unmarshal(raw, &doc); err != nil || doc.XMLName.Local != "Response" {
		return nil, fmt.Errorf("not TwiML: %v: %s", err, raw)
	}
	return p.run(ctx, doc.Children)
}

// run plays verbs until the call waits for an answer or ends.
func (p *phoneCall) run(ctx context.Context, verbs []twimlVerb) (*callTurn, error) {
	t := &callTurn{}
	for i, v := range verbs {
		switch v.XMLName.Local {
		case "Say":
			t.Said = append(t.Said, spoken{v.attr("language"), strings.TrimSpace(v.Text)})
		case "Play":
			t.Said = append(t.Said, spoken{"audio", strings.TrimSpace(v.Text)})
		case "Pause":
		case "Gather":
			for _, c := range v.Children {
				switch c.XMLName.Local {
				case "Say":
					t.Said = append(t.Said, spoken{c.attr("language"), strings.TrimSpace(c.Text)})
				case "Play":
					t.Said = append(t.Said, spoken{"audio", strings.TrimSpace(c.Text)})
				}
			}
			g := v
			t.Gather, t.rest = &g, verbs[i+1:]
			p.last = t
			return t, nil
		case "Redirect":
			next, err := p.post(ctx, strings.TrimSpace(v.Text), url.Values{})
			if err != nil {
				return nil, err
			}
			next.Said = append(t.Said, next.Said...)
			return next, nil
		case "Dial":
			t.Dialed = strings.TrimSpace(v.Text)
			p.last = t
			return t, nil
		case "Hangup":
			t.HungUp = true
			p.last = t
			return t, nil
		}
	}
	t.HungUp = true // Twilio hangs up at the end of a document
	p.last = t
	return t, nil
}
