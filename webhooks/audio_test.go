package webhooks

import (
	"io/fs"
	"path"
	"testing"

	"infopass/bot"
	"infopass/locales"
)

// TestEveryFixedPromptIsRecorded checks the recordings match the locale
// files: each fixed prompt and each read-back clip of a recorded language
// has its file, and no file is left from an older text. Run go generate ./webhooks when it fails.
func TestEveryFixedPromptIsRecorded(t *testing.T) {
	catalog, err := bot.LoadCatalog(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	engine := bot.NewEngine(bot.Config{Catalog: catalog})
	for _, lang := range RecordedLanguages() {
		t.Run(lang, func(t *testing.T) {
			if !catalog.Has(lang) {
				t.Fatalf("no locale file for %s", lang)
			}
			want := map[string]bool{}
			for _, text := range SpokenPrompts(engine, lang) {
				want[AudioKey(lang, text)+".mp3"] = true
				if !HasAudio(lang, text) {
					t.Errorf("no recording of %q: run go generate ./webhooks", text)
				}
			}
			clips := catalog.ReadbackClips(lang)
			for _, c := range clips {
				want[AudioKey(lang, c.Text)+".mp3"] = true
				if !HasAudio(lang, c.Text) {
					t.Errorf("no recording of clip %s %q: run go generate ./webhooks", c.Name, c.Text)
				}
			}
			if len(clips) != 10+31+12+7+160+26 {
				t.Errorf("%d clips, want every digit, number 1-31, month, weekday, year 1900-2059 and letter", len(clips))
			}
			files, _ := fs.ReadDir(audioFS, path.Join("audio", lang))
			for _, f := range files {
				if !want[f.Name()] {
					t.Errorf("audio/%s/%s records no current prompt: run go generate ./webhooks", lang, f.Name())
				}
			}
			if len(want) < 50 {
				t.Errorf("only %d fixed prompts found for %s", len(want), lang)
			}
		})
	}
}

// TestHasClips checks the answer to "can this read-back be played from
// clips": yes when every clip is recorded, no when one is not a clip or
// the language has no recordings.
func TestHasClips(t *testing.T) {
	catalog, err := bot.LoadCatalog(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	date := []string{"number.3", "month.4", "year.1990"}
	for _, tc := range []struct {
		lang  string
		names []string
		want  bool
	}{
		{"ht", date, true},
		{"eo", date, true},
		{"eo", []string{"letter.e", "letter.a", "letter.c", "digit.0", "digit.9"}, true},
		{"ht", []string{"number.3", "month.4", "year.2100"}, false},
		{"ht", []string{"number.3", "nothing.1"}, false},
		{"ht", nil, false},
		{"es", date, false}, // Twilio speaks Spanish: nothing is recorded
	} {
		if got := HasClips(catalog, tc.lang, tc.names); got != tc.want {
			t.Errorf("HasClips(%s, %v) = %v, want %v", tc.lang, tc.names, got, tc.want)
		}
	}
}
