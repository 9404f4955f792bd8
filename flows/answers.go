package flows

// Role says who is filling in the request.
type Role string

const (
	RoleApplicant      Role = "applicant"
	RoleRepresentative Role = "representative"
)

// AppointmentType is what the appointment is for.
type AppointmentType string

const (
	TypeADIT  AppointmentType = "adit"  // ADIT stamp: temporary proof of permanent residence
	TypeEAP   AppointmentType = "eap"   // Emergency Advance Parole
	TypeIJ    AppointmentType = "ij"    // Immigration Judge grant
	TypeOther AppointmentType = "other" // anything else: the Contact Center handles it
)

// Grant is what an Immigration Judge granted.
type Grant string

const (
	GrantResidence   Grant = "residence"    // adjustment of status or cancellation of removal
	GrantAsylum      Grant = "asylum"       // asylum
	GrantWithholding Grant = "withholding"  // withholding of removal or CAT protection
	GrantOther       Grant = "other_relief" // other relief
)

// Grants lists the grant menu in order.
func Grants() []Grant { return []Grant{GrantResidence, GrantAsylum, GrantWithholding, GrantOther} }

// TimeOfDay is when the person prefers the callback.
type TimeOfDay string

const (
	Morning   TimeOfDay = "morning"
	Afternoon TimeOfDay = "afternoon"
	AnyTime   TimeOfDay = "any"
)

// Representative holds the details of an attorney or accredited
// representative filing for someone else.
type Representative struct {
	Name          string `json:"name,omitempty"`
	Phone         string `json:"phone,omitempty"`
	Email         string `json:"email,omitempty"`
	ConfirmByText bool   `json:"confirm_by_text,omitempty"`
	AccountNumber string `json:"account_number,omitempty"`
}

// Answers is everything the wizard has collected. It is stored as JSON with
// the conversation and copied into the request at submission.
type Answers struct {
	Language string         `json:"language,omitempty"`
	Role     Role           `json:"role,omitempty"`
	Rep      Representative `json:"rep,omitzero"`

	Type         AppointmentType `json:"type,omitempty"`
	NeededBy     Date            `json:"needed_by,omitzero"`
	TravelDate   Date            `json:"travel_date,omitzero"`
	TravelReason string          `json:"travel_reason,omitempty"`
	OrderDate    Date            `json:"order_date,omitzero"`
	Granted      Grant           `json:"granted,omitempty"`
	Days         []Weekday       `json:"days,omitempty"` // empty after the question means any weekday
	DaysAnswered bool            `json:"days_answered,omitempty"`
	TimeOfDay    TimeOfDay       `json:"time_of_day,omitempty"`

	Name         string `json:"name,omitempty"`
	BirthDate    Date   `json:"birth_date,omitzero"`
	ZIP          string `json:"zip,omitempty"`
	Country      string `json:"country,omitempty"` // residence outside the US, ISO 3166 alpha-2
	BirthCountry string `json:"birth_country,omitempty"`
	Receipt      string `json:"receipt,omitempty"`
	ANumber      string `json:"a_number,omitempty"`
	Email        string `json:"email,omitempty"`
	Phone        string `json:"phone,omitempty"`

	// Skipped records the optional questions answered with "none".
	Skipped map[Step]bool `json:"skipped,omitempty"`
	// PendingReceipt is a receipt number with an unknown prefix that waits
	// for the person to confirm it.
	PendingReceipt string `json:"pending_receipt,omitempty"`
	// Editing names the review item being changed; empty outside review edits.
	Editing int `json:"editing,omitempty"`
	// ReviewPage is the page of the review being shown, from 0: a text
	// message holds only a few items.
	ReviewPage int `json:"review_page,omitempty"`
	// Returns are the states where the asides in progress (and a language
	// change) began, the latest last: where each returns when it ends.
	Returns []Step `json:"returns,omitempty"`
	// Later are the questions a caller could not answer by keypad (a name,
	// a country, the travel reason), in the order met: they are asked by
	// text before the review.
	Later []Step `json:"later,omitempty"`
}

func (a *Answers) skip(s Step, skipped bool) {
	if a.Skipped == nil {
		a.Skipped = map[Step]bool{}
	}
	if skipped {
		a.Skipped[s] = true
	} else {
		delete(a.Skipped, s)
	}
}

// Clone returns a deep copy, so that a failed answer changes nothing.
func (a Answers) Clone() Answers {
	c := a
	c.Days = append([]Weekday(nil), a.Days...)
	c.Returns = append([]Step(nil), a.Returns...)
	c.Later = append([]Step(nil), a.Later...)
	if a.Skipped != nil {
		c.Skipped = make(map[Step]bool, len(a.Skipped))
		for k, v := range a.Skipped {
			c.Skipped[k] = v
		}
	}
	return c
}

// Filed returns the answers as a request keeps them, without the state of
// the conversation that collected them.
func (a Answers) Filed() Answers {
	f := a.Clone()
	f.PendingReceipt, f.Editing, f.ReviewPage, f.Returns, f.Later = "", 0, 0, nil, nil
	return f
}

// ContactPhone is the number an officer should call and text.
func (a Answers) ContactPhone() string {
	if a.Role == RoleRepresentative && a.Rep.Phone != "" {
		return a.Rep.Phone
	}
	return a.Phone
}
