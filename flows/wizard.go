package flows

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
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

// Result is the outcome of a valid answer: the updated answers, the step to
// go to and anything to say before its question.
type Result struct {
	Answers Answers
	Next    Step
	Notice  []Msg
}

// Ask returns the question of step.
func Ask(step Step, a Answers, c Context) Question {
	rep := a.Role == RoleRepresentative
	who := func(id string) Msg {
		if rep {
			return M(id + "_rep")
		}
		return M(id)
	}
	q := func(e Expect, msgs ...Msg) Question { return Question{Msgs: msgs, Expect: e} }
	switch step {
	case StepLanguage:
		return q(Expect{Kind: ExpectChoice, Choices: len(c.Languages)}, M("ask.language", "Menu", languageMenu(c.Languages)))
	case StepWho:
		return q(Expect{Kind: ExpectChoice, Choices: 2}, M("ask.who"), M("hint.keywords"))
	case StepRepName:
		return q(Expect{Kind: ExpectText}, M("ask.rep_name"))
	case StepRepPhone:
		return q(Expect{Kind: ExpectPhone}, M("ask.rep_phone", "Phone", PhoneDisplay(c.From)))
	case StepRepEmail:
		return q(Expect{Kind: ExpectEmail}, M("ask.rep_email"))
	case StepRepTexts:
		return q(Expect{Kind: ExpectYesNo}, M("ask.rep_texts"))
	case StepRepAccount:
		return q(Expect{Kind: ExpectDigits, Optional: true}, M("ask.rep_account"))
	case StepType:
		return q(Expect{Kind: ExpectChoice, Choices: 4}, M("ask.type"))
	case StepADITDate:
		return q(Expect{Kind: ExpectDate}, M("ask.adit_date", "Example", c.Today.AddDays(14)))
	case StepTravelDate:
		return q(Expect{Kind: ExpectDate}, M("ask.travel_date", "Example", c.Today.AddDays(30)))
	case StepTravelReason:
		return q(Expect{Kind: ExpectText}, M("ask.travel_reason"))
	case StepOrderDate:
		return q(Expect{Kind: ExpectDate}, M("ask.order_date", "Example", c.Today.AddDays(-60)))
	case StepGrant:
		return q(Expect{Kind: ExpectChoice, Choices: len(Grants())}, M("ask.grant"))
	case StepDays:
		return q(Expect{Kind: ExpectText}, M("ask.days"))
	case StepTimeOfDay:
		return q(Expect{Kind: ExpectChoice, Choices: 3}, M("ask.time_of_day"))
	case StepName:
		return q(Expect{Kind: ExpectText}, who("ask.name"))
	case StepBirthDate:
		return q(Expect{Kind: ExpectDate}, withArgs(who("ask.birth_date"), "Example", Date{1990, 7, 21}))
	case StepResidence:
		return q(Expect{Kind: ExpectText}, who("ask.residence"))
	case StepBirthCountry:
		return q(Expect{Kind: ExpectText}, who("ask.birth_country"))
	case StepReceipt:
		return q(Expect{Kind: ExpectText, Optional: true}, who("ask.receipt"))
	case StepReceiptConfirm:
		return q(Expect{Kind: ExpectYesNo}, M("ask.receipt_confirm", "Receipt", a.PendingReceipt))
	case StepANumber:
		return q(Expect{Kind: ExpectDigits, Optional: true}, who("ask.a_number"))
	case StepEmail:
		return q(Expect{Kind: ExpectEmail, Optional: true}, who("ask.email"))
	case StepPhone:
		return q(Expect{Kind: ExpectPhone}, withArgs(who("ask.phone"), "Phone", PhoneDisplay(c.From)))
	case StepReview:
		return q(Expect{Kind: ExpectChoice, Choices: itemCount(a)}, reviewMsgs(a)...)
	}
	return Question{}
}

func withArgs(m Msg, kv ...any) Msg { return M(m.ID, kv...) }

func languageMenu(opts []LanguageOption) string {
	parts := make([]string, len(opts))
	for i, o := range opts {
		parts[i] = fmt.Sprintf("%d %s", i+1, o.Name)
	}
	return strings.Join(parts, " ")
}

