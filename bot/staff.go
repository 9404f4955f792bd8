package bot

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"infopass/flows"
)

// RequestFilter selects requests for staff. Zero fields select everything.
type RequestFilter struct {
	Status    string
	Type      string
	Language  string
	ZIPPrefix string
	ANumber   string    // normalized, e.g. A012345678
	Receipt   string    // normalized, e.g. IOE0912345678
	Phone     string    // E.164; the number that filed it or the contact
	From, To  time.Time // submitted at or after From, before To
	// Lists are in the order of submission (ties by ID). Before and After
	// are cursors, the ID of a request: only requests submitted before it
	// (after it), or at the same time with a smaller (greater) ID.
	Before int64
	After  int64
	Oldest bool // oldest first (the console's queue) instead of newest first
	Limit  int
}

// StaffStore is what the staff service needs of storage.
type StaffStore interface {
	ListRequests(ctx context.Context, f RequestFilter) ([]Request, error)
	// WithdrawnAppointments lists the appointments applicants withdrew
	// (CANCEL by text) that start after now, soonest first.
	WithdrawnAppointments(ctx context.Context, now time.Time) ([]Appointment, error)
	// WithRequest runs fn in one transaction on the request, or returns
	// ErrNotFound. With lock the transaction holds the request's row lock
	// (SELECT … FOR UPDATE): for work that changes the request; views take
	// no lock, so they never wait on nor hold up a change.
	WithRequest(ctx context.Context, reference string, now time.Time, lock bool, fn func(context.Context, RequestTx) error) error
	// RecordAccess records that who did action with each of reqs (none:
	// one line of no request, for an export).
	RecordAccess(ctx context.Context, who Actor, reqs []Request, action string, now time.Time) error
	// AccessLog returns a request's access log, oldest first;
	// AccessBetween every line of [from, to), oldest first.
	AccessLog(ctx context.Context, reference string) ([]Access, error)
	AccessBetween(ctx context.Context, from, to time.Time) ([]Access, error)
	// Overview counts the requests submitted and the callback offers made
	// in [from, to), by day in zone. Days that ended before now are over:
	// their counts may be kept.
	Overview(ctx context.Context, from, to time.Time, zone *time.Location, now time.Time) (Overview, error)
	// EndSession records that the staff session id ended at now, before
	// it expires; SessionEnded tells whether it did.
	EndSession(ctx context.Context, id string, expires, now time.Time) error
	SessionEnded(ctx context.Context, id string) (bool, error)
}

// RequestTx is staff work on one locked request.
type RequestTx interface {
	Request() Request
	Participant(ctx context.Context, phone string) (Participant, error) // the zero Participant if unknown
	Offers(ctx context.Context) ([]CallbackOffer, error)
	SaveOffer(ctx context.Context, o *CallbackOffer) error
	Enqueue(ctx context.Context, m *OutboxMessage) error
	// CancelQueued cancels the offer's texts and calls that are not sent
	// yet.
	CancelQueued(ctx context.Context, offerID int64) error
	// Appointments lists the request's appointments, oldest first.
	Appointments(ctx context.Context) ([]Appointment, error)
	SaveAppointment(ctx context.Context, a *Appointment) error
	// CancelAppointmentNotices cancels the appointment's texts and emails
	// that are not sent yet (its reminder).
	CancelAppointmentNotices(ctx context.Context, appointmentID int64) error
	// SetStatus records the new status and who set it.
	SetStatus(ctx context.Context, status, note string, who Actor) error
	Events(ctx context.Context) ([]RequestEvent, error)
	// History lists the messages about the request, oldest first.
	History(ctx context.Context) ([]HistoryMessage, error)
	// RecordAccess adds to the access log that who did action with the
	// request.
	RecordAccess(ctx context.Context, who Actor, action string) error
}

// FieldError says what is wrong with one field of a staff request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every field that is wrong. Nothing was changed.
type ValidationError []FieldError

func (v ValidationError) Error() string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// MaxWindow is the longest callback window staff may offer.
const MaxWindow = 4 * time.Hour

// How staff see dates and times, in the console and in a request's
// history: the month in words, so that no one reads 03/04 as the wrong
// month (the API writes RFC 3339 and ISO dates).
const (
	StaffDate = "Jan 2, 2006"
	StaffDay  = "Mon " + StaffDate
	StaffTime = StaffDay + " 3:04 PM MST"
)

