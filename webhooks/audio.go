package webhooks

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"

	"github.com/gin-gonic/gin"
	"github.com/twilio/twilio-go/twiml"

	"infopass/bot"
)

//go:generate go run ../scripts/genaudio -out audio

// audioFS holds the recorded prompts and read-back clips,
// audio/<lang>/<key>.mp3.
//
//go:embed audio
var audioFS embed.FS

// AudioKey names the recording of text in lang.
func AudioKey(lang, text string) string {
	sum := sha256.Sum256([]byte(lang + "\n" + text))
	return hex.EncodeToString(sum[:8])
}

func audioPath(lang, text string) string {
	return path.Join("audio", lang, AudioKey(lang, text)+".mp3")
}

// HasAudio reports whether a recording of text in lang exists.
func HasAudio(lang, text string) bool {
	_, err := fs.Stat(audioFS, audioPath(lang, text))
	return err == nil
}

// HasClips reports whether every clip of a composition has its recording
// in lang: a read-back composed of clips (named as bot.Clip names them:
// "number.3", "month.4", "year.1990", "letter.e") can be played as a
// sequence of <Play>s only when all of them exist. It is false for an
// empty composition and for a name that is no clip.
func HasClips(c *bot.Catalog, lang string, names []string) bool {
	if len(names) == 0 {
		return false
	}
	for _, n := range names {
		text, ok := c.ClipText(lang, n)
		if !ok || !HasAudio(lang, text) {
			return false
		}
	}
	return true
}

// plays returns a <Play> of each text's recording, or false when one of
// them has none.
func (s *Server) plays(lang string, texts []string) ([]twiml.Element, bool) {
	var out []twiml.Element
	for _, t := range texts {
		if !HasAudio(lang, t) {
			return nil, false
		}
		out = append(out, &twiml.VoicePlay{Url: s.cfg.PublicURL + "/" + audioPath(lang, t)})
	}
	return out, true
}

// handleAudio serves a recording for Twilio's <Play>. They hold fixed
// prompts only, never anything a caller said.
func (s *Server) handleAudio(c *gin.Context) {
	p := path.Join("audio", c.Param("lang"), c.Param("file"))
	data, err := audioFS.ReadFile(p)
	if err != nil || path.Ext(p) != ".mp3" {
		c.AbortWithStatus(http.StatusNotFound)
		return
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, "audio/mpeg", data)
}
