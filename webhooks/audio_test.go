package webhooks

import (
	"io/fs"
	"path"
	"testing"

	"infopass/bot"
	"infopass/locales"
)

// TestEveryFixedPromptIsRecorded checks the recordings match the locale
// files: each fixed prompt of a recorded language has its file, and no file
// is left from an older text. Run go generate ./webhooks when it fails.
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