// Staff is what office staff do with requests: read them, offer callback
// windows, and record what became of them.
type Staff struct {
	store   StaffStore
	catalog *Catalog
	now     func() time.Time
	center  string        // the Contact Center as dialed, in emails
	wake    func()        // tells the outbox workers a row is waiting
	regions flows.Regions // where texts may go and calls be placed
	offices Offices
}

// StaffOption sets an optional part of the staff service.
type StaffOption func(*Staff)

// WithOffices gives the offices appointments are booked at (OFFICES_FILE);
// without them no appointment can be recorded.
func WithOffices(o Offices) StaffOption { return func(s *Staff) { s.offices = o } }

// WithContactCenter gives the USCIS Contact Center's number (E.164) that
// notices name (+18003755283).
func WithContactCenter(number string) StaffOption {
	return func(s *Staff) { s.center = (&Engine{cfg: Config{ContactCenter: number}}).ContactCenterDisplay() }
}

// NewStaff returns the staff service. wake, if not nil, is called after a
// text, email or call is queued. Offers are texted and called only to
// numbers of regions (flows.DefaultRegions when zero).
func NewStaff(store StaffStore, catalog *Catalog, now func() time.Time, wake func(), regions flows.Regions, opts ...StaffOption) *Staff {
	if now == nil {
		now = time.Now
	}
	if wake == nil {
		wake = func() {}
	}
	if regions.String() == "" {
		regions = flows.MustParseRegions(flows.DefaultRegions)
	}
	s := &Staff{store: store, catalog: catalog, now: now, wake: wake, regions: regions, center: "1-800-375-5283"}
	for _, o := range opts {
		o(s)
	}
	return s
}

// notices writes the staff service's notices.
func (s *Staff) notices() notices { return notices{c: s.catalog, center: s.center} }

// EndSession ends an officer's session before it expires: signing out.
func (s *Staff) EndSession(ctx context.Context, who Officer, expires time.Time) error {
	if who.Session == "" {
		return errors.New("end session: no session id")
	}
	return s.store.EndSession(ctx, who.Session, expires, s.now())
}

// SessionEnded reports whether the session id was signed out.
func (s *Staff) SessionEnded(ctx context.Context, id string) (bool, error) {
	return s.store.SessionEnded(ctx, id)
}

// Requests lists requests matching f, newest submitted first (oldest first
// with f.Oldest). f comes from ParseRequestFilter or is built by the caller; it
// is checked again here. Requests that a search by a personal identifier
// (A-Number, receipt number, phone) found are recorded in the access log as
// searched by the actor in ctx.
func (s *Staff) Requests(ctx context.Context, f RequestFilter) ([]Request, error) {
	who, ok := ActorFrom(ctx)
	if !ok {
		return nil, ErrNoActor
	}
	if bad := s.checkFilter(&f); len(bad) > 0 {
		return nil, bad
	}
	if f.Limit == 0 {
		f.Limit = DefaultListLimit
	}
	reqs, err := s.store.ListRequests(ctx, f)
	if err != nil || len(reqs) == 0 || (f.ANumber == "" && f.Receipt == "" && f.Phone == "") {
		return reqs, err
	}
	if err := s.store.RecordAccess(ctx, who, reqs, AccessSearch, s.now()); err != nil {
		return nil, err
	}
	return reqs, nil
}

// DefaultListLimit and MaxListLimit bound how many requests one list
// holds.
const (
	DefaultListLimit = 50
	MaxListLimit     = 200
)

// ParseRequestFilter reads a filter of requests from query parameters, as
// the staff API and the console take them: status (or "all"), type,
// language, zip (a prefix), a_number, receipt, phone (typed any usual way),
// from and to (a day, 2026-11-23, read in zone, to being the last day
// included; or an RFC 3339 time, to excluded), limit, and cursor (as
// NextCursor gave). Every field that is wrong is in the ValidationError.
func (s *Staff) ParseRequestFilter(q url.Values, zone *time.Location) (RequestFilter, error) {
	f := RequestFilter{Status: q.Get("status"), Type: q.Get("type"), Language: q.Get("language"),
		ZIPPrefix: q.Get("zip"), ANumber: q.Get("a_number"), Receipt: q.Get("receipt"), Phone: q.Get("phone")}
	if f.Status == "all" {
		f.Status = ""
	}
	var bad ValidationError
	var err error
	if f.From, err = parseDay(q.Get("from"), zone, false); err != nil {
		bad = append(bad, FieldError{"from", err.Error()})
	}
	if f.To, err = parseDay(q.Get("to"), zone, true); err != nil {
		bad = append(bad, FieldError{"to", err.Error()})
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 {
			bad = append(bad, FieldError{"limit", fmt.Sprintf("must be from 1 to %d", MaxListLimit)})
			f.Limit = 0
		}
	}
	if v := q.Get("cursor"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		if err == nil {
			f.Before, err = strconv.ParseInt(string(raw), 10, 64)
		}
		if err != nil || f.Before < 1 {
			bad = append(bad, FieldError{"cursor", "is not a cursor this service gave"})
			f.Before = 0
		}
	}
	bad = append(bad, s.checkFilter(&f)...)
	if len(bad) > 0 {
		return f, bad
	}
	return f, nil
}

