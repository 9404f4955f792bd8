package bot

import (
	"context"
	"time"
	"unicode/utf8"

	"infopass/flows"
)

// Access log actions of appointments.
const (
	AccessAppointment       = "appointment"
	AccessCancelAppointment = "cancel_appointment"
)

// AppointmentReminderHour is when, in the office's time zone, the reminder
// of an appointment goes out the day before: within calling hours (9 AM to
// 8 PM) wherever the person is in the United States.
const AppointmentReminderHour = 12

// MaxAppointmentAhead bounds how far ahead an appointment may be recorded.
const MaxAppointmentAhead = 366 * 24 * time.Hour

// Offices lists the offices appointments are booked at.
func (s *Staff) Offices() []Office { return s.offices.List() }

// BookAppointment records that the office booked the request's
// appointment at start in office, sets the request scheduled, and queues,
// in the same transaction, the notice to the contact by text (if they
// accepted texts) and by email (to each address given), in the request's
// language, and the reminder the day before. A booked appointment is
// moved: its reminder is cancelled and the notice says it moved.
func (s *Staff) BookAppointment(ctx context.Context, ref string, start time.Time, officeID, note string) (Appointment, error) {
	now := s.now()
	var bad ValidationError
	office, ok := s.offices.Find(officeID)
	switch {
	case len(s.offices.List()) == 0:
		bad = append(bad, FieldError{"office", "no offices are configured (OFFICES_FILE)"})
	case !ok:
		bad = append(bad, FieldError{"office", "is not the id of an office of OFFICES_FILE"})
	}
	switch {
	case start.IsZero():
		bad = append(bad, FieldError{"start", "is required (RFC 3339)"})
	case !start.After(now):
		bad = append(bad, FieldError{"start", "must be in the future"})
	case start.Sub(now) > MaxAppointmentAhead:
		bad = append(bad, FieldError{"start", "must be within a year"})
	case ok:
		local := Appointment{Start: start, Office: office}.LocalStart()
		if !flows.IsBusinessDay(flows.DateOf(local)) {
			bad = append(bad, FieldError{"start", "must be on a business day (Monday to Friday, not a federal holiday) in the office's time zone"})
		} else if h := local.Hour(); h < 7 || h >= 18 {
			bad = append(bad, FieldError{"start", "must be between 7 AM and 6 PM in the office's time zone"})
		}
	}
	if !utf8.ValidString(note) || utf8.RuneCountInString(note) > 2000 {
		bad = append(bad, FieldError{"note", "must be text of at most 2000 characters"})
	}
	if len(bad) > 0 {
		return Appointment{}, bad
	}
	who, ok := ActorFrom(ctx)
	if !ok {
		return Appointment{}, ErrNoActor
	}
	var ap Appointment
	err := s.withRequest(ctx, ref, func(ctx context.Context, tx RequestTx) error {
		r := tx.Request()
		if r.Status == StatusCompleted || r.Status == StatusClosed {
			return ValidationError{{"request", "is " + r.Status + ": reopen it before recording an appointment"}}
		}
		if err := tx.RecordAccess(ctx, who, AccessAppointment); err != nil {
			return err
		}
		kind := KindAppointment
		old, err := bookedAppointment(ctx, tx)
		if err != nil {
			return err
		}
		if old != nil {
			old.Status, old.UpdatedAt = AppointmentMoved, now
			if err := tx.SaveAppointment(ctx, old); err != nil {
				return err
			}
			if err := tx.CancelAppointmentNotices(ctx, old.ID); err != nil {
				return err
			}
			kind = KindAppointmentMoved
		}
		ap = Appointment{RequestID: r.ID, Reference: r.Reference, Start: start, Office: office, Note: note,
			Status: AppointmentBooked, CreatedAt: now, UpdatedAt: now}
		if err := tx.SaveAppointment(ctx, &ap); err != nil {
			return err
		}
		event := "Appointment " + ap.LocalStart().Format(StaffTime) + " at " + office.Name
		if note != "" {
			event += ": " + note
		}
		if err := tx.SetStatus(ctx, StatusScheduled, event, who); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, r, ap, kind, now); err != nil {
			return err
		}
		remind := ap.LocalStart().AddDate(0, 0, -1)
		remind = time.Date(remind.Year(), remind.Month(), remind.Day(), AppointmentReminderHour, 0, 0, 0, remind.Location())
		if remind.After(now) {
			return s.notify(ctx, tx, r, ap, KindAppointmentReminder, remind)
		}
		return nil
	})
	if err == nil {
		s.wake()
	}
	return ap, err
}

