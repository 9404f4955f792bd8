package flows

import "slices"

// Step is one question of the wizard, or one of its ends. Its value is also
// the state name of the bot's state machine.
type Step string

// The wizard's steps in the order a representative filing for EAP meets them.
const (
	StepLanguage       Step = "language"
	StepWho            Step = "who"
	StepRepName        Step = "rep_name"
	StepRepPhone       Step = "rep_phone"
	StepRepEmail       Step = "rep_email"
	StepRepTexts       Step = "rep_texts"
	StepRepAccount     Step = "rep_account"
	StepType           Step = "type"
	StepADITDate       Step = "adit_date"
	StepTravelDate     Step = "travel_date"
	StepTravelReason   Step = "travel_reason"
	StepOrderDate      Step = "order_date"
	StepGrant          Step = "grant"
	StepDays           Step = "days"
	StepTimeOfDay      Step = "time_of_day"
	StepName           Step = "name"
	StepBirthDate      Step = "birth_date"
	StepResidence      Step = "residence"
	StepBirthCountry   Step = "birth_country"
	StepReceipt        Step = "receipt"
	StepReceiptConfirm Step = "receipt_confirm"
	StepANumber        Step = "a_number"
	StepEmail          Step = "email"
	StepPhone          Step = "phone"
	StepReview         Step = "review"

	// StepReferred ends a conversation the Contact Center must handle (EAP
	// too soon, ADIT too early, other services): nothing is filed.
	StepReferred Step = "referred"
	// StepSubmitted ends a conversation whose request was filed.
	StepSubmitted Step = "submitted"
)

// Questions lists every step that asks something, in wizard order.
func Questions() []Step {
	return []Step{
		StepLanguage, StepWho, StepRepName, StepRepPhone, StepRepEmail, StepRepTexts, StepRepAccount,
		StepType, StepADITDate, StepTravelDate, StepTravelReason, StepOrderDate, StepGrant,
		StepDays, StepTimeOfDay, StepName, StepBirthDate, StepResidence, StepBirthCountry,
		StepReceipt, StepReceiptConfirm, StepANumber, StepEmail, StepPhone, StepReview,
	}
}

// Final reports whether the step ends the conversation.
func (s Step) Final() bool { return s == StepReferred || s == StepSubmitted }

// Valid reports whether s names a step of the wizard, so that a state read
// back from storage can be trusted.
func (s Step) Valid() bool {
	if s.Final() {
		return true
	}
	for _, q := range Questions() {
		if q == s {
			return true
		}
	}
	return false
}

// Transition is one allowed move of the wizard. The event that makes it is
// named after its destination, so the table reads as "which steps may lead
// to To".
type Transition struct {
	To   Step
	From []Step
}

// Transitions is the wizard's graph: the order of its questions, the
// branches, the review edits and the ends. The bot builds its state machine
// from it, so a move the table lacks is refused rather than taken.
func Transitions() []Transition {
	editable := ReviewSteps()
	all := Questions()
	t := []Transition{
		{To: StepWho, From: append([]Step{StepLanguage}, all...)}, // first question, and RESTART from anywhere
		{To: StepRepName, From: []Step{StepWho}},
		{To: StepRepPhone, From: []Step{StepRepName}},
		{To: StepRepEmail, From: []Step{StepRepPhone}},
		{To: StepRepTexts, From: []Step{StepRepEmail}},
		{To: StepRepAccount, From: []Step{StepRepTexts}},
		{To: StepType, From: []Step{StepWho, StepRepAccount, StepADITDate, StepTravelDate}},
		{To: StepADITDate, From: []Step{StepType}},
		{To: StepTravelDate, From: []Step{StepType}},
		{To: StepTravelReason, From: []Step{StepTravelDate}},
		{To: StepOrderDate, From: []Step{StepType}},
		{To: StepGrant, From: []Step{StepOrderDate}},
		{To: StepDays, From: []Step{StepADITDate, StepTravelReason, StepGrant}},
		{To: StepTimeOfDay, From: []Step{StepDays}},
		{To: StepName, From: []Step{StepTimeOfDay}},
		{To: StepBirthDate, From: []Step{StepName}},
		{To: StepResidence, From: []Step{StepBirthDate}},
		{To: StepBirthCountry, From: []Step{StepResidence}},
		{To: StepReceipt, From: []Step{StepBirthCountry, StepReceiptConfirm}},
		{To: StepReceiptConfirm, From: []Step{StepReceipt}},
		{To: StepANumber, From: []Step{StepReceipt, StepReceiptConfirm}},
		{To: StepEmail, From: []Step{StepANumber}},
		{To: StepPhone, From: []Step{StepEmail}},
		{To: StepReview, From: append(editable, StepPhone, StepReceiptConfirm)},
		{To: StepReferred, From: []Step{StepType, StepADITDate, StepTravelDate}},
		{To: StepSubmitted, From: []Step{StepReview}},
	}
	// A review edit jumps back to an item's first question, or to the
	// question whose answer is missing.
	for i := range t {
		if slices.Contains(editable, t[i].To) {
			t[i].From = append(t[i].From, StepReview)
		}
	}
	// LANGUAGE works at every question and comes back to it afterwards.
	t = append(t, Transition{To: StepLanguage, From: all})
	for i := range t {
		if t[i].To != StepWho && !t[i].To.Final() && t[i].To != StepLanguage {
			t[i].From = append(t[i].From, StepLanguage)
		}
	}
	return t
}