// Answer applies input to step. A *Problem error means the input was not
// accepted and the answers are unchanged.
func Answer(step Step, a Answers, input string, c Context) (Result, error) {
	input = strings.TrimSpace(input)
	if input == "" {
		return Result{}, Invalid("problem.empty")
	}
	orig := a
	a = a.Clone()
	r, err := answer(step, &a, input, c)
	if err != nil {
		return Result{}, err
	}
	r.Answers = a
	if r.Next == "" {
		r.Next = next(step, a)
	}
	if orig.Editing > 0 && r.Next == StepReferred {
		// A change at review that the Contact Center must handle keeps the
		// request as it was: the person may pick another type or go BACK.
		r.Answers, r.Next = orig.Clone(), StepType
	}
	if a.Editing > 0 && !r.Next.Final() && !inItem(a.Editing, r.Next) {
		r.Next = StepReview
	}
	if r.Next == StepReview && step != StepReview {
		// Back from an edit, the review shows the page of the item changed.
		r.Answers.ReviewPage = pageOf(r.Answers, orig.Editing)
	}
	if r.Next == StepReview || r.Next.Final() {
		r.Answers.Editing = 0
	}
	return r, nil
}

// answer validates input for step and records it in a. A non-empty Next in
// the result overrides the usual next step.
func answer(step Step, a *Answers, input string, c Context) (Result, error) {
	lang := langTag(a.Language)
	switch step {
	case StepLanguage:
		tag, err := parseLanguage(input, c.Languages)
		if err != nil {
			return Result{}, err
		}
		a.Language = tag
		if a.ReturnTo != "" {
			next := a.ReturnTo
			a.ReturnTo = ""
			return Result{Next: next}, nil
		}
	case StepWho:
		n, err := choice(input, 2, "problem.choice", c.Lex)
		if err != nil {
			return Result{}, err
		}
		a.Role = []Role{RoleApplicant, RoleRepresentative}[n-1]
	case StepRepName:
		return Result{}, set(&a.Rep.Name, input, ParseName)
	case StepRepPhone:
		if c.Lex.IsSame(input) {
			a.Rep.Phone = c.From
			return Result{}, nil
		}
		return Result{}, set(&a.Rep.Phone, input, usPhone)
	case StepRepEmail:
		return Result{}, set(&a.Rep.Email, input, ParseEmail)
	case StepRepTexts:
		yes, err := yesNo(input, c.Lex)
		if err != nil {
			return Result{}, err
		}
		a.Rep.ConfirmByText = yes
	case StepRepAccount:
		return Result{}, optional(a, step, &a.Rep.AccountNumber, input, c.Lex, ParseAccountNumber)
	case StepType:
		return answerType(a, input, c)
	case StepADITDate:
		d, err := futureDate(input, c)
		if err != nil {
			return Result{}, err
		}
		a.NeededBy = d
		if ADITTooEarly(d, c.Today, c.ADITLeadDays) {
			return Result{Next: StepReferred, Notice: []Msg{M("refer.adit_early", "Date", ADITFirstAskDate(d, c.ADITLeadDays))}}, nil
		}
	case StepTravelDate:
		d, err := futureDate(input, c)
		if err != nil {
			return Result{}, err
		}
		a.TravelDate = d
		if EmergencyTravelTooSoon(d, c.Today) {
			return Result{Next: StepReferred, Notice: []Msg{M("refer.eap_soon")}}, nil
		}
	case StepTravelReason:
		return Result{}, set(&a.TravelReason, input, parseReason)
	case StepOrderDate:
		d, err := ParseDate(input, c.Lex)
		if err == nil {
			err = CheckPastDate(d, c.Today)
		}
		if err != nil {
			return Result{}, err
		}
		a.OrderDate = d
	case StepGrant:
		n, err := choice(input, len(Grants()), "problem.choice", c.Lex)
		if err != nil {
			return Result{}, err
		}
		a.Granted = Grants()[n-1]
	case StepDays:
		days, err := parseDays(input, c.Lex)
		if err != nil {
			return Result{}, err
		}
		a.Days, a.DaysAnswered = days, true
	case StepTimeOfDay:
		if c.Lex.IsAny(input) {
			a.TimeOfDay = AnyTime
			return Result{}, nil
		}
		n, err := choice(input, 3, "problem.choice", c.Lex)
		if err != nil {
			return Result{}, err
		}
		a.TimeOfDay = []TimeOfDay{Morning, Afternoon, AnyTime}[n-1]
	case StepName:
		return Result{}, set(&a.Name, input, ParseName)
	case StepBirthDate:
		d, err := ParseDate(input, c.Lex)
		if err == nil {
			err = CheckBirthDate(d, c.Today)
		}
		if err != nil {
			return Result{}, err
		}
		a.BirthDate = d
	case StepResidence:
		if c.Lex.IsYes(input) || c.Lex.IsNo(input) || c.Lex.IsNone(input) {
			// "no" and "sí" are also the codes of Norway and Slovenia.
			return Result{}, Invalid("problem.residence")
		}
		return Result{}, answerResidence(a, input, lang)
	case StepBirthCountry:
		if c.Lex.IsYes(input) || c.Lex.IsNo(input) || c.Lex.IsNone(input) {
			return Result{}, Invalid("problem.country")
		}
		return Result{}, set(&a.BirthCountry, input, func(s string) (string, error) { return ParseCountry(s, lang) })
	case StepReceipt:
		if c.Lex.IsNone(input) {
			a.Receipt, a.PendingReceipt = "", ""
			a.skip(step, true)
			return Result{}, nil
		}
		r, err := ParseReceipt(input)
		if err != nil {
			return Result{}, err
		}
		a.skip(step, false)
		if !r.KnownPrefix {
			a.PendingReceipt = r.Number
			return Result{Next: StepReceiptConfirm}, nil
		}
		a.Receipt, a.PendingReceipt = r.Number, ""
	case StepReceiptConfirm:
		yes, err := yesNo(input, c.Lex)
		if err != nil {
			return Result{}, err
		}
		if !yes {
			a.PendingReceipt = ""
			return Result{Next: StepReceipt}, nil
		}
		a.Receipt, a.PendingReceipt = a.PendingReceipt, ""
	case StepANumber:
		return Result{}, optional(a, step, &a.ANumber, input, c.Lex, ParseANumber)
	case StepEmail:
		return Result{}, optional(a, step, &a.Email, input, c.Lex, ParseEmail)
	case StepPhone:
		if c.Lex.IsSame(input) {
			a.Phone = c.From
			return Result{}, nil
		}
		return Result{}, set(&a.Phone, input, usPhone)
	case StepReview:
		if c.Lex.IsYes(input) {
			if a.ReviewPage < len(reviewPages(*a))-1 {
				a.ReviewPage++
				return Result{Next: StepReview}, nil
			}
			if missing := Missing(*a); missing != "" {
				// Only a damaged conversation gets here; ask what it lacks.
				a.Editing = itemOf(missing)
				return Result{Next: missing}, nil
			}
			return Result{Next: StepSubmitted}, nil
		}
		n, err := choice(input, itemCount(*a), "problem.review", c.Lex)
		if err != nil {
			return Result{}, err
		}
		a.Editing = n
		return Result{Next: reviewItems()[n-1].steps[0]}, nil
	default:
		return Result{}, fmt.Errorf("answer: step %q asks nothing", step)
	}
	return Result{}, nil
}

