package flows

// This file is the conversation, declared once: read it top to bottom as
// the wizard. Each question says what it asks (a message of locales/),
// the answer it takes, the validator that reads it into the Answers, and
// the moves that may follow, with the rule (When) that picks one. Then
// come the asides, and the moves that work from many states: keywords,
// asides begun, review changes. The bot builds its looplab/fsm machine
// from this declaration alone (bot/machine.go), and `infopass flows` draws
// it (docs/conversation.svg).

// Events: what happened. An answer's event is named for what it was
// where the answer picks the way ("representative", "refer"), and is
// Answered otherwise.
const (
	Answered          Event = "answered"
	LanguageChosen    Event = "chose_language"
	LanguageChanged   Event = "changed_language"
	ForApplicant      Event = "applicant"
	ForRepresentative Event = "representative"
	ChoseADIT         Event = "adit"
	ChoseEAP          Event = "eap"
	ChoseIJ           Event = "ij"
	Refer             Event = "refer" // the Contact Center handles it: nothing is filed
	UnknownPrefix     Event = "unknown_prefix"
	PrefixConfirmed   Event = "confirmed"
	PrefixRejected    Event = "rejected"
	NextPage          Event = "next_page"
	Submit            Event = "submit"
	Edited            Event = "edited"          // a changed review item is complete
	ReferredAtReview  Event = "refer_at_review" // a change the Contact Center would handle is not kept

	// Keywords that move the conversation (HELP, STATUS, AGENT, STOP and
	// START answer without moving it).
	Back           Event = "back"
	Restart        Event = "restart"
	ChangeLanguage Event = "language"
	Cancel         Event = "cancel"

	// Asides begun and ended.
	Pause             Event = "pause" // back after a day, or on the other channel
	Resume            Event = "resume"
	WithdrawRequested Event = "withdraw_requested" // CANCEL IP-…
	WithdrawConfirmed Event = "withdraw_confirmed"
	WithdrawDeclined  Event = "withdraw_declined"
	OfferDeclined     Event = "offer_declined" // NO to a callback window
	BetterTimesGiven  Event = "better_times_given"
	Heard             Event = "heard" // a phone answer, to be read back
	Kept              Event = "kept"
	Reenter           Event = "reenter"
	LettersHeard      Event = "letters_heard"     // a receipt number's letters, said or keyed
	LettersAmbiguous  Event = "letters_ambiguous" // keys that fit two offices' letters
	LettersPicked     Event = "letters_picked"
	Deferred          Event = "deferred" // a caller with only a keypad leaves the question for text
	AskLater          Event = "ask_later"
	DigitsEntered     Event = "digits_entered"
	StatusAsked       Event = "status_asked" // STATUS on a call
	ReferenceEntered  Event = "reference_entered"
	StatusTold        Event = "status_told"
	StatusMismatch    Event = "status_mismatch"
	StatusGiveUp      Event = "status_give_up" // the third mismatch: a person takes the call
	Left              Event = "left"           // a keyword leaves an aside
)

// conversation is the declaration, built once; nothing changes it.
var conversation = declare()

