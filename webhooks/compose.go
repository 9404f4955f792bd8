package webhooks

import (
	"regexp"
	"strconv"
	"strings"

	"infopass/bot"
	"infopass/flows"
)

// In a language Twilio cannot speak (Esperanto, Haitian Creole), a prompt
// that carries the caller's own data ("I have 3 April 1990") has no
// recording of its own. It is played as a sequence: the recorded fixed
// parts of its message around the recorded clips of each value (digits,
// letters, numbers 1-31, months, years; bot.Catalog.ReadbackClips). What
// has no clip (a name, a country) cannot be played, and the caller is
// offered to go on by text instead.

// placeholder matches a template placeholder, {{.Value}}.
var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// fragments splits a message template into its fixed parts, as they are
// recorded (spaces and leading punctuation trimmed, empty parts left out),
// and the names of its placeholders, in order: parts[i] comes before
// names[i], and the last part after the last name.
func fragments(tmpl string) (parts []string, names []string) {
	pos := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(tmpl, -1) {
		parts = append(parts, fixedPart(tmpl[pos:m[0]]))
		names = append(names, tmpl[m[2]:m[3]])
		pos = m[1]
	}
	return append(parts, fixedPart(tmpl[pos:])), names
}

func fixedPart(s string) string { return strings.TrimLeft(strings.TrimSpace(s), ".,:; ") }

// composer finds the recordings that say a message in a recorded language.
type composer struct {
	sp speech
}

// audio returns the texts of the recordings that say m in lang, in order,
// or false when some part of it has none.
func (c composer) audio(lang string, m flows.Msg) ([]string, bool) {
	if text := c.sp.text(lang, []flows.Msg{m}); HasAudio(lang, text) {
		return []string{text}, true
	}
	cat := c.sp.e.Catalog()
	tmpl := cat.Template(lang, voiceID(cat, m.ID, c.sp.cannotText))
	parts, names := fragments(tmpl)
	if len(names) == 0 {
		return nil, false
	}
	var out []string
	for i, part := range parts {
		if part != "" {
			if !HasAudio(lang, part) {
				return nil, false
			}
			out = append(out, part)
		}
		if i == len(names) {
			break
		}
		clips, ok := c.value(lang, names[i], m.Args[names[i]])
		if !ok {
			return nil, false
		}
		out = append(out, clips...)
	}
	return out, true
}

// value returns the recordings that say one value of a message.
func (c composer) value(lang, name string, v any) ([]string, bool) {
	cat := c.sp.e.Catalog()
	clip := func(n string) ([]string, bool) {
		text, ok := cat.ClipText(lang, n)
		if !ok || !HasAudio(lang, text) {
			return nil, false
		}
		return []string{text}, true
	}
	chars := func(s string) ([]string, bool) {
		var out []string
		for _, r := range strings.ToLower(s) {
			var n string
			switch {
			case r >= '0' && r <= '9':
				n = "digit." + string(r)
			case r >= 'a' && r <= 'z':
				n = "letter." + string(r)
			default:
				continue // the dash of IP-…, a space
			}
			c, ok := clip(n)
			if !ok {
				return nil, false
			}
			out = append(out, c...)
		}
		return out, len(out) > 0
	}
	if name == "Center" {
		return chars(flows.OnlyDigits(c.sp.e.ContactCenterDisplay()))
	}
	switch v := v.(type) {
	case flows.Spelled:
		return chars(string(v))
	case flows.Date:
		return c.audio(lang, flows.M("voice.date_value", "Month", flows.M(bot.MonthID(v)), "Day", v.Day, "Year", v.Year))
	case flows.Msg:
		if n, ok := strings.CutPrefix(v.ID, "month.m"); ok {
			m, _ := strconv.Atoi(n)
			return clip("month." + strconv.Itoa(m))
		}
		return c.audio(lang, v)
	case flows.List:
		var out []string
		for _, m := range v {
			a, ok := c.audio(lang, m)
			if !ok {
				return nil, false
			}
			out = append(out, a...)
		}
		return out, true
	case int:
		switch {
		case name == "Year":
			return clip("year." + strconv.Itoa(v))
		case v >= 1 && v <= 31:
			return clip("number." + strconv.Itoa(v))
		}
		return chars(strconv.Itoa(v))
	case string:
		switch name {
		case "Ref", "Receipt", "ANumber", "ZIP":
			return chars(v)
		case "Phone":
			return chars(flows.OnlyDigits(flows.PhoneDisplay(v)))
		}
	}
	return nil, false
}
