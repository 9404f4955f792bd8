package webhooks

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"infopass/bot"
	"infopass/bot/bottest"
	"infopass/locales"
)

// The fuzz targets post any form body, signed as Twilio signs it when it
// is a form, to the real handler over the real engine and an in-memory
// store. Every answer must be 200 with well-formed TwiML of the verbs the
// route may use, or a 4xx; a 5xx or a panic (which the recoverer turns
// into a 500) fails. The same delivery made twice must get the same answer.

const (
	fuzzURL   = "https://infopass.example.org"
	fuzzToken = "fuzz-token"
)

// fuzzNow is a Monday afternoon in Washington.
var fuzzNow = time.Date(2026, 3, 2, 19, 0, 0, 0, time.UTC)

var fuzzCatalog = sync.OnceValues(func() (*bot.Catalog, error) { return bot.LoadCatalog(locales.FS) })

// fuzzHandler is a server with an empty store.
func fuzzHandler(t *testing.T) http.Handler {
	t.Helper()
	catalog, err := fuzzCatalog()
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	now := func() time.Time { return fuzzNow }
	engine := bot.NewEngine(bot.Config{Store: bottest.NewStore(), Catalog: catalog, Now: now, Zone: time.FixedZone("EST", -5*60*60)})
	return New(Config{Engine: engine, PublicURL: fuzzURL, AuthToken: fuzzToken, Now: now, SenderRate: rate.Inf})
}

