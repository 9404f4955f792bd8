package bot

import (
	"cmp"
	"slices"
	"sync"

	"github.com/pemistahl/lingua-go"
)

// linguaLanguages are the languages of the service written in Latin
// letters, which lingua tells apart; the others are known by their script
// before it is asked. Haitian Creole is not among lingua's languages.
var linguaLanguages = map[lingua.Language]string{
	lingua.English: "en", lingua.Spanish: "es", lingua.Vietnamese: "vi", lingua.Esperanto: "eo",
	lingua.Tagalog: "fil", lingua.Polish: "pl", lingua.French: "fr", lingua.Portuguese: "pt",
}

// detectorKnows reports whether lingua tells tag apart.
func detectorKnows(tag string) bool {
	for _, t := range linguaLanguages {
		if t == tag {
			return true
		}
	}
	return false
}

// The detector is built once per process, in the background: it takes
// one to two seconds (ten under the race detector) and some 135 MB
// (lingua's n-gram models of eight languages), which every Catalog of the
// process shares, as the models never change. A turn never waits for it:
// until it is built, first texts are decided by greetings, script and the
// locale files' words alone, and the others get the language menu.
var detector struct {
	start sync.Once
	done  chan struct{}
	built lingua.LanguageDetector
}

// WarmDetector starts building the language detector, once per process,
// and returns a channel closed when it is built. serve calls it at start;
// tests that need the detector wait on it.
func WarmDetector() <-chan struct{} {
	detector.start.Do(func() {
		detector.done = make(chan struct{})
		go func() {
			langs := make([]lingua.Language, 0, len(linguaLanguages))
			for l := range linguaLanguages {
				langs = append(langs, l)
			}
			detector.built = lingua.NewLanguageDetectorBuilder().FromLanguages(langs...).WithPreloadedLanguageModels().Build()
			close(detector.done)
		}()
	})
	return detector.done
}

// linguaDetector returns the detector if it is built, starting the build
// otherwise.
func linguaDetector() (lingua.LanguageDetector, bool) {
	select {
	case <-WarmDetector():
		return detector.built, true
	default:
		return nil, false
	}
}

// langScore is lingua's confidence that a text is in a language.
type langScore struct {
	tag string
	p   float64
}

// scores are a text's langScores, the most likely language first.
type scores []langScore

// top returns the most likely language, or "" when there is none.
func (s scores) top() string {
	if len(s) == 0 || s[0].p == 0 {
		return ""
	}
	return s[0].tag
}

// The detector decides a language when it gives it at least minConfidence
// and leads the next language by minLead. Measured on the test table of
// detect_test.go: short texts in one language often get 0.3-0.5 spread
// over several ("cita por favor": Esperanto 0.28, Spanish 0.22), clear ones
// 0.6 and more.
const (
	minConfidence = 0.5
	minLead       = 0.2
)

// detectorConfident reports whether lingua is sure enough of its top
// language.
func detectorConfident(s scores) bool {
	if len(s) == 0 {
		return false
	}
	second := 0.0
	if len(s) > 1 {
		second = s[1].p
	}
	return s[0].p >= minConfidence && s[0].p-second >= minLead
}

// detectorScores returns lingua's confidence in each language the catalog
// has, for text.
func (c *Catalog) detectorScores(text string) scores {
	d, ok := linguaDetector()
	if !ok {
		return nil // not built yet: no witness
	}
	var out scores
	for _, v := range d.ComputeLanguageConfidenceValues(text) {
		if tag, ok := linguaLanguages[v.Language()]; ok && c.Has(tag) {
			out = append(out, langScore{tag, v.Value()})
		}
	}
	slices.SortStableFunc(out, func(a, b langScore) int { return cmp.Compare(b.p, a.p) })
	return out
}
