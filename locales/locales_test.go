package locales

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// flatten reads a message file into message ID → text, the way go-i18n
// nests tables into dotted IDs.
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
			for id, text := range en {
				other, ok := msgs[id]
				if !ok {
					t.Errorf("missing %s", id)
					continue
				}
				if strings.TrimSpace(other) == "" {
					t.Errorf("%s is empty", id)
				}
				if got, want := templateVars(other), templateVars(text); !slices.Equal(got, want) {
					t.Errorf("%s uses %v, en.toml uses %v", id, got, want)
				}
			}
			for id := range msgs {
				if _, ok := en[id]; !ok {
					t.Errorf("%s is not in en.toml", id)
				}
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
