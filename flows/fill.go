package flows

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// The answers' validators. Each reads input into a, or returns a
// *Problem and leaves a alone.

// field points at a text field of the answers.
type field func(a *Answers) *string

func repName(a *Answers) *string        { return &a.Rep.Name }
func repEmail(a *Answers) *string       { return &a.Rep.Email }
func repAccount(a *Answers) *string     { return &a.Rep.AccountNumber }
func travelReason(a *Answers) *string   { return &a.TravelReason }
func applicantName(a *Answers) *string  { return &a.Name }
func aNumber(a *Answers) *string        { return &a.ANumber }
func applicantEmail(a *Answers) *string { return &a.Email }

// into fills a field with what parse makes of the input.
func into(f field, parse func(string) (string, error)) func(*Answers, string, Context) (Event, error) {
	return func(a *Answers, input string, _ Context) (Event, error) { return "", set(f(a), input, parse) }
}

// orNone fills an optional field, or records that the person has none.
func orNone(step Step, f field, parse func(string) (string, error)) func(*Answers, string, Context) (Event, error) {
	return func(a *Answers, input string, c Context) (Event, error) {
		return "", optionalSet(a, step, f(a), input, c.Lex, parse)
	}
}

func fillLanguage(a *Answers, input string, c Context) (Event, error) {
	tag, err := parseLanguage(input, c.Languages)
	if err != nil {
		return "", err
	}
	a.Language = tag
	return "", nil
}

func fillRole(a *Answers, input string, c Context) (Event, error) {
	n, err := choice(input, 2, "problem.choice", c.Lex)
	if err != nil {
		return "", err
	}
	a.Role = []Role{RoleApplicant, RoleRepresentative}[n-1]
	return "", nil
}

func fillRepPhone(a *Answers, input string, c Context) (Event, error) {
	return "", set(&a.Rep.Phone, input, c.phoneAnswer)
}

// phoneAnswer reads a number the office will call: "same" for the number
// in use, or a number typed; either must be in the regions the service
// calls (Puerto Rico yes, Jamaica no, though both dial +1).
func (c Context) phoneAnswer(input string) (string, error) {
	if c.Lex.IsSame(input) {
		input = c.From
	}
	return ParsePhoneIn(input, "US", c.Regions)
}

func fillRepTexts(a *Answers, input string, c Context) (Event, error) {
	yes, err := yesNo(input, c.Lex)
	if err != nil {
		return "", err
	}
	a.Rep.ConfirmByText = yes
	return "", nil
}

func fillType(a *Answers, input string, c Context) (Event, error) {
	if c.Lex.AsksCaseStatus(input) {
		return "", &Remark{Msgs: []Msg{M("info.case_status")}}
	}
	n, err := choice(input, 4, "problem.choice", c.Lex)
	if err != nil {
		return "", err
	}
	t := []AppointmentType{TypeADIT, TypeEAP, TypeIJ, TypeOther}[n-1]
	if t != a.Type {
		// Details of another type no longer apply.
		a.NeededBy, a.TravelDate, a.TravelReason, a.OrderDate, a.Granted = Date{}, Date{}, "", Date{}, ""
	}
	a.Type = t
	return "", nil
}

func fillADITDate(a *Answers, input string, c Context) (Event, error) {
	d, err := futureDate(input, c)
	if err != nil {
		return "", err
	}
	a.NeededBy = d
	return "", nil
}

func fillTravelDate(a *Answers, input string, c Context) (Event, error) {
	d, err := futureDate(input, c)
	if err != nil {
		return "", err
	}
	a.TravelDate = d
	return "", nil
}

func fillOrderDate(a *Answers, input string, c Context) (Event, error) {
	d, err := ParseDate(input, c.Lex)
	if err == nil {
		err = CheckPastDate(d, c.Today)
	}
	if err != nil {
		return "", err
	}
	a.OrderDate = d
	return "", nil
}

func fillGrant(a *Answers, input string, c Context) (Event, error) {
	n, err := choice(input, len(Grants()), "problem.choice", c.Lex)
	if err != nil {
		return "", err
	}
	a.Granted = Grants()[n-1]
	return "", nil
}

func fillDays(a *Answers, input string, c Context) (Event, error) {
	days, err := parseDays(input, c.Lex)
	if err != nil {
		return "", err
	}
	a.Days, a.DaysAnswered = days, true
	return "", nil
}

func fillTimeOfDay(a *Answers, input string, c Context) (Event, error) {
	if c.Lex.IsAny(input) {
		a.TimeOfDay = AnyTime
		return "", nil
	}
	n, err := choice(input, 3, "problem.choice", c.Lex)
	if err != nil {
		return "", err
	}
	a.TimeOfDay = []TimeOfDay{Morning, Afternoon, AnyTime}[n-1]
	return "", nil
}

