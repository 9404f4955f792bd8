package webhooks

import (
	"regexp"
	"strings"
	"testing"

	"infopass/bot"
	"infopass/flows"
	"infopass/locales"
)

// speechWords are, per language played from recordings, the words that
// ask a caller to speak: Twilio recognizes no speech in these languages,
// so a prompt that asks for it leaves the caller stuck. They are matched as
// whole words, accents and case ignored.
var speechWords = map[string][]string{
	// di: say, tell; pale: speak; vwa: voice; pawol: speech, word said.
	"ht": {"di", "pale", "vwa", "pawol", "lapawol"},
	// diri, paroli and their forms (diru, diras, parolu...), elparoli,
	// voĉo (voice), voĉe (aloud).
	"eo": {"diru", "diri", "diras", "diris", "parolu", "paroli", "parolas", "elparolu", "elparoli", "voco", "vocon", "voce"},
}

// asksForSpeech returns the speech words text uses.
func asksForSpeech(lang, text string) []string {
	var found []string
	for _, w := range regexp.MustCompile(`[\pL]+`).FindAllString(flows.Fold(text), -1) {
		for _, s := range speechWords[lang] {
			if w == s {
				found = append(found, w)
			}
		}
	}
	return found
}

func TestAsksForSpeech(t *testing.T) {
	for _, tc := range []struct {
		lang, text string
		asks       bool
	}{
		{"ht", "Tanpri di non konplè ou.", true},
		{"ht", "Nenpòt lè, pale ak yon moun.", true},
		{"ht", "Peze 1 pou lendi, 2 madi, 5 vandredi.", false},
		{"eo", "Por sendi, premu la steleton aŭ diru jes.", true},
		{"eo", "Iam ajn, diru Infopass.", true},
		{"eo", "Respondu per la klavaro aŭ per via voĉo.", true},
		{"eo", "Por ajna tago, premu 6.", false},
	} {
		if got := len(asksForSpeech(tc.lang, tc.text)) > 0; got != tc.asks {
			t.Errorf("asksForSpeech(%s, %q) = %v, want %v", tc.lang, tc.text, got, tc.asks)
		}
	}
}

// TestRecordedLanguagesAskForKeysOnly checks that no prompt a caller of a
// language played from recordings can hear asks them to say anything: the
// voice messages and the messages spoken as written, as the locale files
// have them, and every recorded prompt.
func TestRecordedLanguagesAskForKeysOnly(t *testing.T) {
	catalog, err := bot.LoadCatalog(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	engine := bot.NewEngine(bot.Config{Catalog: catalog})
	ids := SpokenMessageIDs(catalog)
	if len(ids) < 80 {
		t.Fatalf("only %d spoken messages", len(ids))
	}
	for _, lang := range RecordedLanguages() {
		t.Run(lang, func(t *testing.T) {
			if len(speechWords[lang]) == 0 {
				t.Fatalf("no speech words listed for %s", lang)
			}
			for _, id := range ids {
				text := catalog.Text(lang, flows.M(id))
				if words := asksForSpeech(lang, text); len(words) > 0 {
					t.Errorf("%s asks for speech (%s): %s", id, strings.Join(words, ", "), text)
				}
			}
			for _, text := range SpokenPrompts(engine, lang) {
				if words := asksForSpeech(lang, text); len(words) > 0 {
					t.Errorf("recorded prompt asks for speech (%s): %s", strings.Join(words, ", "), text)
				}
			}
		})
	}
}
