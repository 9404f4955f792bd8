package locales

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// pluralCategories are CLDR's plural forms, as go-i18n names the fields of
// a plural message.
var pluralCategories = map[string]plural.Form{
	"zero": plural.Zero, "one": plural.One, "two": plural.Two, "few": plural.Few, "many": plural.Many, "other": plural.Other,
}

// pluralTable reports whether v is a plural message: a table of forms.
func pluralTable(v map[string]any) (map[string]string, bool) {
	forms := map[string]string{}
	for k, x := range v {
		text, ok := x.(string)
		if _, isForm := pluralCategories[k]; !isForm && k != "description" || !ok {
			return nil, false
		}
		if k != "description" {
			forms[k] = text
		}
	}
	return forms, len(forms) > 0
}

// requiredForms returns the plural forms a language's messages need: the
// forms CLDR's cardinal rules pick for whole numbers and for decimals.
func requiredForms(tag language.Tag) []string {
	seen := map[plural.Form]bool{}
	for n := 0; n <= 1000; n++ {
		seen[plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)] = true
		for f := range 10 {
			seen[plural.Cardinal.MatchPlural(tag, n, 1, 1, f, f)] = true
		}
	}
	var out []string
	for name, form := range pluralCategories {
		if seen[form] {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func TestRequiredForms(t *testing.T) {
	for _, tc := range []struct {
		tag  string
		want []string
	}{
		{"en", []string{"one", "other"}},
		{"zh-Hans", []string{"other"}},
		{"ru", []string{"few", "many", "one", "other"}},
		{"pl", []string{"few", "many", "one", "other"}},
		{"ar", []string{"few", "many", "one", "other", "two", "zero"}},
	} {
		if got := requiredForms(language.MustParse(tc.tag)); !slices.Equal(got, tc.want) {
			t.Errorf("requiredForms(%s) = %v, want %v", tc.tag, got, tc.want)
		}
	}
}

// flatten reads a message file into message ID → text, the way go-i18n
// nests tables into dotted IDs. A plural message is listed once a form, as
// "ID#form".
func flatten(t *testing.T, name string) map[string]string {
	t.Helper()
	raw, err := fs.ReadFile(FS, name)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := toml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if forms, ok := pluralTable(v); ok && prefix != "" {
				for form, text := range forms {
					out[prefix+"#"+form] = text
				}
				return
			}
			for k, child := range v {
				id := k
				if prefix != "" {
					id = prefix + "." + k
				}
				walk(id, child)
			}
		case string:
			out[prefix] = v
		default:
			t.Errorf("%s: %s is a %T, want text", name, prefix, v)
		}
	}
	walk("", doc)
	return out
}

var templateVar = regexp.MustCompile(`{{\s*\.([A-Za-z]+)\s*}}`)

func templateVars(s string) []string {
	var vars []string
	for _, m := range templateVar.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(vars, m[1]) {
			vars = append(vars, m[1])
		}
	}
	sort.Strings(vars)
	return vars
}

func TestEveryLocaleHasEveryMessage(t *testing.T) {
	files, err := fs.Glob(FS, "*.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(files, "en.toml") || len(files) < 2 {
		t.Fatalf("locale files: %v, want en.toml and at least one more", files)
	}
	en := flatten(t, "en.toml")
	for _, f := range files {
		t.Run(strings.TrimSuffix(f, ".toml"), func(t *testing.T) {
			msgs := flatten(t, f)
			for _, p := range compareLocale(en, msgs, language.MustParse(strings.TrimSuffix(f, ".toml"))) {
				t.Error(p)
			}
		})
	}
}

