package webhooks

import (
	"slices"
	"strings"
	"unicode/utf8"

	"infopass/bot"
	"infopass/flows"
)

// speech is how the bot's messages sound on a call: the spoken version of
// each message where the locale has one (voice.*), identifiers read a
// character at a time, dates with the month's name. cannotText: the caller
// may not be texted, so no prompt offers it.
type speech struct {
	e          *bot.Engine
	cannotText bool
}

// text renders msgs in lang as they are said.
func (sp speech) text(lang string, msgs []flows.Msg) string {
	out := make([]flows.Msg, len(msgs))
	for i, m := range msgs {
		m.ID = voiceID(sp.e.Catalog(), m.ID, sp.cannotText)
		m.Args, _ = spokenArgs(m.Args)
		out[i] = m
	}
	return sp.e.Text(lang, out)
}

// voiceID maps a message to the version spoken by phone, where the locale
// files have one; cannotText picks the version that offers no text.
func voiceID(c *bot.Catalog, id string, cannotText bool) string {
	var v string
	switch {
	case cannotText && (id == "ask.email" || id == "ask.email_rep"):
		id = "voice.email_no_text"
	case cannotText && id == "ask.rep_email":
		id = "voice.rep_email_no_text"
	}
	switch id {
	case "ask.email", "ask.email_rep":
		v = "voice.email_text_or_skip"
	case "ask.rep_email":
		v = "voice.email_text"
	case "hint.keywords":
		v = "voice.agent_hint"
	case "review.ask":
		v = "voice.review_ask"
	case "review.ask_page":
		v = "voice.review_ask_page"
	case "reply.resume":
		v = "voice.resume"
	case "reply.help":
		v = "voice.help"
	case "reply.too_many":
		v = "voice.too_many"
	case "reply.agent":
		v = "voice.transferring"
	case "problem.empty":
		v = "voice.no_input"
	case "problem.choice", "problem.review":
		v = "voice.problem_choice"
	case "problem.yes_no":
		v = "voice.problem_yes_no"
	case "problem.date_format", "problem.date_no_year":
		v = "voice.problem_date"
	case "done.submitted":
		v = "voice.submitted"
	case "info.case_status":
		v = "voice.case_status"
	case "reply.cancelled":
		v = "voice.cancelled"
	default:
		if rest, ok := strings.CutPrefix(id, "ask."); ok {
			v = "voice.ask_" + rest
		} else if rest, ok := strings.CutPrefix(id, "refer."); ok {
			v = "voice.refer_" + rest
		} else if rest, ok := strings.CutPrefix(id, "problem."); ok {
			v = "voice.problem_" + rest // how to answer again by keys or voice
		}
	}
	if v != "" && c.HasMessage(v) {
		return v
	}
	return id
}

// spokenArgs returns a message's arguments as a phone should say them:
// references and identifiers a character at a time, phone numbers digit by
// digit, dates with the month's name ("July 21, 1990", not 07/21/1990),
// in the parts of a line too. It reports whether it changed any.
func spokenArgs(args map[string]any) (map[string]any, bool) {
	var out map[string]any
	set := func(k string, v any) {
		if out == nil {
			out = make(map[string]any, len(args))
			for k, v := range args {
				out[k] = v
			}
		}
		out[k] = v
	}
	for k, v := range args {
		switch v := v.(type) {
		case flows.Spelled:
			set(k, spaced(string(v)))
		case string:
			switch k {
			case "Ref", "Receipt", "ANumber", "ZIP":
				set(k, spaced(strings.ReplaceAll(v, "-", "")))
			case "Phone":
				if digits := flows.OnlyDigits(flows.PhoneDisplay(v)); digits != "" {
					set(k, spaced(digits))
				}
			}
		case flows.Msg: // a part of a line, like "ZIP {{.ZIP}}"
			if spoken, changed := spokenArgs(v.Args); changed {
				set(k, flows.Msg{ID: v.ID, Args: spoken})
			}
		case flows.Date:
			if !v.IsZero() {
				set(k, flows.M("voice.date_value", "Month", flows.M(bot.MonthID(v)), "Day", v.Day, "Year", v.Year))
			}
		}
	}
	if out == nil {
		return args, false
	}
	return out, true
}

// spaced writes each character apart, so that speech reads a number digit
// by digit: "A 0 1 2".
func spaced(s string) string {
	return strings.Join(strings.Split(s, ""), " ")
}

// hints are the words the speech recognizer should expect: the ways to ask
// for a person in the caller's language, the languages' names at the
// language menu, and yes and no where they answer. Always in the same
// order, so that a repeated delivery gets the same TwiML.
func (sp speech) hints(r bot.Reply) []string {
	c := sp.e.Catalog()
	lang := r.Language
	hints := []string{"Infopass"}
	add := func(words []string, n int) {
		for _, w := range words {
			if n == 0 {
				return
			}
			if utf8.RuneCountInString(w) < 2 { // "y", "n": typed, not said
				continue
			}
			if !slices.ContainsFunc(hints, func(h string) bool { return flows.Fold(h) == flows.Fold(w) }) {
				hints = append(hints, w)
				n--
			}
		}
	}
	add(c.Words(lang, "keyword.agent"), 3)
	if r.State == flows.StepLanguage {
		var names []string
		for _, l := range c.Languages() {
			names = append(names, l.Name)
		}
		add(names, len(names))
	}
	if r.Expect.Kind == flows.ExpectYesNo {
		add(c.Words(lang, "input.yes"), 3)
		add(c.Words(lang, "input.no"), 3)
	}
	return hints
}

// SpokenPrompts lists every prompt of a language that is the same for every
// caller (no name, date or number of theirs in it), as the phone says it:
// the texts that recordings can be made of ahead of time.
func SpokenPrompts(e *bot.Engine, lang string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(m flows.Msg) {
		for _, sp := range []speech{{e: e}, {e: e, cannotText: true}} {
			text := sp.text(lang, []flows.Msg{m})
			if text != "" && !seen[text] && !strings.Contains(text, "<no value>") {
				seen[text] = true
				out = append(out, text)
			}
		}
	}
	for _, id := range e.Catalog().IDs() {
		prefix, _, _ := strings.Cut(id, ".")
		switch prefix {
		case "voice", "problem", "reply", "refer", "info", "hint", "ask", "call":
		default:
			continue
		}
		if voiceID(e.Catalog(), id, false) != id && prefix != "voice" {
			continue // spoken as its voice version, added with the voice messages
		}
		add(flows.M(id))
		for n := 1; n <= len(e.Catalog().Languages()); n++ {
			add(flows.M(id, "N", n, "Last", n))
		}
		// The fixed parts of a message that carries the caller's data,
		// played around the clips of it (compose.go).
		parts, names := fragments(e.Catalog().Template(lang, id))
		if len(names) > 0 {
			for _, p := range parts {
				if p != "" && !seen[p] {
					seen[p] = true
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// SpokenMessageIDs lists the messages a caller can hear: every voice
// version, the prompts of the availability calls, and the messages of the kinds a call says (questions, problems,
// replies, referrals, information, hints) that have none and are spoken as
// written. Recordings and checks of what callers hear start from it.
func SpokenMessageIDs(c *bot.Catalog) []string {
	var out []string
	for _, id := range c.IDs() {
		prefix, _, _ := strings.Cut(id, ".")
		switch prefix {
		case "voice", "call": // call: the availability calls' prompts
			out = append(out, id)
		case "problem", "reply", "refer", "info", "hint", "ask":
			if voiceID(c, id, false) == id {
				out = append(out, id)
			}
		}
	}
	return out
}