// CancelAppointment records that the office cancelled the request's
// appointment: the request is submitted again, the reminder is cancelled
// and the contact gets a short notice.
func (s *Staff) CancelAppointment(ctx context.Context, ref string) (Appointment, error) {
	now := s.now()
	who, ok := ActorFrom(ctx)
	if !ok {
		return Appointment{}, ErrNoActor
	}
	var ap Appointment
	err := s.withRequest(ctx, ref, func(ctx context.Context, tx RequestTx) error {
		r := tx.Request()
		booked, err := bookedAppointment(ctx, tx)
		if err != nil {
			return err
		}
		if booked == nil {
			return ValidationError{{"appointment", "there is no booked appointment to cancel"}}
		}
		if err := tx.RecordAccess(ctx, who, AccessCancelAppointment); err != nil {
			return err
		}
		if err := tx.SetStatus(ctx, StatusSubmitted, "Appointment of "+booked.LocalStart().Format(StaffTime)+" cancelled", who); err != nil {
			return err
		}
		ap, err = s.cancelBooked(ctx, tx, r, *booked, now)
		return err
	})
	if err == nil {
		s.wake()
	}
	return ap, err
}

// cancelBooked cancels ap, r's booked appointment, and the notices still
// queued about it (its reminder); when it was still to come, the person
// is told (r.Status chooses the words: see notices.appointmentTexts).
func (s *Staff) cancelBooked(ctx context.Context, tx RequestTx, r Request, ap Appointment, now time.Time) (Appointment, error) {
	ap.Status, ap.UpdatedAt = AppointmentCancelled, now
	if err := tx.SaveAppointment(ctx, &ap); err != nil {
		return ap, err
	}
	if err := tx.CancelAppointmentNotices(ctx, ap.ID); err != nil {
		return ap, err
	}
	if !ap.Start.After(now) {
		return ap, nil
	}
	return ap, s.notify(ctx, tx, r, ap, KindAppointmentCancelled, now)
}

// bookedAppointment is the request's booked appointment, or nil.
func bookedAppointment(ctx context.Context, tx RequestTx) (*Appointment, error) {
	list, err := tx.Appointments(ctx)
	if err != nil {
		return nil, err
	}
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Status == AppointmentBooked {
			return &list[i], nil
		}
	}
	return nil, nil
}

// notify queues a notice of kind about ap, to go at `at`: its texts to the
// contact who accepted texts (not one who sent STOP), its email to each
// address of the request.
func (s *Staff) notify(ctx context.Context, tx RequestTx, r Request, ap Appointment, kind string, at time.Time) error {
	n := s.notices()
	if phone, _, reason := contactFor(r); reason == "" {
		p, err := tx.Participant(ctx, phone)
		if err != nil {
			return err
		}
		if !p.OptedOut && !p.SMSRefused && s.regions.Allows(phone) {
			for _, body := range n.appointmentTexts(kind, r, ap) {
				err := tx.Enqueue(ctx, &OutboxMessage{Kind: kind, Channel: ChannelSMS, RequestID: r.ID, AppointmentID: ap.ID,
					To: phone, SendAfter: at, Body: body})
				if err != nil {
					return err
				}
			}
		}
	}
	for _, addr := range emailsOf(r.Answers) {
		err := tx.Enqueue(ctx, &OutboxMessage{Kind: kind, Channel: ChannelEmail, RequestID: r.ID, AppointmentID: ap.ID,
			To: addr, SendAfter: at, Body: EncodeEmail(n.appointmentEmail(kind, r, ap))})
		if err != nil {
			return err
		}
	}
	return nil
}

// WithdrawnAppointments lists the appointments still ahead that
// applicants cancelled by text, for the queue: the office can give the
// time to someone else.
func (s *Staff) WithdrawnAppointments(ctx context.Context) ([]Appointment, error) {
	if _, ok := ActorFrom(ctx); !ok {
		return nil, ErrNoActor
	}
	return s.store.WithdrawnAppointments(ctx, s.now())
}
