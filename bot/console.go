package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"infopass/flows"
)

// What an actor did with a request, as the access log records it. Offer,
// cancel_offer and status are changes.
const (
	AccessView        = "view"
	AccessSearch      = "search" // a search by a personal identifier found it
	AccessOffer       = "offer"
	AccessCancelOffer = "cancel_offer"
	AccessStatus      = "status"
	AccessExport      = "export" // the access log was exported (no request)
)

// HistoryMessage is one message about a request, to give an officer the
// context of a call: the turns of the conversation that filed it, the texts
// the service sent about its callback offers, and the answers to them.
type HistoryMessage struct {
	At        time.Time
	Direction string // "in" from the person, "out" from the service
	Channel   Channel
	Kind      string // "" for a conversation turn; KindOffer or KindReminder for a text of the outbox
	Status    string // an outbox text's delivery status
	Body      string
}

// RequestView is a request as the console shows it: every answer, its
// offers, status history and messages, and the contact's time zone.
type RequestView struct {
	RequestDetail
	Messages []HistoryMessage
	Zone     *time.Location
}

// ViewRequest returns everything about one request, and records in the
// same transaction that the actor in ctx saw it. Without an actor it
// refuses: personal data is shown to people the access log can name.
func (s *Staff) ViewRequest(ctx context.Context, ref string) (RequestView, error) {
	who, ok := ActorFrom(ctx)
	if !ok {
		return RequestView{}, ErrNoActor
	}
	var v RequestView
	err := s.readRequest(ctx, ref, func(ctx context.Context, tx RequestTx) error {
		v.Request = tx.Request()
		v.Zone = contactZone(v.Request)
		var err error
		if v.Offers, err = tx.Offers(ctx); err != nil {
			return err
		}
		if v.Events, err = tx.Events(ctx); err != nil {
			return err
		}
		if v.Messages, err = tx.History(ctx); err != nil {
			return err
		}
		if v.Appointments, err = tx.Appointments(ctx); err != nil {
			return err
		}
		return tx.RecordAccess(ctx, who, AccessView)
	})
	return v, err
}

// recordAccess records what the actor in ctx did with the request tx
// holds; without an actor nothing may be done.
func recordAccess(ctx context.Context, tx RequestTx, action string) error {
	who, ok := ActorFrom(ctx)
	if !ok {
		return ErrNoActor
	}
	return tx.RecordAccess(ctx, who, action)
}

// ContactZone is the time zone of a request's contact: the applicant's ZIP
// code's, or Eastern time. Callback windows are offered in it.
func ContactZone(r Request) *time.Location { return contactZone(r) }

// Callback targets: how soon after submission an officer should call.
const (
	// UrgentTarget applies to Emergency Advance Parole.
	UrgentTarget = 48 * time.Hour
	// TargetBusinessDays applies to every other type: by the end of the
	// seventh business day after the day of submission.
	TargetBusinessDays = 7
)

// CallbackDue is when a request should have had its callback: 48 hours
// after submission for Emergency Advance Parole, otherwise the end of the
// seventh business day (federal calendar) after the day it was submitted,
// counted in zone.
func CallbackDue(r Request, zone *time.Location) time.Time {
	if r.Type == flows.TypeEAP {
		return r.SubmittedAt.Add(UrgentTarget)
	}
	day := flows.AddBusinessDays(flows.DateOf(r.SubmittedAt.In(zone)), TargetBusinessDays).AddDays(1)
	return time.Date(day.Year, day.Month, day.Day, 0, 0, 0, 0, zone)
}

// RequestCount is how many requests of one type and language were
// submitted on one day.
type RequestCount struct {
	Day      flows.Date
	Type     flows.AppointmentType
	Language string
	Count    int
}

// OfferCount is how many callback offers made on one day ended in one
// status.
type OfferCount struct {
	Day    flows.Date
	Status string
	Count  int
}

// Overview is what the console charts: requests and callback offers per
// day of a period.
type Overview struct {
	From, To flows.Date // the first and last day counted
	Requests []RequestCount
	Offers   []OfferCount
}

// OverviewDays is how many days the overview covers, today included.
const OverviewDays = 30

// Overview counts the requests and callback offers of the last
// OverviewDays days, today included, with days counted in zone.
func (s *Staff) Overview(ctx context.Context, zone *time.Location) (Overview, error) {
	today := flows.DateOf(s.now().In(zone))
	first := today.AddDays(-(OverviewDays - 1))
	from := time.Date(first.Year, first.Month, first.Day, 0, 0, 0, 0, zone)
	next := today.AddDays(1)
	to := time.Date(next.Year, next.Month, next.Day, 0, 0, 0, 0, zone)
	o, err := s.store.Overview(ctx, from, to, zone, s.now())
	o.From, o.To = first, today
	return o, err
}

// Access is one line of the access log. Actor is the officer (ID and
// name) or the API client; lines from before officers signed in as
// themselves have only the name the officer typed, in Actor.Officer.Name.
type Access struct {
	Reference string // "" for an export
	Actor     Actor
	Action    string
	At        time.Time
}

// AccessLog returns the access log of one request, oldest first: to
// supervisors only.
func (s *Staff) AccessLog(ctx context.Context, ref string) ([]Access, error) {
	if err := s.supervisorOrClient(ctx); err != nil {
		return nil, err
	}
	if !ValidReference(ref) {
		return nil, ErrNotFound
	}
	return s.store.AccessLog(ctx, ref)
}

// ErrForbidden means the actor may not do that: officers who are not
// supervisors asking for the access log.
var ErrForbidden = errors.New("only supervisors may do that")

// supervisorOrClient admits supervisors and API clients.
func (s *Staff) supervisorOrClient(ctx context.Context) error {
	who, ok := ActorFrom(ctx)
	switch {
	case !ok:
		return ErrNoActor
	case who.Client == "" && !who.Officer.Supervisor():
		return ErrForbidden
	}
	return nil
}

// MaxExportDays bounds the period of one export of the access log.
const MaxExportDays = 366

// ExportAccess returns the access log of [from, to), oldest first, and
// records that the supervisor in ctx exported it.
func (s *Staff) ExportAccess(ctx context.Context, from, to time.Time) ([]Access, error) {
	who, ok := ActorFrom(ctx)
	if !ok {
		return nil, ErrNoActor
	}
	if who.Client != "" || !who.Officer.Supervisor() {
		return nil, ErrForbidden
	}
	if !from.Before(to) || to.Sub(from) > MaxExportDays*24*time.Hour {
		return nil, ValidationError{{"to", fmt.Sprintf("must be after from, at most %d days later", MaxExportDays)}}
	}
	log, err := s.store.AccessBetween(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return log, s.store.RecordAccess(ctx, who, nil, AccessExport, s.now())
}

// Languages lists the languages of the service, in menu order.
func (s *Staff) Languages() []flows.LanguageOption { return s.catalog.Languages() }

// TextContact says who would be texted about a callback offer on r: their
// phone and role ("representative" or "applicant"), or "" and the reason
// nobody can be (bot.ReasonNoConsent). A number that sent STOP is found
// out only when the offer is made.
func TextContact(r Request) (phone, role, reason string) { return contactFor(r) }
