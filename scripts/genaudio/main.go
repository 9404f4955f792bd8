// Command genaudio records the fixed phone prompts of the languages Twilio
// cannot speak (see webhooks.RecordedLanguages), and the clips read-backs
// are composed of (bot.Catalog.ReadbackClips: digits, numbers 1-31, months,
// weekdays, years, letters), with espeak-ng, encoded as small MP3 files by
// lame, into webhooks/audio/<lang>/. Run it through
// `go generate ./webhooks` after changing those languages' locale files;
// it needs the Debian packages espeak-ng and lame.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"

	"infopass/bot"
	"infopass/locales"
	"infopass/webhooks"
)

func main() {
	out := flag.String("out", "audio", "folder to write <lang>/<key>.mp3 into")
	flag.Parse()
	catalog, err := bot.LoadCatalog(locales.FS)
	if err != nil {
		log.Fatal(err)
	}
	engine := bot.NewEngine(bot.Config{Catalog: catalog})
	tmp, err := os.MkdirTemp("", "genaudio")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	for _, lang := range webhooks.RecordedLanguages() {
		if !catalog.Has(lang) {
			continue
		}
		dir := filepath.Join(*out, lang)
		if err := os.RemoveAll(dir); err != nil {
			log.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		prompts := webhooks.SpokenPrompts(engine, lang)
		clips := catalog.ReadbackClips(lang)
		texts := slices.Clone(prompts)
		for _, c := range clips {
			if !slices.Contains(texts, c.Text) {
				texts = append(texts, c.Text)
			}
		}
		for _, text := range texts {
			wav := filepath.Join(tmp, "prompt.wav")
			mp3 := filepath.Join(dir, webhooks.AudioKey(lang, text)+".mp3")
			run("espeak-ng", "-v", lang, "-s", "140", "-w", wav, text)
			run("lame", "--quiet", "-m", "m", "--resample", "16", "-b", "24", wav, mp3)
		}
		fmt.Printf("%s: %d prompts and %d clips, %d recordings in %s\n", lang, len(prompts), len(clips), len(texts), dir)
	}
}

func run(name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("%s: %v", name, err)
	}
}