func declare() Declaration {
	steps := []StepSpec{
		// 0. The language: picked from the first text when it is clear,
		// else from this menu. LANGUAGE comes back here at any time, and
		// returns to the question it was said at.
		{Step: StepLanguage, Ask: askLanguage, Fill: fillLanguage, Next: []Edge{
			{On: LanguageChanged, To: Return, Kind: End, When: returning, Why: "changed mid-way"},
			{On: LanguageChosen, To: StepWho, Kind: Jump},
		}},

		// 1. Who is asking: the applicant, or a representative, who gives
		// their own contact details and whether to confirm calls by text.
		{Step: StepWho, Ask: ask(choices(2), "ask.who", "hint.keywords"), Fill: fillRole, Next: []Edge{
			{On: ForRepresentative, To: StepRepName, When: representative},
			{On: ForApplicant, To: StepType},
		}},
		{Step: StepRepName, Ask: ask(expect(ExpectText), "ask.rep_name"), Fill: into(repName, ParseName),
			Next: thenOrLater(StepRepPhone), ReadBack: said(repName)},
		{Step: StepRepPhone, Ask: askPhone("ask.rep_phone"), Fill: fillRepPhone,
			Next: then(StepRepEmail), ReadBack: digitsOf(func(a Answers) string { return a.Rep.Phone })},
		{Step: StepRepEmail, Ask: ask(expect(ExpectEmail), "ask.rep_email"), Fill: into(repEmail, ParseEmail),
			Next: then(StepRepTexts)},
		{Step: StepRepTexts, Ask: ask(expect(ExpectYesNo), "ask.rep_texts"), Fill: fillRepTexts,
			Next: then(StepRepAccount)},
		{Step: StepRepAccount, Ask: ask(optional(ExpectDigits), "ask.rep_account"),
			Fill: orNone(StepRepAccount, repAccount, ParseAccountNumber),
			Next: then(StepType), ReadBack: unlessSkipped(StepRepAccount, func(a Answers) string { return a.Rep.AccountNumber })},

		// 2. The appointment type and its details. "Other" services, EAP
		// within ten business days and ADIT too early go to the Contact
		// Center: nothing is filed.
		{Step: StepType, Ask: ask(choices(4), "ask.type"), Fill: fillType, Next: []Edge{
			{On: ChoseADIT, To: StepADITDate, When: typeIs(TypeADIT)},
			{On: ChoseEAP, To: StepTravelDate, When: typeIs(TypeEAP)},
			{On: ChoseIJ, To: StepOrderDate, When: typeIs(TypeIJ)},
			{On: Refer, To: StepReferred, Kind: Close, Say: say("refer.elsewhere")},
		}},
		{Step: StepADITDate, Ask: askDate("ask.adit_date", 14), Fill: fillADITDate, Next: []Edge{
			{On: Refer, To: StepReferred, Kind: Close, When: aditTooEarly, Why: "too early", Say: referADITEarly},
			{On: Answered, To: StepDays},
		}, ReadBack: dateOf(func(a Answers) Date { return a.NeededBy })},
		{Step: StepTravelDate, Ask: askDate("ask.travel_date", 30), Fill: fillTravelDate, Next: []Edge{
			{On: Refer, To: StepReferred, Kind: Close, When: travelTooSoon, Why: "within 10 business days", Say: say("refer.eap_soon")},
			{On: Answered, To: StepTravelReason},
		}, ReadBack: dateOf(func(a Answers) Date { return a.TravelDate })},
		{Step: StepTravelReason, Ask: ask(expect(ExpectText), "ask.travel_reason"), Fill: into(travelReason, parseReason),
			Next: thenOrLater(StepDays), ReadBack: said(travelReason)},
		{Step: StepOrderDate, Ask: askDate("ask.order_date", -60), Fill: fillOrderDate,
			Next: then(StepGrant), ReadBack: dateOf(func(a Answers) Date { return a.OrderDate })},
		{Step: StepGrant, Ask: ask(choices(len(Grants())), "ask.grant"), Fill: fillGrant, Next: then(StepDays)},

		// When the person prefers the callback.
		{Step: StepDays, Ask: ask(expect(ExpectText), "ask.days"), Fill: fillDays, Next: then(StepTimeOfDay)},
		{Step: StepTimeOfDay, Ask: ask(choices(3), "ask.time_of_day"), Fill: fillTimeOfDay, Next: then(StepName)},

		// 3. The applicant (asked of a representative as "their").
		{Step: StepName, Ask: askWho(expect(ExpectText), "ask.name"), Fill: into(applicantName, ParseName),
			Next: thenOrLater(StepBirthDate), ReadBack: said(applicantName)},
		{Step: StepBirthDate, Ask: askBirthDate, Fill: fillBirthDate,
			Next: then(StepResidence), ReadBack: dateOf(func(a Answers) Date { return a.BirthDate })},
		{Step: StepResidence, Ask: askWho(expect(ExpectText), "ask.residence"), Fill: fillResidence,
			Next: thenOrLater(StepBirthCountry), ReadBack: residence},
		{Step: StepBirthCountry, Ask: askWho(expect(ExpectText), "ask.birth_country"), Fill: fillBirthCountry,
			Next: thenOrLater(StepReceipt), ReadBack: birthCountry},
		{Step: StepReceipt, Ask: askWho(optional(ExpectText), "ask.receipt"), Fill: fillReceipt, Next: []Edge{
			{On: UnknownPrefix, To: StepReceiptConfirm, When: pendingReceipt, Why: "a prefix USCIS does not use"},
			{On: Answered, To: StepANumber},
		}, ReadBack: receiptReadBack},
		{Step: StepReceiptConfirm, Ask: askReceiptConfirm, Fill: fillReceiptConfirm, Next: []Edge{
			{On: PrefixRejected, To: StepReceipt},
			{On: PrefixConfirmed, To: StepANumber},
		}},
		{Step: StepANumber, Ask: askWho(optional(ExpectDigits), "ask.a_number"), Fill: orNone(StepANumber, aNumber, ParseANumber),
			Next: then(StepEmail), ReadBack: unlessSkipped(StepANumber, func(a Answers) string { return a.ANumber })},
		{Step: StepEmail, Ask: askWho(optional(ExpectEmail), "ask.email"), Fill: orNone(StepEmail, applicantEmail, ParseEmail),
			Next: then(StepPhone)},
		{Step: StepPhone, Ask: askApplicantPhone, Fill: fillPhone,
			Next: then(StepReview), ReadBack: digitsOf(func(a Answers) string { return a.Phone })},

		// 4. The review, a page at a time: YES turns the page, then sends;
		// an item's number changes it (its questions are asked again and
		// the review comes back, see Edited below).
		{Step: StepReview, Ask: askReview, Fill: fillReview, Next: append([]Edge{
			{On: NextPage, To: StepReview},
			{On: Submit, To: StepSubmitted, Kind: Close, When: complete, Why: "nothing missing"},
		}, editMoves()...)},
	}

	asides := []AsideSpec{
		{Step: StepResume, Prompt: "reply.resume", Expect: Expect{Kind: ExpectChoice, Choices: 2},
			Exits: []Edge{{On: Resume, To: Return, Kind: End}}},
		{Step: StepConfirmWithdrawal, Prompt: "withdraw.ask", Expect: Expect{Kind: ExpectYesNo},
			Exits: []Edge{{On: WithdrawConfirmed, To: Return, Kind: End}, {On: WithdrawDeclined, To: Return, Kind: End}}},
		{Step: StepBetterTimes, Prompt: "callback.declined", Expect: Expect{Kind: ExpectText},
			Exits: []Edge{{On: BetterTimesGiven, To: Return, Kind: End}}},
		{Step: StepConfirmValue, Prompt: "voice.readback", Expect: Expect{Kind: ExpectYesNo},
			Exits: []Edge{{On: Kept, To: Return, Kind: End}, {On: Reenter, To: Return, Kind: End}}},
		{Step: StepReceiptLetters, Prompt: "voice.receipt_pick", Expect: Expect{Kind: ExpectChoice, Choices: 2},
			Exits: []Edge{{On: LettersPicked, To: StepReceiptDigits, Kind: Jump}}},
		{Step: StepReceiptDigits, Prompt: "voice.receipt_digits", Expect: Expect{Kind: ExpectDigits, Digits: 10},
			Exits: []Edge{{On: DigitsEntered, To: Return, Kind: End}}},
		{Step: StepStatusReference, Prompt: "voice.status_ask_reference", Expect: Expect{Kind: ExpectDigits, Digits: 8},
			Exits: []Edge{{On: ReferenceEntered, To: StepStatusBirthDate, Kind: Jump}, {On: StatusGiveUp, To: Return, Kind: End}}},
		{Step: StepStatusBirthDate, Prompt: "voice.status_ask_birth_date", Expect: Expect{Kind: ExpectDate},
			Exits: []Edge{
				{On: StatusTold, To: Return, Kind: End},
				{On: StatusMismatch, To: StepStatusReference, Kind: Jump},
				{On: StatusGiveUp, To: Return, Kind: End},
			}},
	}

	questions := Questions()
	butLanguage := questions[1:]
	withResume := append(append([]Step(nil), questions...), StepResume)
	var readBack []Step
	for _, s := range steps {
		if s.ReadBack != nil {
			readBack = append(readBack, s.Step)
		}
	}
	var leftAsides []Step
	for _, a := range asides {
		if a.Step != StepResume {
			leftAsides = append(leftAsides, a.Step)
		}
	}
	moves := []Edge{
		// Keywords, at any question.
		{On: Back, From: butLanguage, To: Previous, Kind: Backward, Where: "any question"},
		{On: Back, From: []Step{StepLanguage}, To: Return, Kind: End, When: returning, Why: "changed mid-way"},
		{On: ChangeLanguage, From: append(append([]Step(nil), butLanguage...), StepResume), To: StepLanguage, Kind: Begin, Where: anywhere},
		{On: Restart, From: withResume, To: StepWho, Kind: Reset, When: languageKnown, Why: "language known", Where: anywhere},
		{On: Cancel, From: withResume, To: StepCancelled, Kind: Close, Where: anywhere},

		// Asides begun: after a day or on the other channel; CANCEL and a
		// reference; NO to a callback window; a value heard by phone;
		// STATUS on a call.
		{On: Pause, From: butLanguage, To: StepResume, Kind: Begin, Where: "any question"},
		{On: WithdrawRequested, From: withResume, To: StepConfirmWithdrawal, Kind: Begin, Where: anywhere},
		{On: OfferDeclined, From: withResume, To: StepBetterTimes, Kind: Begin, Where: anywhere},
		{On: Heard, From: readBack, To: StepConfirmValue, Kind: Begin, Where: "a question read back by phone"},
		{On: LettersHeard, From: []Step{StepReceipt}, To: StepReceiptDigits, Kind: Begin},
		{On: LettersAmbiguous, From: []Step{StepReceipt}, To: StepReceiptLetters, Kind: Begin},
		{On: StatusAsked, From: withResume, To: StepStatusReference, Kind: Begin, Where: anywhere},
		// A keyword leaves an aside (continue-or-restart stays: it is
		// answered first).
		{On: Left, From: leftAsides, To: Return, Kind: End, Where: "an aside (but continue-or-restart)"},

		// Before the review, the questions left for text, one by one.
		{On: AskLater, From: questions, To: Later, Kind: Forward, When: hasLater, Why: "left for text",
			Where: "a question, with answers left for text"},

		// While a review item is changed: when its questions are done, the
		// review again; a change the Contact Center would handle is not
		// kept (the type is asked again).
		{On: Edited, From: ReviewSteps(), To: StepReview, Where: "the last question of a review item"},
		{On: ReferredAtReview, From: []Step{StepType, StepADITDate, StepTravelDate}, To: StepType},
	}
	return Declaration{Steps: steps, Asides: asides, Moves: moves}
}