// NextCursor is the cursor of the page after reqs, a page of a list newest
// first: its last request, whose place in the order the next page starts
// after.
func NextCursor(reqs []Request) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(reqs[len(reqs)-1].ID, 10)))
}

// parseDay reads an RFC 3339 time or a YYYY-MM-DD day in zone: its
// midnight, or the next midnight when end is set (the day is the last one
// included).
func parseDay(v string, zone *time.Location, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, zone); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	return time.Time{}, errors.New("must be a date (2026-11-23) or an RFC 3339 time")
}

// checkFilter checks f and normalizes its identifiers as the wizard
// stores them (lookups go through their blind indexes).
func (s *Staff) checkFilter(f *RequestFilter) ValidationError {
	var bad ValidationError
	if f.Status != "" && !validStatus(f.Status) {
		bad = append(bad, FieldError{"status", "must be submitted, scheduled, completed or closed"})
	}
	switch flows.AppointmentType(f.Type) {
	case "", flows.TypeADIT, flows.TypeEAP, flows.TypeIJ:
	default:
		bad = append(bad, FieldError{"type", "must be adit, eap or ij"})
	}
	if f.Language != "" && !s.catalog.Has(f.Language) {
		bad = append(bad, FieldError{"language", "is not a language of the service"})
	}
	if f.ZIPPrefix != "" && (len(f.ZIPPrefix) > 5 || flows.OnlyDigits(f.ZIPPrefix) != f.ZIPPrefix) {
		bad = append(bad, FieldError{"zip", "must be 1 to 5 digits"})
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		bad = append(bad, FieldError{"to", "must be after from"})
	}
	if f.ANumber != "" {
		if n, err := flows.ParseANumber(f.ANumber); err != nil {
			bad = append(bad, FieldError{"a_number", "must be an A-Number: A and 7 to 9 digits"})
		} else {
			f.ANumber = n
		}
	}
	if f.Receipt != "" {
		if r, err := flows.ParseReceipt(f.Receipt); err != nil {
			bad = append(bad, FieldError{"receipt", "must be a receipt number: 3 letters and 10 digits"})
		} else {
			f.Receipt = r.Number
		}
	}
	if f.Phone != "" {
		if p, err := flows.ParsePhone(f.Phone, "US"); err != nil {
			bad = append(bad, FieldError{"phone", "must be a phone number (E.164, like +12025550123)"})
		} else {
			f.Phone = p
		}
	}
	if f.Limit < 0 || f.Limit > MaxListLimit {
		bad = append(bad, FieldError{"limit", fmt.Sprintf("must be from 1 to %d", MaxListLimit)})
	}
	return bad
}

// RequestDetail is a request with its callback offers and status history.
type RequestDetail struct {
	Request
	Offers       []CallbackOffer
	Events       []RequestEvent
	Appointments []Appointment // oldest first
}

// Request returns one request by reference, or ErrNotFound, and records
// that the actor in ctx viewed it.
func (s *Staff) Request(ctx context.Context, ref string) (RequestDetail, error) {
	var d RequestDetail
	err := s.readRequest(ctx, ref, func(ctx context.Context, tx RequestTx) error {
		d.Request = tx.Request()
		var err error
		if d.Offers, err = tx.Offers(ctx); err != nil {
			return err
		}
		if d.Events, err = tx.Events(ctx); err != nil {
			return err
		}
		if d.Appointments, err = tx.Appointments(ctx); err != nil {
			return err
		}
		return recordAccess(ctx, tx, AccessView)
	})
	return d, err
}

