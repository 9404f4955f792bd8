package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
)

const appointmentColumns = `a.id, a.request_id, r.reference, a.starts_at, a.office, a.office_name, a.office_address, a.zone,
	a.note, a.status, a.created_at, a.updated_at`

func (db *DB) queryAppointments(ctx context.Context, q querier, tail string, args ...any) ([]bot.Appointment, error) {
	rows, err := q.Query(ctx, `SELECT `+appointmentColumns+` FROM appointments a JOIN requests r ON r.id = a.request_id `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("appointments: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (bot.Appointment, error) {
		var (
			a    bot.Appointment
			note string
		)
		err := row.Scan(&a.ID, &a.RequestID, &a.Reference, &a.Start, &a.Office.ID, &a.Office.Name, &a.Office.Address, &a.Office.Zone,
			&note, &a.Status, &a.CreatedAt, &a.UpdatedAt)
		if err != nil {
			return a, err
		}
		a.Note, err = db.keys.OpenString(note, "appointments", "note", rowKey(a.ID))
		return a, err
	})
}

func (t *requestTx) Appointments(ctx context.Context) ([]bot.Appointment, error) {
	return t.db.queryAppointments(ctx, t.tx, `WHERE a.request_id = $1 ORDER BY a.id`, t.r.ID)
}

func (t *requestTx) SaveAppointment(ctx context.Context, a *bot.Appointment) error {
	if a.ID != 0 {
		_, err := t.tx.Exec(ctx, `UPDATE appointments SET status = $2, updated_at = $3 WHERE id = $1`, a.ID, a.Status, a.UpdatedAt)
		if err != nil {
			return fmt.Errorf("save appointment: %w", err)
		}
		return nil
	}
	ids, err := nextIDs(ctx, t.tx, "appointments", 1)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `
		INSERT INTO appointments (id, request_id, starts_at, office, office_name, office_address, zone, note, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		ids[0], a.RequestID, a.Start, a.Office.ID, a.Office.Name, a.Office.Address, a.Office.Zone,
		t.db.keys.SealString(a.Note, "appointments", "note", rowKey(ids[0])), a.Status, a.CreatedAt, a.UpdatedAt)
	if err != nil {
		return fmt.Errorf("save appointment: %w", err)
	}
	a.ID = ids[0]
	return nil
}

func (t *requestTx) CancelAppointmentNotices(ctx context.Context, appointmentID int64) error {
	return cancelAppointmentNotices(ctx, t.tx, `appointment_id = $1`, appointmentID, t.now)
}

// cancelAppointmentNotices cancels the queued notices of the appointments
// where selects.
func cancelAppointmentNotices(ctx context.Context, q querier, where string, arg any, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE outbox SET status = 'cancelled', updated_at = $2
		WHERE status = 'queued' AND appointment_id IN (SELECT id FROM appointments WHERE `+where+`)`, arg, now)
	if err != nil {
		return fmt.Errorf("cancel appointment notices: %w", err)
	}
	return nil
}

// withdrawAppointments records that the applicant withdrew request id
// (CANCEL by text): its booked appointment is withdrawn, and its reminder
// cancelled.
func withdrawAppointments(ctx context.Context, q querier, id int64, now time.Time) error {
	if err := cancelAppointmentNotices(ctx, q, `request_id = $1 AND status = 'booked'`, id, now); err != nil {
		return err
	}
	_, err := q.Exec(ctx, `UPDATE appointments SET status = 'withdrawn', updated_at = $2 WHERE request_id = $1 AND status = 'booked'`, id, now)
	if err != nil {
		return fmt.Errorf("withdraw appointments: %w", err)
	}
	return nil
}

// WithdrawnAppointments lists the appointments applicants withdrew that
// start after now, soonest first.
func (db *DB) WithdrawnAppointments(ctx context.Context, now time.Time) ([]bot.Appointment, error) {
	return db.queryAppointments(ctx, db.pool, `WHERE a.status = 'withdrawn' AND a.starts_at > $1 ORDER BY a.starts_at LIMIT 100`, now)
}
