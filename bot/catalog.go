package bot

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"infopass/flows"
)

// DefaultLanguage is the language of a conversation before a choice, and
// the one whose keywords and words work in every language.
const DefaultLanguage = "en"

// Catalog is the loaded locale files: the texts, each language's input
// vocabulary and keywords, and the language menu.
type Catalog struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	languages  []flows.LanguageOption
	lexicons   map[string]flows.Lexicon
	keywords   map[string]map[string]Keyword // language → folded word → keyword
	dateLayout map[string]string
	ids        []string // every message ID of the default language, sorted
	greetings  map[string]map[string]bool
	optOut     map[string][]string // folded phrases
	// templates are the messages of each language as written, with their
	// placeholders unfilled.
	templates map[string]map[string]string
	// stopWords are the folded STOP words of every language: an opt-out is
	// honoured whatever language the conversation is in.
	stopWords map[string][]string // folded word → the languages it is STOP in
	// englishWords are the folded words of the English locale file, and
	// ownWords those that only one other file has (word → language): see
	// DetectLanguage.
	englishWords map[string]bool
	ownWords     map[string]string
}

// LoadCatalog reads every *.toml message file of fsys.
func LoadCatalog(fsys fs.FS) (*Catalog, error) {
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("list locale files: %w", err)
	}
	c := &Catalog{
		bundle:     bundle,
		localizers: map[string]*i18n.Localizer{},
		lexicons:   map[string]flows.Lexicon{},
		keywords:   map[string]map[string]Keyword{},
		dateLayout: map[string]string{},
		greetings:  map[string]map[string]bool{},
		optOut:     map[string][]string{},
		stopWords:  map[string][]string{},
		templates:  map[string]map[string]string{},
	}
	type ordered struct {
		opt   flows.LanguageOption
		order int
	}
	var langs []ordered
	for _, f := range files {
		mf, bundleTag, err := loadMessageFile(bundle, fsys, f)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", f, err)
		}
		tag := strings.TrimSuffix(path.Base(f), ".toml")
		if tag == DefaultLanguage {
			for _, m := range mf.Messages {
				c.ids = append(c.ids, m.ID)
			}
			sort.Strings(c.ids)
		}
		if mf.Tag.String() != tag {
			return nil, fmt.Errorf("locale file %s: tag %q is not canonical", f, tag)
		}
		c.localizers[tag] = i18n.NewLocalizer(bundle, bundleTag.String())
		c.templates[tag] = map[string]string{}
		for _, m := range mf.Messages {
			c.templates[tag][m.ID] = m.Other
		}
		order, err := strconv.Atoi(c.raw(tag, "meta.order"))
		if err != nil {
			return nil, fmt.Errorf("locale file %s: meta.order: %w", f, err)
		}
		langs = append(langs, ordered{flows.LanguageOption{Tag: tag, Name: c.raw(tag, "meta.name")}, order})
	}
	if _, ok := c.localizers[DefaultLanguage]; !ok {
		return nil, fmt.Errorf("no %s.toml locale file", DefaultLanguage)
	}
	sort.Slice(langs, func(i, j int) bool { return langs[i].order < langs[j].order })
	for _, l := range langs {
		c.languages = append(c.languages, l.opt)
		layout := c.raw(l.opt.Tag, "format.date")
		if !dateLayoutCheck(layout) {
			return nil, fmt.Errorf("locale %s: format.date %q must show the day and the 4-digit year", l.opt.Tag, layout)
		}
		c.dateLayout[l.opt.Tag] = layout
		if d := (flows.Date{Year: 2031, Month: 12, Day: 29}); !dateWordsCheck(c.FormatDate(l.opt.Tag, d), c.raw(l.opt.Tag, "month.m12")) {
			return nil, fmt.Errorf("locale %s: format.date_words must show the day, the month's name and the 4-digit year", l.opt.Tag)
		}
		if err := c.loadVocabulary(l.opt.Tag); err != nil {
			return nil, err
		}
	}
	english := c.lexicons[DefaultLanguage]
	for tag, lex := range c.lexicons {
		c.lexicons[tag] = lex.Merge(english)
	}
	c.loadDetectionWords()
	return c, nil
}

