package flows

import "slices"

// Step is a state of a conversation: a question of the wizard, an aside
// (a question asked outside the wizard, after which the conversation
// returns where it was), or an end. Its value is stored with the
// conversation and names the state of the bot's state machine.
type Step string

// The wizard's questions, in the order a representative filing for
// Emergency Advance Parole meets them.
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
)

// The asides. Each begins at a question (or another aside) and, once
// answered, returns there.
const (
	// StepResume asks a person back after a day, or on another channel,
	// whether to go on or start over.
	StepResume Step = "resume_or_restart"
	// StepConfirmWithdrawal asks YES or NO to "withdraw request IP-…?".
	StepConfirmWithdrawal Step = "confirm_withdrawal"
	// StepBetterTimes waits for the days and times that suit a person who
	// declined a callback window.
	StepBetterTimes Step = "better_times"
	// StepConfirmValue reads back an answer a channel cannot show (a
	// phone call) and waits for 1 (keep it) or 2 (enter it again).
	StepConfirmValue Step = "confirm_value"
	// StepReceiptDigits waits for the ten digits of a receipt number
	// whose three letters a caller has said.
	StepReceiptDigits Step = "receipt_digits"
	// StepReceiptLetters asks a caller who keyed a receipt number's
	// letters (a letter as the key that bears it) which of two offices
	// they meant, when the keys fit both (M S C and N S C are 6 7 2).
	StepReceiptLetters Step = "receipt_letters"
	// StepStatusReference and StepStatusBirthDate ask a caller who says
	// STATUS for a request's reference and its date of birth, keyed,
	// before anything about it is said: caller ID proves nothing.
	StepStatusReference Step = "status_reference"
	StepStatusBirthDate Step = "status_birth_date"
)

// The ends: a conversation in one of them is closed.
const (
	// StepReferred ends a conversation the Contact Center must handle (EAP
	// too soon, ADIT too early, other services): nothing is filed.
	StepReferred Step = "referred"
	// StepSubmitted ends a conversation whose request was filed.
	StepSubmitted Step = "submitted"
	// StepCancelled ends a conversation the person cancelled.
	StepCancelled Step = "cancelled"
)

// Pseudo-states are where a move goes when its destination is remembered
// rather than declared: the engine resolves them at once to a real state.
// No conversation rests in one.
const (
	// Return is where an aside began (an aside or a language change ends
	// there).
	Return Step = "(where it began)"
	// Previous is the question answered before (BACK).
	Previous Step = "(the question before)"
	// Later is the first question left for text (Answers.Later).
	Later Step = "(the next question left for text)"
)

// Questions lists every question of the wizard, in wizard order.
func Questions() []Step {
	return []Step{
		StepLanguage, StepWho, StepRepName, StepRepPhone, StepRepEmail, StepRepTexts, StepRepAccount,
		StepType, StepADITDate, StepTravelDate, StepTravelReason, StepOrderDate, StepGrant,
		StepDays, StepTimeOfDay, StepName, StepBirthDate, StepResidence, StepBirthCountry,
		StepReceipt, StepReceiptConfirm, StepANumber, StepEmail, StepPhone, StepReview,
	}
}

// Asides lists the asides.
func Asides() []Step {
	return []Step{StepResume, StepConfirmWithdrawal, StepBetterTimes, StepConfirmValue, StepReceiptLetters, StepReceiptDigits,
		StepStatusReference, StepStatusBirthDate}
}

// Ends lists the states that close a conversation.
func Ends() []Step { return []Step{StepReferred, StepSubmitted, StepCancelled} }

// Final reports whether the step ends the conversation.
func (s Step) Final() bool { return slices.Contains(Ends(), s) }

// Aside reports whether the step is an aside.
func (s Step) Aside() bool { return slices.Contains(Asides(), s) }

// Question reports whether the step is a question of the wizard.
func (s Step) Question() bool { return slices.Contains(Questions(), s) }

// Pseudo reports whether s is a pseudo-state (Return, Previous, Later).
func (s Step) Pseudo() bool { return s == Return || s == Previous || s == Later }

// Valid reports whether s names a state a conversation can rest in, so
// that a state read back from storage can be trusted.
func (s Step) Valid() bool { return s.Question() || s.Aside() || s.Final() }