// Offers lists a request's callback offers, oldest first, and records
// that the actor in ctx viewed them (they hold the contact's number).
func (s *Staff) Offers(ctx context.Context, ref string) ([]CallbackOffer, error) {
	var offers []CallbackOffer
	err := s.readRequest(ctx, ref, func(ctx context.Context, tx RequestTx) error {
		var err error
		if offers, err = tx.Offers(ctx); err != nil {
			return err
		}
		return recordAccess(ctx, tx, AccessView)
	})
	return offers, err
}

// withRequest runs fn holding the request's row lock: for changes.
func (s *Staff) withRequest(ctx context.Context, ref string, fn func(context.Context, RequestTx) error) error {
	if !ValidReference(ref) {
		return ErrNotFound
	}
	return s.store.WithRequest(ctx, ref, s.now(), true, fn)
}

// readRequest runs fn on the request without locking it: for views.
func (s *Staff) readRequest(ctx context.Context, ref string, fn func(context.Context, RequestTx) error) error {
	if !ValidReference(ref) {
		return ErrNotFound
	}
	return s.store.WithRequest(ctx, ref, s.now(), false, fn)
}

// OfferCallback offers the window [start, end) and, in the same
// transaction, queues what asks the contact whether they can take the
// call: a text when someone agreed to texts, or else a call (no consent,
// STOP, a number that cannot take texts). A window outside the person's
// preferred days and time of day is refused unless outside is set (the
// officer confirmed it).
func (s *Staff) OfferCallback(ctx context.Context, ref string, start, end time.Time, outside bool) (CallbackOffer, error) {
	now := s.now()
	var offer CallbackOffer
	err := s.withRequest(ctx, ref, func(ctx context.Context, tx RequestTx) error {
		r := tx.Request()
		zone := contactZone(r)
		if bad := checkWindow(start, end, now, zone); len(bad) > 0 {
			return bad
		}
		if !outside && !flows.FitsPreferences(start, end, zone, r.Answers.Days, r.Answers.TimeOfDay) {
			return ValidationError{{"outside_preferences", "the window is outside the days and time of day the person asked for (" +
				PreferencesLabel(r.Answers) + "); send \"outside_preferences\": true to offer it anyway"}}
		}
		if r.Status == StatusCompleted || r.Status == StatusClosed {
			return ValidationError{{"request", "is " + r.Status + ": reopen it before offering a callback"}}
		}
		offer = CallbackOffer{
			RequestID: r.ID, Reference: r.Reference, Language: r.Language,
			Start: start, End: end, Zone: zone.String(), Status: OfferAwaiting, AskBy: AskByText,
			CreatedAt: now, UpdatedAt: now,
		}
		phone, role, reason := contactFor(r)
		if phone != "" {
			p, err := tx.Participant(ctx, phone)
			if err != nil {
				return err
			}
			switch {
			case p.OptedOut:
				reason = ReasonOptedOut
			case p.SMSRefused:
				reason = ReasonNotMobile
			case !s.regions.Allows(phone):
				// Texts there cost the most and are where SMS pumping
				// fraud goes; the office calls instead.
				reason = ReasonRegion
			}
		}
		if err := recordAccess(ctx, tx, AccessOffer); err != nil {
			return err
		}
		if reason != "" {
			return s.askByCall(ctx, tx, &offer, r, reason, now)
		}
		offer.ContactPhone, offer.ContactRole, offer.MessageStatus = phone, role, MsgQueued
		if err := tx.SaveOffer(ctx, &offer); err != nil {
			return err
		}
		return tx.Enqueue(ctx, &OutboxMessage{
			Kind: KindOffer, OfferID: offer.ID, RequestID: r.ID, To: phone, Status: MsgQueued, SendAfter: now,
			Body: s.catalog.Text(r.Language, s.windowMsg("callback.offer", offer)),
		})
	})
	if err == nil && (offer.MessageStatus == MsgQueued || offer.AskBy == AskByCall && offer.Status == OfferAwaiting) {
		s.wake()
	}
	return offer, err
}