func answerType(a *Answers, input string, c Context) (Result, error) {
	if c.Lex.AsksCaseStatus(input) {
		return Result{Next: StepType, Notice: []Msg{M("info.case_status")}}, nil
	}
	n, err := choice(input, 4, "problem.choice", c.Lex)
	if err != nil {
		return Result{}, err
	}
	t := []AppointmentType{TypeADIT, TypeEAP, TypeIJ, TypeOther}[n-1]
	if t != a.Type {
		// Details of another type no longer apply.
		a.NeededBy, a.TravelDate, a.TravelReason, a.OrderDate, a.Granted = Date{}, Date{}, "", Date{}, ""
	}
	a.Type = t
	if t == TypeOther {
		return Result{Next: StepReferred, Notice: []Msg{M("refer.elsewhere")}}, nil
	}
	return Result{}, nil
}

func answerResidence(a *Answers, input string, lang language.Tag) error {
	if zip, err := ParseZIP(input); err == nil {
		a.ZIP, a.Country = zip, ""
		return nil
	}
	if OnlyDigits(input) != "" {
		return Invalid("problem.zip")
	}
	code, err := ParseCountry(input, lang)
	if err != nil {
		return Invalid("problem.residence")
	}
	if code == "US" {
		return Invalid("problem.zip_for_us")
	}
	a.ZIP, a.Country = "", code
	return nil
}