func (c *Catalog) loadVocabulary(tag string) error {
	words := func(id string) []string { return splitWords(c.raw(tag, id)) }
	groups := func(id string, n int) ([][]string, error) {
		var out [][]string
		for _, g := range strings.Split(c.raw(tag, id), "|") {
			var names []string
			for _, n := range strings.Fields(g) {
				names = append(names, strings.ReplaceAll(n, "_", " ")) // "doble_ve" is one name
			}
			out = append(out, names)
		}
		if len(out) != n {
			return nil, fmt.Errorf("locale %s: %s has %d groups, want %d", tag, id, len(out), n)
		}
		return out, nil
	}
	months, err := groups("input.months", 12)
	if err != nil {
		return err
	}
	days, err := groups("input.weekdays", 7)
	if err != nil {
		return err
	}
	lex := flows.NewLexicon(language.Make(tag), c.raw(tag, "input.date_order"), [12][]string(months),
		words("input.yes"), words("input.no"), words("input.none"), words("input.same"))
	lex = lex.WithDays([7][]string(days), words("input.any"), words("input.filler"))
	letters, err := groups("input.spelled_letters", 26)
	if err != nil {
		return err
	}
	numbers, err := groups("input.numbers", 13)
	if err != nil {
		return err
	}
	c.lexicons[tag] = lex.WithCaseStatus(words("input.case_status")).WithLetters([26][]string(letters)).
		WithDateWords(words("input.date_words")).WithNumbers(numbers)

	if _, err := groups("number.words", 100); err != nil {
		return err
	}
	if _, err := groups("number.years", 2); err != nil {
		return err
	}

	c.greetings[tag] = map[string]bool{}
	for _, w := range words("input.greetings") {
		c.greetings[tag][flows.Fold(w)] = true
	}
	for _, w := range words("input.opt_out") {
		c.optOut[tag] = append(c.optOut[tag], flows.Fold(w))
	}
	kw := map[string]Keyword{}
	for _, k := range Keywords() {
		for _, w := range words("keyword." + string(k)) {
			kw[flows.Fold(w)] = k
			if f := flows.Fold(w); k == KeyStop && !slices.Contains(c.stopWords[f], tag) {
				c.stopWords[f] = append(c.stopWords[f], tag)
			}
		}
	}
	c.keywords[tag] = kw
	return nil
}

// loadMessageFile adds a message file to the bundle and returns the tag its
// messages are kept under. go-i18n knows no plural rules for some languages
// (Haitian Creole): their messages, which have no plural forms, are kept
// under a private-use tag of a language with none ("id-x-ht"), which no
// other file can match.
func loadMessageFile(bundle *i18n.Bundle, fsys fs.FS, name string) (*i18n.MessageFile, language.Tag, error) {
	buf, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, language.Und, err
	}
	mf, err := i18n.ParseMessageFileBytes(buf, name, map[string]i18n.UnmarshalFunc{"toml": toml.Unmarshal})
	if err != nil {
		return nil, language.Und, err
	}
	tag := mf.Tag
	if err := bundle.AddMessages(tag, mf.Messages...); err != nil {
		if !strings.Contains(err.Error(), "no plural rule") {
			return nil, language.Und, err
		}
		for _, m := range mf.Messages {
			if m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != "" {
				return nil, language.Und, fmt.Errorf("message %s has plural forms, and go-i18n has no plural rule for %s", m.ID, tag)
			}
		}
		tag = language.MustParse("id-x-" + mf.Tag.String())
		if err := bundle.AddMessages(tag, mf.Messages...); err != nil {
			return nil, language.Und, err
		}
	}
	return mf, tag, nil
}

