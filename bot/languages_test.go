package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"infopass/flows"
	"infopass/locales"
)

// words reads a "|"-separated word list of a locale file as written.
func localeWords(t *testing.T, tag, section, key string) []string {
	t.Helper()
	var doc map[string]map[string]any
	if _, err := toml.DecodeFS(locales.FS, tag+".toml", &doc); err != nil {
		t.Fatal(err)
	}
	v, _ := doc[section][key].(string)
	return splitWords(v)
}

// TestEveryLanguageReadsItsOwnWords checks, in every language, that the
// words the locale file lists work: keywords, yes/no/none/same, month and
// weekday names, its own date format, country names, greetings, opt-outs.
func TestEveryLanguageReadsItsOwnWords(t *testing.T) {
	c := mustCatalog(t)
	if n := len(c.Languages()); n != 13 {
		t.Errorf("%d languages, want 13", n)
	}
	for _, l := range c.Languages() {
		tag := l.Tag
		lex := c.Lexicon(tag)
		t.Run(tag, func(t *testing.T) {
			seen := map[string]Keyword{}
			for _, k := range Keywords() {
				for _, w := range localeWords(t, tag, "keyword", string(k)) {
					got, ok := c.Keyword(tag, w)
					if !ok || got != k {
						t.Errorf("keyword %q reads as %q, want %s", w, got, k)
					}
					if other, dup := seen[flows.Fold(w)]; dup && other != k {
						t.Errorf("%q is both %s and %s", w, other, k)
					}
					seen[flows.Fold(w)] = k
					if lex.IsYes(w) || lex.IsNo(w) || lex.IsNone(w) || lex.IsSame(w) {
						t.Errorf("keyword %q is also an answer word", w)
					}
				}
			}
			for _, tc := range []struct {
				key  string
				is   func(string) bool
				name string
			}{{"yes", lex.IsYes, "yes"}, {"no", lex.IsNo, "no"}, {"none", lex.IsNone, "none"}, {"same", lex.IsSame, "same"}} {
				for _, w := range localeWords(t, tag, "input", tc.key) {
					if !tc.is(w) {
						t.Errorf("%q is not read as %s", w, tc.name)
					}
				}
			}
			monthGroups := strings.Split(strings.Join(localeWords(t, tag, "input", "months"), "|"), "|")
			for i, g := range monthGroups {
				for _, name := range strings.Fields(g) {
					name = strings.ReplaceAll(name, "_", " ")
					want := flows.Date{Year: 1990, Month: time.Month(i + 1), Day: 15}
					for _, text := range []string{"15 " + name + " 1990", name + " 15 1990"} {
						if d, err := flows.ParseDate(text, lex); err != nil || d != want {
							t.Errorf("ParseDate(%q) = %v %v, want %v", text, d, err, want)
						}
					}
				}
			}
			for _, d := range []flows.Date{{Year: 1990, Month: 7, Day: 21}, {Year: 2026, Month: 12, Day: 3}, {Year: 1985, Month: 1, Day: 2}} {
				text := c.FormatDate(tag, d)
				if got, err := flows.ParseDate(text, lex); err != nil || got != d {
					t.Errorf("its own date %q reads as %v %v, want %v", text, got, err, d)
				}
			}
			weekdayGroups := strings.Split(strings.Join(localeWords(t, tag, "input", "weekdays"), "|"), "|")
			if len(weekdayGroups) == 7 {
				monday := strings.ReplaceAll(strings.Fields(weekdayGroups[1])[0], "_", " ")
				ctx := flows.Context{Lex: lex, Today: flows.Date{Year: 2026, Month: 11, Day: 20}}
				if r, err := flows.Answer(flows.StepDays, flows.Answers{Language: tag}, monday, ctx); err != nil || len(r.Answers.Days) != 1 || r.Answers.Days[0] != flows.Monday {
					t.Errorf("Monday %q reads as %v %v", monday, r.Answers.Days, err)
				}
			}
			for _, code := range []string{"MX", "SV", "CN", "VN", "PH", "HT"} {
				name := flows.CountryName(code, lex.Lang)
				if got, err := flows.ParseCountry(name, lex.Lang); err != nil || got != code {
					t.Errorf("country %q reads as %q %v, want %s", name, got, err, code)
				}
			}
			if tag != DefaultLanguage {
				for _, g := range localeWords(t, tag, "input", "greetings") {
					if got, ok := c.DetectLanguage(g); ok && got != tag {
						t.Errorf("greeting %q is taken as %s", g, got)
					}
				}
			}
			for _, p := range localeWords(t, tag, "input", "opt_out") {
				if !c.OptsOut(p) {
					t.Errorf("opt-out %q is not understood", p)
				}
			}
			if got := c.Text(tag, flows.M("voice.menu_option", "N", 3)); !strings.Contains(flows.ASCIIDigits(got), "3") {
				t.Errorf("menu option does not say its number: %q", got)
			}
		})
	}
}