// askByCall makes offer one asked by an outbound call to the request's
// contact number, because they cannot be texted (reason), and queues the
// call; with no number to call it is not sent.
func (s *Staff) askByCall(ctx context.Context, tx RequestTx, offer *CallbackOffer, r Request, reason string, now time.Time) error {
	offer.NotSentReason = reason
	if r.ContactPhone == "" || !s.regions.Allows(r.ContactPhone) {
		// Nobody to call, or a number outside the regions the service
		// calls (where calls cost the most): not sent, and why.
		offer.Status = OfferNotSent
		if r.ContactPhone != "" {
			offer.NotSentReason = ReasonRegion
		}
		return tx.SaveOffer(ctx, offer)
	}
	offer.AskBy, offer.ContactPhone, offer.ContactRole = AskByCall, r.ContactPhone, string(r.Role)
	if err := tx.SaveOffer(ctx, offer); err != nil {
		return err
	}
	return tx.Enqueue(ctx, &OutboxMessage{Kind: KindAvailabilityCall, Channel: ChannelCall, OfferID: offer.ID, RequestID: r.ID,
		To: r.ContactPhone, SendAfter: now})
}

// StaffDays names days in English, for staff: "Tuesday, Thursday"; ""
// for none (any weekday).
func StaffDays(days []flows.Weekday) string {
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = map[flows.Weekday]string{flows.Monday: "Monday", flows.Tuesday: "Tuesday", flows.Wednesday: "Wednesday",
			flows.Thursday: "Thursday", flows.Friday: "Friday"}[d]
	}
	return strings.Join(names, ", ")
}

// PreferencesLabel says in English, for staff, when a person asked to be
// called: "Tuesday, Thursday; mornings".
func PreferencesLabel(a flows.Answers) string {
	days := StaffDays(a.Days)
	if days == "" {
		days = "any weekday"
	}
	tod := map[flows.TimeOfDay]string{flows.Morning: "mornings, 9 AM to noon", flows.Afternoon: "afternoons, noon to 5 PM"}[a.TimeOfDay]
	if tod == "" {
		tod = "any time, 9 AM to 5 PM"
	}
	return days + "; " + tod
}

// ProposedWindows is how many windows the request page proposes.
const ProposedWindows = 3

// proposalLead is how long before a proposed window starts the offer must
// be made: time to text or call the contact and hear back.
const proposalLead = 2 * time.Hour

// ProposeWindows returns the next windows that fit the person's preferred
// days and time of day in their zone, for staff to offer in one click.
func ProposeWindows(r Request, now time.Time) []flows.Window {
	return flows.ProposeWindows(now, contactZone(r), r.Answers.Days, r.Answers.TimeOfDay, ProposedWindows, proposalLead)
}

// CancelOffer withdraws an offer that is not answered yet, and any text of
// it not sent yet.
func (s *Staff) CancelOffer(ctx context.Context, ref string, id int64) (CallbackOffer, error) {
	var offer CallbackOffer
	err := s.withRequest(ctx, ref, func(ctx context.Context, tx RequestTx) error {
		offers, err := tx.Offers(ctx)
		if err != nil {
			return err
		}
		for _, o := range offers {
			if o.ID == id {
				offer = o
			}
		}
		if offer.ID == 0 {
			return ErrNotFound
		}
		switch offer.Status {
		case OfferCancelled:
			return nil
		case OfferExpired, OfferNotSent:
			return ValidationError{{"offer", "is " + offer.Status + " and cannot be cancelled"}}
		}
		offer.Status, offer.UpdatedAt = OfferCancelled, s.now()
		if err := tx.SaveOffer(ctx, &offer); err != nil {
			return err
		}
		if err := recordAccess(ctx, tx, AccessCancelOffer); err != nil {
			return err
		}
		return tx.CancelQueued(ctx, offer.ID)
	})
	return offer, err
}

// SetStatus records that staff scheduled, completed or closed a request.
// Closing it, or setting it back to submitted, cancels an appointment
// still to come, and tells the person.
func (s *Staff) SetStatus(ctx context.Context, ref, status, note string) (RequestDetail, error) {
	var bad ValidationError
	if status != StatusScheduled && status != StatusCompleted && status != StatusClosed && status != StatusSubmitted {
		bad = append(bad, FieldError{"status", "must be scheduled, completed, closed or submitted"})
	}
	if !utf8.ValidString(note) || utf8.RuneCountInString(note) > 2000 {
		bad = append(bad, FieldError{"note", "must be text of at most 2000 characters"})
	}
	if len(bad) > 0 {
		return RequestDetail{}, bad
	}
	who, ok := ActorFrom(ctx)
	if !ok {
		return RequestDetail{}, ErrNoActor
	}
	var d RequestDetail
	err := s.withRequest(ctx, ref, func(ctx context.Context, tx RequestTx) error {
		if err := tx.RecordAccess(ctx, who, AccessStatus); err != nil {
			return err
		}
		if err := tx.SetStatus(ctx, status, strings.TrimSpace(note), who); err != nil {
			return err
		}
		if status == StatusClosed || status == StatusSubmitted {
			if err := s.unbook(ctx, tx, status); err != nil {
				return err
			}
		}
		d.Request = tx.Request()
		d.Status = status
		var err error
		if d.Offers, err = tx.Offers(ctx); err != nil {
			return err
		}
		d.Events, err = tx.Events(ctx)
		return err
	})
	if err == nil {
		s.wake()
	}
	return d, err
}