// splitWords splits a "|"-separated list of words and phrases.
func splitWords(s string) []string {
	var out []string
	for _, w := range strings.Split(s, "|") {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// Words returns the words and phrases of a "|"-separated list message, as
// written in the locale file (keyword.agent, input.yes …).
func (c *Catalog) Words(tag, id string) []string { return splitWords(c.raw(tag, id)) }

// raw returns a message's text without template arguments.
func (c *Catalog) raw(tag, id string) string {
	s, err := c.localizer(tag).Localize(&i18n.LocalizeConfig{MessageID: id})
	if err != nil && s == "" {
		return ""
	}
	return s
}

func (c *Catalog) localizer(tag string) *i18n.Localizer {
	if l, ok := c.localizers[tag]; ok {
		return l
	}
	return c.localizers[DefaultLanguage]
}

// Template returns a message of lang as written in its locale file, with
// its template placeholders ({{.Value}}) unfilled.
func (c *Catalog) Template(lang, id string) string {
	if t, ok := c.templates[lang][id]; ok {
		return t
	}
	return c.templates[DefaultLanguage][id]
}

// IDs lists every message ID of the default language, sorted.
func (c *Catalog) IDs() []string { return c.ids }

// HasMessage reports whether id is a message of the locale files.
func (c *Catalog) HasMessage(id string) bool {
	i := sort.SearchStrings(c.ids, id)
	return i < len(c.ids) && c.ids[i] == id
}

// Has reports whether there is a locale file for tag.
func (c *Catalog) Has(tag string) bool { _, ok := c.localizers[tag]; return ok }

// Languages lists the languages on offer, in menu order.
func (c *Catalog) Languages() []flows.LanguageOption { return c.languages }

// Lexicon returns the input vocabulary of a language, English words included.
func (c *Catalog) Lexicon(tag string) flows.Lexicon {
	if l, ok := c.lexicons[tag]; ok {
		return l
	}
	return c.lexicons[DefaultLanguage]
}

// YesNo reads text as yes or no in the preferred languages first, then in
// any language of the service.
func (c *Catalog) YesNo(text string, preferred ...string) (yes, ok bool) {
	for _, tag := range preferred {
		lex := c.Lexicon(tag)
		switch {
		case lex.IsYes(text):
			return true, true
		case lex.IsNo(text):
			return false, true
		}
	}
	for _, l := range c.languages {
		lex := c.lexicons[l.Tag]
		switch {
		case lex.IsYes(text):
			return true, true
		case lex.IsNo(text):
			return false, true
		}
	}
	return false, false
}

// Text renders m in the language tag. Arguments that are messages, lists
// or dates are rendered in that language first.
func (c *Catalog) Text(tag string, m flows.Msg) string {
	var data map[string]any
	if len(m.Args) > 0 {
		data = make(map[string]any, len(m.Args))
		for k, v := range m.Args {
			if d, ok := v.(flows.Date); ok && k == "Example" {
				// An example shows how to type a date: in digits.
				data[k] = c.FormatTypedDate(tag, d)
				continue
			}
			data[k] = c.arg(tag, v)
		}
	}
	s, err := c.localizer(tag).Localize(&i18n.LocalizeConfig{MessageID: m.ID, TemplateData: data})
	if err != nil && s == "" {
		return m.ID
	}
	return s
}

// Join renders several messages as one text, a line each.
func (c *Catalog) Join(tag string, msgs []flows.Msg) string {
	lines := make([]string, 0, len(msgs))
	for _, m := range msgs {
		if t := c.Text(tag, m); t != "" {
			lines = append(lines, t)
		}
	}
	return strings.Join(lines, "\n")
}

func (c *Catalog) arg(tag string, v any) any {
	switch v := v.(type) {
	case flows.Msg:
		return c.Text(tag, v)
	case flows.List:
		parts := make([]string, len(v))
		for i, m := range v {
			parts[i] = c.Text(tag, m)
		}
		return strings.Join(parts, c.raw(tag, "format.list_separator"))
	case flows.Date:
		return c.FormatDate(tag, v)
	case flows.Spelled:
		return string(v)
	}
	return v
}

// FormatDate writes d with the month in words, in the order and with the
// particles of the language (format.date_words: "April 3, 2027", "3 de
// abril de 2027", "2027年4月3日"): a numeric date is read one way by a
// person used to day-first dates and the other way by an officer used to
// month-first ones.
func (c *Catalog) FormatDate(tag string, d flows.Date) string {
	if d.IsZero() {
		return ""
	}
	return c.Text(tag, flows.M("format.date_words", "Day", d.Day, "Month", flows.M(MonthID(d)), "Year", d.Year))
}

// FormatTypedDate writes d in digits, the way people of the language type
// dates (format.date): the examples that show how to answer a question.
func (c *Catalog) FormatTypedDate(tag string, d flows.Date) string {
	layout, ok := c.dateLayout[tag]
	if !ok {
		layout = c.dateLayout[DefaultLanguage]
	}
	if d.IsZero() {
		return ""
	}
	return d.Time().Format(layout)
}

// FormatTime writes the clock time of t the way the language does (3:04 PM,
// 15:04).
func (c *Catalog) FormatTime(tag string, t time.Time) string {
	layout := c.raw(tag, "format.time")
	if layout == "" {
		layout = "3:04 PM"
	}
	return t.Format(layout)
}

// dateWordsCheck guards against a locale's date template that loses a part
// of 2031-12-29: text is the date written, month the name of December.
func dateWordsCheck(text, month string) bool {
	return month != "" && strings.Contains(text, "2031") && strings.Contains(text, "29") && strings.Contains(text, month)
}

// dateLayoutCheck guards against a locale's date layout that loses the year.
func dateLayoutCheck(layout string) bool {
	t := time.Date(2031, 12, 29, 0, 0, 0, 0, time.UTC)
	s := t.Format(layout)
	return strings.Contains(s, "2031") && strings.Contains(s, "29")
}

// MonthID is the message id of d's month's name (month.m01 … month.m12).
func MonthID(d flows.Date) string {
	return "month.m" + string(rune('0'+int(d.Month)/10)) + string(rune('0'+int(d.Month)%10))
}