// editMoves are the review's moves to change an item: to the item's first
// question.
func editMoves() []Edge {
	var out []Edge
	for i, it := range reviewItems() {
		n := i + 1
		out = append(out, Edge{On: EditItem(n), To: it.steps[0], When: func(a Answers, _ Context) bool { return a.Editing == n }})
	}
	return out
}

// EditItem is the event of changing review item n (from 1).
func EditItem(n int) Event {
	items := reviewItems()
	if n < 1 || n > len(items) {
		return ""
	}
	return Event("edit_" + items[n-1].name)
}

// The guards.

func returning(a Answers, _ Context) bool      { return len(a.Returns) > 0 }
func hasLater(a Answers, _ Context) bool       { return len(a.Later) > 0 }
func representative(a Answers, _ Context) bool { return a.Role == RoleRepresentative }
func languageKnown(a Answers, _ Context) bool  { return a.Language != "" }
func complete(a Answers, _ Context) bool       { return Missing(a) == "" }
func pendingReceipt(a Answers, _ Context) bool { return a.PendingReceipt != "" }

func typeIs(t AppointmentType) func(Answers, Context) bool {
	return func(a Answers, _ Context) bool { return a.Type == t }
}

func aditTooEarly(a Answers, c Context) bool {
	return ADITTooEarly(a.NeededBy, c.Today, c.ADITLeadDays)
}

func travelTooSoon(a Answers, c Context) bool { return EmergencyTravelTooSoon(a.TravelDate, c.Today) }

// What is said on the way.

func say(id string) func(Answers, Context) []Msg {
	return func(Answers, Context) []Msg { return []Msg{M(id)} }
}

func referADITEarly(a Answers, c Context) []Msg {
	return []Msg{M("refer.adit_early", "Date", ADITFirstAskDate(a.NeededBy, c.ADITLeadDays))}
}

// anywhere is where keywords and asides work from, in the drawn graph.
const anywhere = "any question, or continue-or-restart"

// then is the one move of a question whose answer never picks the way.
func then(to Step) []Edge { return []Edge{{On: Answered, To: to}} }

// thenOrLater are the moves of a question a keypad cannot answer: answered,
// or left for text (Answers.Later), the wizard goes on to the same next.
func thenOrLater(to Step) []Edge {
	return []Edge{{On: Answered, To: to}, {On: Deferred, To: to, Why: "by text, later"}}
}
