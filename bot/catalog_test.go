package bot

import (
	"strings"
	"testing"
	"time"

	"infopass/flows"
	"infopass/locales"
)

func mustCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := LoadCatalog(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestKeyword(t *testing.T) {
	c := mustCatalog(t)
	for _, tc := range []struct {
		lang, text string
		want       Keyword
		ok         bool
	}{
		{"en", "HELP", KeyHelp, true},
		{"en", " help! ", KeyHelp, true},
		{"es", "Ayuda", KeyHelp, true},
		{"es", "¡AYUDA!", KeyHelp, true},
		{"es", "atras", KeyBack, true},
		{"es", "ATRÁS", KeyBack, true},
		{"es", "help", KeyHelp, true}, // English works in every language
		{"en", "ayuda", "", false},    // Spanish does not work in English
		{"en", "ＳＴＯＰ", KeyStop, true}, // full-width
		{"en", "Infopass", KeyAgent, true},
		{"en", "help me with my ADIT", "", false},
		// STOP in any language stops, whatever the conversation's language.
		{"en", "стоп", KeyStop, true},
		{"es", "停止", KeyStop, true},
		{"fr", "Parar!", KeyStop, true},
		{"vi", "ＴＤ", KeyStop, true},
		{"en", "koniec", KeyStop, true},
		{"en", "alto ahí", "", false},
		{"en", "", "", false},
	} {
		t.Run(tc.lang+"_"+tc.text, func(t *testing.T) {
			got, ok := c.Keyword(tc.lang, tc.text)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Keyword(%s, %q) = %q %v, want %q %v", tc.lang, tc.text, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestOptOutLanguage checks which language the confirmation of an
// opt-out from someone who never chose one is written in.
func TestOptOutLanguage(t *testing.T) {
	c := mustCatalog(t)
	for _, tc := range []struct {
		text string
		want string
		ok   bool
	}{
		{"стоп", "ru", true},
		{"停止", "zh-Hans", true},
		{"no más mensajes por favor", "es", true},
		{"please stop texting me", "en", true},
		{"STOP", "en", true},
		{"sispann", "ht", true},
		{"parar", "", false}, // Spanish and Portuguese
		{"hello", "", false},
	} {
		got, ok := c.OptOutLanguage(tc.text)
		if got != tc.want || ok != tc.ok {
			t.Errorf("OptOutLanguage(%q) = %q %v, want %q %v", tc.text, got, ok, tc.want, tc.ok)
		}
		if tc.ok && !c.OptsOut(tc.text) {
			if _, kw := c.Keyword("en", tc.text); !kw {
				t.Errorf("%q neither opts out nor is a keyword", tc.text)
			}
		}
	}
}

func TestYesNoInAnyLanguage(t *testing.T) {
	c := mustCatalog(t)
	for _, tc := range []struct {
		text    string
		yes, ok bool
	}{
		{"YES", true, true}, {"sí", true, true}, {"Si", true, true}, {"no", false, true}, {"nope", false, true}, {"perhaps", false, false},
	} {
		yes, ok := c.YesNo(tc.text, "en")
		if yes != tc.yes || ok != tc.ok {
			t.Errorf("YesNo(%q) = %v %v, want %v %v", tc.text, yes, ok, tc.yes, tc.ok)
		}
	}
}

func TestTextFormatsArguments(t *testing.T) {
	c := mustCatalog(t)
	d := flows.Date{Year: 2026, Month: 7, Day: 3}
	if got := c.FormatTypedDate("en", d); got != "07/03/2026" {
		t.Errorf("en typed date %s", got)
	}
	if got := c.FormatTypedDate("es", d); got != "03/07/2026" {
		t.Errorf("es typed date %s", got)
	}
	// A date in a message has the month in words; an example of how to
	// type one stays in digits.
	if got := c.Text("es", flows.M("review.type_adit", "Date", d)); got != "Sello ADIT, lo necesita para el 3 de julio de 2026" {
		t.Errorf("es date in a message: %q", got)
	}
	if got := c.Text("es", flows.M("ask.travel_date", "Example", d)); !strings.HasSuffix(got, " 03/07/2026") {
		t.Errorf("es example: %q", got)
	}
	at := time.Date(2026, 7, 3, 14, 5, 0, 0, time.UTC)
	if c.FormatTime("en", at) != "2:05 PM" || c.FormatTime("es", at) != "14:05" {
		t.Errorf("times %s %s", c.FormatTime("en", at), c.FormatTime("es", at))
	}
	days := flows.List{flows.M("day.mon"), flows.M("day.wed")}
	got := c.Text("en", flows.M("review.callback", "N", 6, "Days", days, "Time", flows.M("time.morning")))
	if got != "6 Best time: Mon, Wed, mornings" {
		t.Errorf("nested messages: %q", got)
	}
	if got := c.Text("en", flows.M("no.such.message")); got != "no.such.message" {
		t.Errorf("missing message: %q", got)
	}
	if names := c.Languages(); len(names) < 2 || names[0].Name != "English" || names[1].Name != "Español" {
		t.Errorf("menu: %v", names)
	}
}

func TestReference(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		r := NewReference()
		if !ValidReference(r) || seen[r] {
			t.Fatalf("reference %q invalid or repeated", r)
		}
		seen[r] = true
	}
	for _, bad := range []string{"", "IP-", "IP-7K3Q9D2", "IP-7K3Q9D2MX", "IP-7K3Q9D2I", "XX-7K3Q9D2M", "ip-7k3q9d2m"} {
		if ValidReference(bad) {
			t.Errorf("ValidReference(%q)", bad)
		}
	}
	for _, tc := range []struct{ text, ref, rest string }{
		{"YES IP-7K3Q9D2M", "IP-7K3Q9D2M", "YES"},
		{"no ip-7k3q9d2m please", "IP-7K3Q9D2M", "NO PLEASE"},
		{"cancel IP7K3Q9D2M", "IP-7K3Q9D2M", "CANCEL"},
		{"yes", "", "yes"},
	} {
		ref, rest := findReference(tc.text)
		if ref != tc.ref || !strings.EqualFold(rest, tc.rest) {
			t.Errorf("findReference(%q) = %q %q", tc.text, ref, rest)
		}
	}
}

func TestBackoff(t *testing.T) {
	o := NewOutbox(OutboxConfig{RetryBase: time.Second, RetryMax: time.Minute})
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 10: time.Minute} {
		got := o.backoff(attempt)
		if got > want || got < want*4/5 {
			t.Errorf("backoff(%d) = %v, want within a fifth below %v", attempt, got, want)
		}
	}
}

func TestSaysInfopass(t *testing.T) {
	for _, tc := range []struct {
		said string
		want bool
	}{
		{"Infopass", true},
		{"Infopass please", true},
		{"I need INFOPASS.", true},
		{"info pass", true}, // as speech recognition may hear it
		{"info", false},
		{"passport info", false},
		{"I want to talk to an agent please", false},
		{"infopassword", false},
		{"", false},
	} {
		if got := SaysInfopass(tc.said); got != tc.want {
			t.Errorf("SaysInfopass(%q) = %v, want %v", tc.said, got, tc.want)
		}
	}
}

// TestFormatDate checks that every language writes a date with the month in
// words, in its own order and with its own words, so that 3 April is never
// read as March 4.
func TestFormatDate(t *testing.T) {
	c := mustCatalog(t)
	d := flows.Date{Year: 2027, Month: 4, Day: 3}
	want := map[string]string{
		"en":      "April 3, 2027",
		"es":      "3 de abril de 2027",
		"zh-Hans": "2027年4月3日",
		"vi":      "3 tháng tư năm 2027",
		"eo":      "3-a de aprilo 2027",
		"fil":     "Abril 3, 2027",
		"pl":      "3 kwietnia 2027",
		"fr":      "3 avril 2027",
		"pt":      "3 de abril de 2027",
		"ar":      "3 أبريل 2027",
		"ko":      "2027년 4월 3일",
		"ru":      "3 апреля 2027",
		"ht":      "3 avril 2027",
	}
	if len(want) != len(c.Languages()) {
		t.Errorf("%d languages, %d expected dates", len(c.Languages()), len(want))
	}
	for _, l := range c.Languages() {
		if got := c.FormatDate(l.Tag, d); got != want[l.Tag] {
			t.Errorf("%s: FormatDate = %q, want %q", l.Tag, got, want[l.Tag])
		}
	}
	if got := c.FormatDate("en", flows.Date{}); got != "" {
		t.Errorf("no date: %q", got)
	}
}