// compareLocale lists what msgs, the messages of a language, lack or have
// wrong against en's: a message, a plural form the language needs, a
// template variable.
func compareLocale(en, msgs map[string]string, tag language.Tag) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for id, text := range en {
		if base, form, ok := strings.Cut(id, "#"); ok {
			// A plural message has the forms its language needs, each
			// with the variables of English's.
			if form != "other" {
				continue
			}
			for _, need := range requiredForms(tag) {
				other, ok := msgs[base+"#"+need]
				if !ok || strings.TrimSpace(other) == "" {
					bad("%s lacks its %q form", base, need)
				} else if got, want := templateVars(other), templateVars(text); !slices.Equal(got, want) {
					bad("%s (%s) uses %v, en.toml uses %v", base, need, got, want)
				}
			}
			continue
		}
		other, ok := msgs[id]
		switch {
		case !ok:
			bad("missing %s", id)
		case strings.TrimSpace(other) == "":
			bad("%s is empty", id)
		default:
			if got, want := templateVars(other), templateVars(text); !slices.Equal(got, want) {
				bad("%s uses %v, en.toml uses %v", id, got, want)
			}
		}
	}
	for id := range msgs {
		base, _, isPlural := strings.Cut(id, "#")
		if _, ok := en[base+"#other"]; isPlural && !ok {
			bad("%s has plural forms; en.toml has no plural %s", base, base)
		} else if _, ok := en[id]; !ok && !isPlural {
			bad("%s is not in en.toml", id)
		}
	}
	sort.Strings(problems)
	return problems
}

func TestCompareLocale(t *testing.T) {
	en := map[string]string{"ask.name": "Your name?", "reply.count#one": "{{.N}} request", "reply.count#other": "{{.N}} requests"}
	for _, tc := range []struct {
		name string
		tag  string
		msgs map[string]string
		want []string
	}{
		{"OK", "es", map[string]string{"ask.name": "¿Su nombre?", "reply.count#one": "{{.N}} solicitud", "reply.count#other": "{{.N}} solicitudes"}, nil},
		{"OKNoPluralForms", "zh-Hans", map[string]string{"ask.name": "姓名？", "reply.count#other": "{{.N}}个申请"}, nil},
		{"ErrMissing", "es", map[string]string{"reply.count#one": "{{.N}}", "reply.count#other": "{{.N}}"}, []string{"missing ask.name"}},
		{"ErrPluralForm", "ru", map[string]string{"ask.name": "Имя?", "reply.count#one": "{{.N}} запрос", "reply.count#other": "{{.N}} запроса"},
			[]string{`reply.count lacks its "few" form`, `reply.count lacks its "many" form`}},
		{"ErrVariable", "es", map[string]string{"ask.name": "¿{{.Name}}?", "reply.count#one": "{{.N}}", "reply.count#other": "{{.N}}"},
			[]string{"ask.name uses [Name], en.toml uses []"}},
		{"ErrExtra", "es", map[string]string{"ask.name": "¿Su nombre?", "ask.age": "¿Edad?", "reply.count#one": "{{.N}}", "reply.count#other": "{{.N}}"},
			[]string{"ask.age is not in en.toml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := compareLocale(en, tc.msgs, language.MustParse(tc.tag)); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCodeUsesOnlyKnownMessages finds every literal message ID the Go code
// asks for and checks en.toml has it, so a typo cannot reach a person as a
// raw ID.
func TestCodeUsesOnlyKnownMessages(t *testing.T) {
	en := flatten(t, "en.toml")
	call := regexp.MustCompile(`\b(?:M|Invalid|who)\("([a-z_]+\.[a-z_.]+)"`)
	prefix := regexp.MustCompile(`\bM\("([a-z_]+\.)" *\+`)
	var found int
	for _, dir := range []string{"../flows", "../bot", "../webhooks"} {
		paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			if strings.HasSuffix(p, "_test.go") {
				continue
			}
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range call.FindAllStringSubmatch(string(src), -1) {
				found++
				id := m[1]
				if _, ok := en[id]; !ok {
					if _, ok := en[id+"_rep"]; !ok || !strings.Contains(m[0], "who(") {
						t.Errorf("%s asks for %s, which en.toml lacks", p, id)
					}
				}
			}
			for _, m := range prefix.FindAllStringSubmatch(string(src), -1) {
				has := false
				for id := range en {
					has = has || strings.HasPrefix(id, m[1])
				}
				if !has {
					t.Errorf("%s builds IDs under %s, which en.toml lacks", p, m[1])
				}
			}
		}
	}
	if found < 50 {
		t.Errorf("found only %d message IDs in the code; is the pattern stale?", found)
	}
}