func fillBirthDate(a *Answers, input string, c Context) (Event, error) {
	d, err := ParseDate(input, c.Lex)
	if err == nil {
		err = CheckBirthDate(d, c.Today)
	}
	if err != nil {
		return "", err
	}
	a.BirthDate = d
	return "", nil
}

func fillResidence(a *Answers, input string, c Context) (Event, error) {
	if c.Lex.IsYes(input) || c.Lex.IsNo(input) || c.Lex.IsNone(input) {
		// "no" and "sí" are also the codes of Norway and Slovenia.
		return "", Invalid("problem.residence")
	}
	return "", answerResidence(a, input, langTag(a.Language))
}

func fillBirthCountry(a *Answers, input string, c Context) (Event, error) {
	if c.Lex.IsYes(input) || c.Lex.IsNo(input) || c.Lex.IsNone(input) {
		return "", Invalid("problem.country")
	}
	lang := langTag(a.Language)
	return "", set(&a.BirthCountry, input, func(s string) (string, error) { return ParseCountry(s, lang) })
}

func fillReceipt(a *Answers, input string, c Context) (Event, error) {
	if c.Lex.IsNone(input) {
		a.Receipt, a.PendingReceipt = "", ""
		a.skip(StepReceipt, true)
		return "", nil
	}
	r, err := ParseReceipt(input)
	if err != nil {
		return "", err
	}
	a.skip(StepReceipt, false)
	if !r.KnownPrefix {
		a.PendingReceipt = r.Number
		return "", nil
	}
	a.Receipt, a.PendingReceipt = r.Number, ""
	return "", nil
}

func fillReceiptConfirm(a *Answers, input string, c Context) (Event, error) {
	yes, err := yesNo(input, c.Lex)
	if err != nil {
		return "", err
	}
	if !yes {
		a.PendingReceipt = ""
		return PrefixRejected, nil
	}
	a.Receipt, a.PendingReceipt = a.PendingReceipt, ""
	return PrefixConfirmed, nil
}

func fillPhone(a *Answers, input string, c Context) (Event, error) {
	return "", set(&a.Phone, input, c.phoneAnswer)
}

// fillReview takes YES (the next page, then send) or the number of an
// item to change. YES with an answer missing, which only a damaged
// conversation has, changes the item that lacks it.
func fillReview(a *Answers, input string, c Context) (Event, error) {
	if c.Lex.IsYes(input) {
		if a.ReviewPage < len(reviewPages(*a))-1 {
			a.ReviewPage++
			return NextPage, nil
		}
		missing := Missing(*a)
		if missing == "" {
			return Submit, nil
		}
		a.Editing = itemOf(missing)
		return EditItem(a.Editing), nil
	}
	n, err := choice(input, itemCount(*a), "problem.review", c.Lex)
	if err != nil {
		return "", err
	}
	a.Editing = n
	return EditItem(n), nil
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

// What a phone reads back.

func said(f field) func(Answers, Context) any {
	return func(a Answers, _ Context) any { return *f(&a) }
}

func dateOf(f func(Answers) Date) func(Answers, Context) any {
	return func(a Answers, _ Context) any { return f(a) }
}

// digitsOf reads a phone number back a digit at a time, as it is dialled.
func digitsOf(f func(Answers) string) func(Answers, Context) any {
	return func(a Answers, _ Context) any { return Spelled(OnlyDigits(PhoneDisplay(f(a)))) }
}

// unlessSkipped reads an identifier back a character at a time, unless
// the person has none.
func unlessSkipped(step Step, f func(Answers) string) func(Answers, Context) any {
	return func(a Answers, _ Context) any {
		if a.Skipped[step] {
			return nil
		}
		return Spelled(f(a))
	}
}

func receiptReadBack(a Answers, _ Context) any {
	if a.Skipped[StepReceipt] || a.PendingReceipt != "" {
		return nil // an unknown prefix is confirmed anyway
	}
	return Spelled(a.Receipt)
}

func residence(a Answers, _ Context) any {
	if a.ZIP != "" {
		return Spelled(a.ZIP)
	}
	return CountryName(a.Country, langTag(a.Language))
}

func birthCountry(a Answers, _ Context) any { return CountryName(a.BirthCountry, langTag(a.Language)) }

// set parses input and stores the value in dst when it is valid.
func set(dst *string, input string, parse func(string) (string, error)) error {
	v, err := parse(input)
	if err != nil {
		return err
	}
	*dst = v
	return nil
}

// optionalSet is set for questions that "none" answers.
func optionalSet(a *Answers, step Step, dst *string, input string, lex Lexicon, parse func(string) (string, error)) error {
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
