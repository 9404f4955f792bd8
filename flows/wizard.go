package flows

import (
	"fmt"
	"strings"
)

// LanguageOption is one line of the language menu: a locale's tag and the
// language's name in itself.
type LanguageOption struct {
	Tag  string
	Name string
}

// Context is what a turn knows besides the answers: today's date where the
// service runs, the number in use, the language's vocabulary, the languages
// on offer and the program's settings.
type Context struct {
	Today        Date
	From         string // E.164 number the person is texting or calling from
	Lex          Lexicon
	Languages    []LanguageOption
	ADITLeadDays int // how many days before the need date an ADIT request may be made
	// Regions are where the service may call and text: a phone answer
	// outside them is refused (problem.phone_region).
	Regions Regions
}

// ExpectKind says what kind of answer a question takes, so that each channel
// can offer the right input (keypad digits, speech, a menu).
type ExpectKind int

const (
	ExpectChoice ExpectKind = iota // a numbered menu
	ExpectYesNo
	ExpectDate
	ExpectDigits
	ExpectText
	ExpectEmail
	ExpectPhone
)

// Expect describes the answer a question takes.
type Expect struct {
	Kind     ExpectKind
	Choices  int  // menu size for ExpectChoice
	Optional bool // "none" is an answer
	Digits   int  // for ExpectDigits, how many keys make the answer when that is fixed
}

// Question is what the bot says to ask a step, and what it expects back.
type Question struct {
	Msgs   []Msg
	Expect Expect
}

// The questions' prompts.

// ask returns a question of fixed messages.
func ask(e Expect, ids ...string) func(Answers, Context) Question {
	return func(Answers, Context) Question {
		msgs := make([]Msg, len(ids))
		for i, id := range ids {
			msgs[i] = M(id)
		}
		return Question{Msgs: msgs, Expect: e}
	}
}

// askWho asks about the applicant, of a representative as "their".
func askWho(e Expect, id string) func(Answers, Context) Question {
	return func(a Answers, _ Context) Question { return Question{Msgs: []Msg{whose(a, id)}, Expect: e} }
}

func whose(a Answers, id string) Msg {
	if a.Role == RoleRepresentative {
		return M(id + "_rep")
	}
	return M(id)
}

func choices(n int) Expect         { return Expect{Kind: ExpectChoice, Choices: n} }
func expect(k ExpectKind) Expect   { return Expect{Kind: k} }
func optional(k ExpectKind) Expect { return Expect{Kind: k, Optional: true} }
func askLanguage(_ Answers, c Context) Question {
	return Question{Msgs: []Msg{M("ask.language", "Menu", languageMenu(c.Languages))}, Expect: choices(len(c.Languages))}
}

func askPhone(id string) func(Answers, Context) Question {
	return func(_ Answers, c Context) Question {
		return Question{Msgs: []Msg{M(id, "Phone", PhoneDisplay(c.From))}, Expect: expect(ExpectPhone)}
	}
}

func askApplicantPhone(a Answers, c Context) Question {
	return Question{Msgs: []Msg{withArgs(whose(a, "ask.phone"), "Phone", PhoneDisplay(c.From))}, Expect: expect(ExpectPhone)}
}

// askDate asks for a date with an example about days from today.
func askDate(id string, days int) func(Answers, Context) Question {
	return func(_ Answers, c Context) Question {
		return Question{Msgs: []Msg{M(id, "Example", exampleDate(c.Today.AddDays(days)))}, Expect: expect(ExpectDate)}
	}
}

// exampleDate moves d to the 13th of its month if its day is 12 or below,
// so that the example cannot be read with day and month swapped:
// 25/12/2026 for day-first languages, 12/25/2026 for English.
func exampleDate(d Date) Date {
	if d.Day <= 12 {
		d.Day = 13
	}
	return d
}

func askBirthDate(a Answers, _ Context) Question {
	return Question{Msgs: []Msg{withArgs(whose(a, "ask.birth_date"), "Example", Date{1990, 7, 21})}, Expect: expect(ExpectDate)}
}

func askReceiptConfirm(a Answers, _ Context) Question {
	return Question{Msgs: []Msg{M("ask.receipt_confirm", "Receipt", a.PendingReceipt)}, Expect: expect(ExpectYesNo)}
}

func askReview(a Answers, _ Context) Question {
	return Question{Msgs: reviewMsgs(a), Expect: choices(itemCount(a))}
}

func withArgs(m Msg, kv ...any) Msg { return M(m.ID, kv...) }

func languageMenu(opts []LanguageOption) string {
	parts := make([]string, len(opts))
	for i, o := range opts {
		parts[i] = fmt.Sprintf("%d %s", i+1, o.Name)
	}
	return strings.Join(parts, " ")
}
