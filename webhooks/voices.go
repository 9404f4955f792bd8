package webhooks

// speaker is how Twilio speaks and hears one language: the <Say> voice and
// language, and the <Gather> speech-recognition language ("" where Twilio
// recognizes no speech: the caller answers with the keypad).
type speaker struct {
	Voice, SayLanguage, Speech string
}

// speakerFor returns the speaker of a language tag. Amazon Polly voices are
// used where Polly has the language, Google voices otherwise. Esperanto and
// Haitian Creole have neither voice nor speech recognition at Twilio: their
// prompts are played from audio files (see audio.go) and answered by keypad.
func speakerFor(lang string) speaker {
	switch lang {
	case "es":
		return speaker{"Polly.Lupe", "es-US", "es-US"}
	case "zh-Hans":
		return speaker{"Polly.Zhiyu", "cmn-CN", "cmn-Hans-CN"}
	case "vi":
		return speaker{"Google.vi-VN-Standard-A", "vi-VN", "vi-VN"}
	case "fil":
		return speaker{"Google.fil-PH-Standard-A", "fil-PH", "fil-PH"}
	case "pl":
		return speaker{"Polly.Ewa", "pl-PL", "pl-PL"}
	case "fr":
		return speaker{"Polly.Lea", "fr-FR", "fr-FR"}
	case "pt":
		return speaker{"Polly.Camila", "pt-BR", "pt-BR"}
	case "ar":
		return speaker{"Polly.Zeina", "arb", "ar-EG"}
	case "ko":
		return speaker{"Polly.Seoyeon", "ko-KR", "ko-KR"}
	case "ru":
		return speaker{"Polly.Tatyana", "ru-RU", "ru-RU"}
	case "eo", "ht":
		return speaker{}
	}
	return speaker{"Polly.Joanna", "en-US", "en-US"}
}

// RecordedLanguages lists the languages whose phone prompts are played
// from recordings, because Twilio has no voice for them.
func RecordedLanguages() []string {
	var out []string
	for _, lang := range []string{"eo", "ht"} {
		if speakerFor(lang).Voice == "" {
			out = append(out, lang)
		}
	}
	return out
}

// KeypadOnly reports whether callers in lang can only use the keypad:
// Twilio recognizes no speech in it. The engine's Config.KeypadOnly.
func KeypadOnly(lang string) bool { return speakerFor(lang).Speech == "" }