// fuzzPost sends body to path (with rawQuery) as Twilio would: signed
// when body is a form and signed is set.
func fuzzPost(h http.Handler, path, rawQuery, body string, signed bool) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.URL.RawQuery = rawQuery
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if form, err := url.ParseQuery(body); err == nil && signed {
		req.Header.Set("X-Twilio-Signature", Sign(fuzzToken, fuzzURL+req.URL.RequestURI(), form))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// twimlNode is an element of a TwiML answer.
type twimlNode struct {
	name     string
	attrs    map[string]string
	text     string
	children []*twimlNode
}

// parseTwiML reads a whole XML document strictly: one root element and
// nothing after it but white space.
func parseTwiML(doc []byte) (*twimlNode, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	var (
		root  *twimlNode
		stack []*twimlNode
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &twimlNode{name: tok.Name.Local, attrs: map[string]string{}}
			if tok.Name.Space != "" {
				return nil, fmt.Errorf("element %s in namespace %q", tok.Name.Local, tok.Name.Space)
			}
			for _, a := range tok.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			switch {
			case len(stack) > 0:
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			case root != nil:
				return nil, fmt.Errorf("a second root element <%s>", n.name)
			default:
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(tok)) > 0 {
					return nil, fmt.Errorf("text %q outside the root element", tok)
				}
				continue
			}
			stack[len(stack)-1].text += string(tok)
		case xml.Directive:
			return nil, fmt.Errorf("directive <!%s>", tok)
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// checkAnswer checks one answer of a Twilio route: 200 with TwiML whose
// root is <Response> and whose verbs pass verbs, or 4xx.
func checkAnswer(t *testing.T, w *httptest.ResponseRecorder, verbs func(*twimlNode) error) {
	t.Helper()
	switch {
	case w.Code >= 400 && w.Code < 500:
		return
	case w.Code != http.StatusOK:
		t.Fatalf("status %d, want 200 or 4xx; body %q", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Fatalf("Content-Type %q", ct)
	}
	root, err := parseTwiML(w.Body.Bytes())
	if err != nil {
		t.Fatalf("answer is not well-formed XML: %v\n%s", err, w.Body)
	}
	if root.name != "Response" {
		t.Fatalf("root element <%s>, want <Response>\n%s", root.name, w.Body)
	}
	if err := verbs(root); err != nil {
		t.Fatalf("%v\n%s", err, w.Body)
	}
}

// smsVerbs allows at most one <Message>, with text only.
func smsVerbs(root *twimlNode) error {
	if len(root.children) > 1 {
		return fmt.Errorf("%d verbs in an SMS answer, want at most one <Message>", len(root.children))
	}
	for _, v := range root.children {
		if v.name != "Message" {
			return fmt.Errorf("verb <%s> in an SMS answer", v.name)
		}
		if len(v.children) > 0 {
			return fmt.Errorf("<Message> holds <%s>", v.children[0].name)
		}
		if strings.TrimSpace(v.text) == "" {
			return errors.New("empty <Message>")
		}
	}
	return nil
}

// voiceVerbs allows the verbs of the phone menu, and in a <Gather> only
// prompts.
func voiceVerbs(root *twimlNode) error {
	for _, v := range root.children {
		switch v.name {
		case "Say", "Play", "Pause", "Hangup", "Redirect":
			if len(v.children) > 0 {
				return fmt.Errorf("<%s> holds <%s>", v.name, v.children[0].name)
			}
		case "Dial":
			for _, c := range v.children {
				if c.name != "Number" {
					return fmt.Errorf("<Dial> holds <%s>", c.name)
				}
			}
		case "Gather":
			if action := v.attrs["action"]; action != "" && !strings.HasPrefix(action, fuzzURL+"/twilio/voice/turn?") {
				return fmt.Errorf("<Gather> posts to %q", action)
			}
			for _, c := range v.children {
				if !slices.Contains([]string{"Say", "Play", "Pause"}, c.name) || len(c.children) > 0 {
					return fmt.Errorf("<Gather> holds <%s>", c.name)
				}
			}
		default:
			return fmt.Errorf("verb <%s> in a voice answer", v.name)
		}
		if v.name == "Play" && !strings.HasPrefix(strings.TrimSpace(v.text), fuzzURL+"/audio/") {
			return fmt.Errorf("<Play> of %q", v.text)
		}
		if v.name == "Redirect" && !strings.HasPrefix(strings.TrimSpace(v.text), fuzzURL+"/twilio/voice/") {
			return fmt.Errorf("<Redirect> to %q", v.text)
		}
	}
	return nil
}

// checkRedelivery posts the same request again: Twilio retries, and the
// retry must get the answer the first delivery got.
func checkRedelivery(t *testing.T, h http.Handler, first *httptest.ResponseRecorder, path, query, body string, signed bool) {
	t.Helper()
	again := fuzzPost(h, path, query, body, signed)
	same := again.Code == first.Code
	if same && first.Code == http.StatusOK {
		// twiml writes attributes in no fixed order.
		a, errA := parseTwiML(first.Body.Bytes())
		b, errB := parseTwiML(again.Body.Bytes())
		same = errA == nil && errB == nil && reflect.DeepEqual(a, b)
	}
	if !same {
		t.Fatalf("a repeated delivery got another answer:\n%d %s\nfirst:\n%d %s", again.Code, again.Body, first.Code, first.Body)
	}
}

// twilioForm is a form as Twilio posts it.
func twilioForm(kv ...string) string {
	form := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Add(kv[i], kv[i+1])
	}
	return form.Encode()
}

const (
	fuzzMessageSid = "SM0123456789abcdef0123456789abcdef"
	fuzzCallSid    = "CA0123456789abcdef0123456789abcdef"
	fuzzAccountSid = "AC0123456789abcdef0123456789abcdef"
)

func smsForm(from, body string) string {
	return twilioForm("ToCountry", "US", "SmsMessageSid", fuzzMessageSid, "NumMedia", "0", "SmsSid", fuzzMessageSid,
		"SmsStatus", "received", "Body", body, "To", "+18005550100", "NumSegments", "1", "MessageSid", fuzzMessageSid,
		"AccountSid", fuzzAccountSid, "From", from, "FromCountry", "US", "ApiVersion", "2010-04-01")
}

func smsSeeds() []string {
	return []string{
		smsForm("+12025550123", "hi"),
		smsForm("+12025550123", "Hola, ¿cómo está? 你好 안녕하세요 🙂"),
		smsForm("+12025550123", "</Message><Redirect>http://x</Redirect>"),
		smsForm("+12025550123", "]]><![CDATA[<Redirect>http://x</Redirect>&amp;&#0;"),
		smsForm("+12025550123", strings.Repeat("long ", 400)),
		smsForm("+12025550123", strings.Repeat("x", MaxFormBytes)),
		smsForm("+12025550123", "STOP"),
		smsForm("+12025550123", "\x00\x01\x0b\x1f\ufffe\x7f"),
		smsForm("+447700900123", "hello"),
		smsForm("12345", "short code"),
		smsForm("+266696687", "withheld"),
		strings.Replace(smsForm("+12025550123", "hi"), "MessageSid=SM", "MessageSid=MM", 1),
		strings.Replace(smsForm("+12025550123", "hi"), "MessageSid="+fuzzMessageSid, "MessageSid=SM123", 1),
		smsForm("+12025550123", "a") + "&Body=b",
		"MessageSid=" + fuzzMessageSid + "&From=%2B12025550123&Body=%zz",
		"MessageSid=" + fuzzMessageSid + "&From=%2B12025550123&Body=%FF%FE",
		"MessageSid=" + fuzzMessageSid + ";From=%2B12025550123&Body=hi",
		"",
		"&&&==&",
	}
}

// FuzzSMSWebhook posts any form to /twilio/sms.
func FuzzSMSWebhook(f *testing.F) {
	for _, body := range smsSeeds() {
		f.Add(body, false)
	}
	f.Add(smsForm("+12025550123", "hi"), true)
	f.Fuzz(func(t *testing.T, body string, unsigned bool) {
		h := fuzzHandler(t)
		w := fuzzPost(h, "/twilio/sms", "", body, !unsigned)
		checkAnswer(t, w, smsVerbs)
		checkRedelivery(t, h, w, "/twilio/sms", "", body, !unsigned)
	})
}

func voiceForm(from string, kv ...string) string {
	return twilioForm(append([]string{"AccountSid", fuzzAccountSid, "ApiVersion", "2010-04-01", "CallSid", fuzzCallSid,
		"CallStatus", "in-progress", "Called", "+18005550100", "Caller", from, "Direction", "inbound", "From", from,
		"FromCountry", "US", "To", "+18005550100"}, kv...)...)
}

// voicePaths are the routes FuzzVoiceWebhook posts to, by its variant.
var voicePaths = []string{"/twilio/voice", "/twilio/voice/turn", "/twilio/voice/fallback", "/twilio/voice/retry"}

// FuzzVoiceWebhook posts any form to a voice route: variant picks the
// route, query is its query string (the turn number, seq=N; the retry
// count, n=N).
func FuzzVoiceWebhook(f *testing.F) {
	type seed struct {
		variant uint8
		query   string
		body    string
	}
	for _, s := range []seed{
		{0, "", voiceForm("+12025550123")},
		{1, "seq=1", voiceForm("+12025550123", "Digits", "1", "FinishedOnKey", "")},
		{1, "seq=3", voiceForm("+12025550123", "SpeechResult", "Jane Doe", "Confidence", "0.93")},
		{1, "seq=2", voiceForm("+12025550123", "Digits", "0")},
		{1, "seq=2", voiceForm("+12025550123", "Digits", "*")},
		{1, "seq=2", voiceForm("+12025550123", "Digits", "#")},
		{1, "seq=5&sms=1", voiceForm("+12025550123", "Digits", "1")},
		{1, "seq=6", voiceForm("+12025550123", "Digits", "12ab")},
		{1, "seq=7", voiceForm("+12025550123", "SpeechResult", "</Say><Redirect>http://x</Redirect>")},
		{1, "seq=8", voiceForm("+12025550123", "SpeechResult", strings.Repeat("blah ", 400))},
		{1, "seq=9", voiceForm("+12025550123", "SpeechResult", "\x00\x01\x0b\ufffe")},
		{1, "seq=-1", voiceForm("+12025550123", "Digits", "1")},
		{1, "seq=abc", voiceForm("+12025550123", "Digits", "1")},
		{1, "seq=1&seq=2", voiceForm("+12025550123", "Digits", "1")},
		{1, "seq=%zz", voiceForm("+12025550123", "Digits", "1")},
		{1, "", voiceForm("+12025550123", "Digits", "1")},
		{0, "", voiceForm("+266696687")},
		{0, "", voiceForm("Anonymous")},
		{0, "", voiceForm("+447700900123")},
		{0, "", strings.Replace(voiceForm("+12025550123"), "CallSid=CA", "CallSid=XX", 1)},
		{2, "", voiceForm("+12025550123", "ErrorCode", "11200", "ErrorUrl", fuzzURL+"/twilio/voice")},
		{3, "n=1", voiceForm("+12025550123")},
		{3, "n=2", voiceForm("+12025550123")},
		{3, "n=0", voiceForm("+12025550123")},
		{0, "", voiceForm("+12025550123") + "&From=%2B12025550124"},
		{0, "", "CallSid=" + fuzzCallSid + "&From=%2B12025550123&Digits=%"},
		{1, "seq=1", "CallSid=" + fuzzCallSid + "&From=%2B12025550123&SpeechResult=" + strings.Repeat("y", MaxFormBytes)},
	} {
		f.Add(s.variant, s.query, s.body, false)
	}
	f.Add(uint8(0), "", voiceForm("+12025550123"), true)
	f.Fuzz(func(t *testing.T, variant uint8, query, body string, unsigned bool) {
		path := voicePaths[int(variant)%len(voicePaths)]
		h := fuzzHandler(t)
		w := fuzzPost(h, path, query, body, !unsigned)
		checkAnswer(t, w, voiceVerbs)
		if path != "/twilio/voice/retry" {
			// A retry carries no provider id: asked twice, it asks twice,
			// and the second <Gather> has the next turn number.
			checkRedelivery(t, h, w, path, query, body, !unsigned)
		}
	})
}

// TestFuzzSeedsReachTheEngine keeps the seeds honest: the realistic forms
// must get past the signature check and the handler's own checks.
func TestFuzzSeedsReachTheEngine(t *testing.T) {
	h := fuzzHandler(t)
	for i, tc := range []struct {
		path, query, body string
		want              string
	}{
		{"/twilio/sms", "", smsForm("+12025550123", "hi"), "<Message>"},
		{"/twilio/voice", "", voiceForm("+12025550124"), "<Gather"},
		{"/twilio/voice/turn", "seq=" + strconv.Itoa(1), voiceForm("+12025550124", "Digits", "0"), "<Dial"},
		{"/twilio/voice/fallback", "", voiceForm("+12025550124"), "<Dial"},
	} {
		w := fuzzPost(h, tc.path, tc.query, tc.body, true)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("%d: %s: %d %s, want 200 with %s", i, tc.path, w.Code, w.Body, tc.want)
		}
	}
}
