package bot

import (
	"slices"
	"testing"
)

// TestReadbackClips checks the clips a read-back is composed of in the
// recorded languages: each kind is there, from the locale file, and said
// the way the language says it.
func TestReadbackClips(t *testing.T) {
	c := mustCatalog(t)
	for _, tc := range []struct{ lang, name, want string }{
		{"ht", "digit.0", "zewo"},
		{"ht", "number.21", "venteyen"},
		{"ht", "number.31", "tranteyen"},
		{"ht", "month.7", "jiyè"},
		{"ht", "weekday.1", "lendi"},
		{"ht", "year.1990", "mil nèf san katreven dis"},
		{"ht", "year.1977", "mil nèf san swasanndisèt"},
		{"ht", "year.2000", "de mil"},
		{"ht", "year.2027", "de mil vennsèt"},
		{"ht", "letter.b", "be"},
		{"ht", "letter.w", "doubleve"},
		{"ht", "letter.a", "a"},
		{"eo", "digit.8", "ok"},
		{"eo", "number.19", "dek naŭ"},
		{"eo", "month.4", "aprilo"},
		{"eo", "weekday.0", "dimanĉo"},
		{"eo", "year.1985", "mil naŭcent okdek kvin"},
		{"eo", "year.2027", "du mil dudek sep"},
		{"eo", "letter.w", "duobla vo"},
		{"eo", "letter.q", "kuo"},
	} {
		if got, ok := c.ClipText(tc.lang, tc.name); !ok || got != tc.want {
			t.Errorf("ClipText(%s, %s) = %q %v, want %q", tc.lang, tc.name, got, ok, tc.want)
		}
	}
	for _, name := range []string{"digit.10", "number.0", "number.32", "month.13", "weekday.7", "year.1899",
		"year.2060", "letter.ab", "letter.A", "digit.07", "digit.x", "digit", "note.1", ""} {
		if got, ok := c.ClipText("ht", name); ok {
			t.Errorf("ClipText(ht, %q) = %q, want no clip", name, got)
		}
	}
	if _, ok := c.ClipText("xx", "digit.1"); ok {
		t.Error("a clip in a language with no locale file")
	}
	for _, lang := range []string{"ht", "eo"} {
		clips := c.ReadbackClips(lang)
		var names []string
		for _, cl := range clips {
			if cl.Text == "" {
				t.Errorf("%s: clip %s has no text", lang, cl.Name)
			}
			names = append(names, cl.Name)
		}
		if len(clips) != 10+31+12+7+160+26 {
			t.Errorf("%s: %d clips", lang, len(clips))
		}
		for _, want := range []string{"digit.0", "digit.9", "number.1", "number.31", "month.1", "month.12", "weekday.0",
			"weekday.6", "year.1900", "year.2059", "letter.a", "letter.z"} {
			if !slices.Contains(names, want) {
				t.Errorf("%s: no clip %s", lang, want)
			}
		}
	}
}