// unbook cancels the request's booked appointment when it is still to
// come, with its notice to the person: a request closed or set back to
// submitted has no appointment, and the person must not go to one. The
// notice is queued after the status change, which cancels what a closed
// request still had queued.
func (s *Staff) unbook(ctx context.Context, tx RequestTx, status string) error {
	now := s.now()
	booked, err := bookedAppointment(ctx, tx)
	if err != nil || booked == nil || !booked.Start.After(now) {
		return err
	}
	r := tx.Request() // as it was before the status change
	r.Status = status
	_, err = s.cancelBooked(ctx, tx, r, *booked, now)
	return err
}

// contactFor says who is texted about a callback: the representative who
// filed and asked for texts; otherwise the applicant who used SMS; or
// nobody, with the reason.
func contactFor(r Request) (phone, role, reason string) {
	a := r.Answers
	switch {
	case a.Role == flows.RoleRepresentative && a.Rep.ConfirmByText && a.Rep.Phone != "":
		return a.Rep.Phone, string(flows.RoleRepresentative), ""
	case a.Role == flows.RoleApplicant && r.Channel == SMS:
		return r.Phone, string(flows.RoleApplicant), ""
	}
	return "", "", ReasonNoConsent
}

// contactZone is where the contact is: the applicant's ZIP's time zone, or
// Eastern time.
func contactZone(r Request) *time.Location {
	z, err := time.LoadLocation(flows.TimeZoneForZIP(r.ZIP))
	if err != nil {
		z, _ = time.LoadLocation("America/New_York")
	}
	return z
}

// checkWindow checks a callback window: in the future, at most MaxWindow
// long, within one business day in the contact's zone.
func checkWindow(start, end, now time.Time, zone *time.Location) ValidationError {
	var bad ValidationError
	if start.IsZero() {
		bad = append(bad, FieldError{"start", "is required (RFC 3339)"})
	}
	if end.IsZero() {
		bad = append(bad, FieldError{"end", "is required (RFC 3339)"})
	}
	if len(bad) > 0 {
		return bad
	}
	if !start.After(now) {
		bad = append(bad, FieldError{"start", "must be in the future"})
	}
	if !end.After(start) {
		bad = append(bad, FieldError{"end", "must be after start"})
	} else if end.Sub(start) > MaxWindow {
		bad = append(bad, FieldError{"end", fmt.Sprintf("the window must be at most %d hours long", int(MaxWindow.Hours()))})
	}
	day := flows.DateOf(start.In(zone))
	if !flows.IsBusinessDay(day) {
		bad = append(bad, FieldError{"start", "must be on a business day (Monday to Friday, not a federal holiday) in the contact's time zone"})
	} else if flows.DateOf(end.Add(-time.Nanosecond).In(zone)) != day {
		bad = append(bad, FieldError{"end", "must be on the same day as start"})
	}
	return bad
}

// windowMsg is a message naming an offer's window in the contact's zone.
func (s *Staff) windowMsg(id string, o CallbackOffer) flows.Msg { return WindowMsg(s.catalog, id, o) }

// WindowMsg is the message id naming the window of o in the contact's
// time zone, as the texts about callback offers do.
func WindowMsg(c *Catalog, id string, o CallbackOffer) flows.Msg {
	zone, err := time.LoadLocation(o.Zone)
	if err != nil {
		zone = time.UTC
	}
	start, end := o.Start.In(zone), o.End.In(zone)
	weekdays := []string{"", "mon", "tue", "wed", "thu", "fri", ""}
	return flows.M(id, "Ref", o.Reference,
		"Day", flows.M("day."+weekdays[start.Weekday()]),
		"Date", flows.DateOf(start),
		"Start", c.FormatTime(o.Language, start),
		"End", c.FormatTime(o.Language, end),
		"Zone", start.Format("MST"))
}

func validStatus(s string) bool {
	switch s {
	case StatusSubmitted, StatusScheduled, StatusCompleted, StatusClosed:
		return true
	}
	return false
}