// next is the step after step in the usual order, given the answers so far.
func next(step Step, a Answers) Step {
	switch step {
	case StepLanguage:
		return StepWho
	case StepWho:
		if a.Role == RoleRepresentative {
			return StepRepName
		}
		return StepType
	case StepType:
		switch a.Type {
		case TypeADIT:
			return StepADITDate
		case TypeEAP:
			return StepTravelDate
		case TypeIJ:
			return StepOrderDate
		}
		return StepReferred
	case StepADITDate, StepTravelReason, StepGrant:
		return StepDays
	case StepReceipt, StepReceiptConfirm:
		return StepANumber
	case StepReview:
		return StepSubmitted
	case StepRepName:
		return StepRepPhone
	case StepRepPhone:
		return StepRepEmail
	case StepRepEmail:
		return StepRepTexts
	case StepRepTexts:
		return StepRepAccount
	case StepRepAccount:
		return StepType
	case StepTravelDate:
		return StepTravelReason
	case StepOrderDate:
		return StepGrant
	case StepDays:
		return StepTimeOfDay
	case StepTimeOfDay:
		return StepName
	case StepName:
		return StepBirthDate
	case StepBirthDate:
		return StepResidence
	case StepResidence:
		return StepBirthCountry
	case StepBirthCountry:
		return StepReceipt
	case StepANumber:
		return StepEmail
	case StepEmail:
		return StepPhone
	case StepPhone:
		return StepReview
	}
	return step
}

// set parses input and stores the value in dst when it is valid.
func set(dst *string, input string, parse func(string) (string, error)) error {
	v, err := parse(input)
	if err != nil {
		return err
	}
	*dst = v
	return nil
}

// optional is set for questions that "none" answers.
func optional(a *Answers, step Step, dst *string, input string, lex Lexicon, parse func(string) (string, error)) error {
	if lex.IsNone(input) {
		*dst = ""
		a.skip(step, true)
		return nil
	}
	if err := set(dst, input, parse); err != nil {
		return err
	}
	a.skip(step, false)
	return nil
}

func usPhone(s string) (string, error) { return ParsePhone(s, "US") }

func futureDate(input string, c Context) (Date, error) {
	d, err := ParseDate(input, c.Lex)
	if err == nil {
		err = CheckFutureDate(d, c.Today)
	}
	return d, err
}

// choice reads a menu answer from 1 to n: "2", "2.", "#2", "２", "option 2",
// or the number in words of the language ("two", "dos").
func choice(input string, n int, problem string, lex Lexicon) (int, error) {
	if v, ok := lex.Number(input); ok {
		if v < 1 || v > n {
			return 0, Invalid(problem, "Last", n)
		}
		return v, nil
	}
	digits := OnlyDigits(input)
	f := Fold(input)
	if digits == "" || len(digits) > 2 || strings.Count(f, digits) != 1 || len(f) > len(digits)+10 {
		return 0, Invalid(problem, "Last", n)
	}
	v := 0
	fmt.Sscan(digits, &v)
	if v < 1 || v > n {
		return 0, Invalid(problem, "Last", n)
	}
	return v, nil
}

// yesNo reads 1/2 or the language's words for yes and no.
func yesNo(input string, lex Lexicon) (bool, error) {
	switch {
	case lex.IsYes(input) || OnlyDigits(input) == "1" && len(Fold(input)) <= 2:
		return true, nil
	case lex.IsNo(input) || OnlyDigits(input) == "2" && len(Fold(input)) <= 2:
		return false, nil
	}
	return false, Invalid("problem.yes_no")
}

func parseLanguage(input string, opts []LanguageOption) (string, error) {
	if n, err := choice(input, len(opts), "problem.language", Lexicon{}); err == nil { // digits: no language yet
		return opts[n-1].Tag, nil
	}
	f := Fold(input)
	for _, o := range opts {
		if f == Fold(o.Name) || f == Fold(o.Tag) || f == Fold(englishName(o.Tag)) {
			return o.Tag, nil
		}
	}
	return "", Invalid("problem.language", "Last", len(opts))
}

// parseReason accepts a short free-text answer.
func parseReason(s string) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	n := utf8.RuneCountInString(s)
	if n < 2 || n > 300 || strings.IndexFunc(s, unicode.IsLetter) < 0 {
		return "", Invalid("problem.reason")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", Invalid("problem.reason")
		}
	}
	return s, nil
}

// englishName is the language's name in English, so "Spanish" picks Español.
func englishName(tag string) string { return display.English.Tags().Name(langTag(tag)) }

func langTag(tag string) language.Tag {
	t, err := language.Parse(tag)
	if err != nil {
		return language.English
	}
	return t
}
