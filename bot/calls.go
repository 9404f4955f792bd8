package bot

import (
	"context"
	"errors"
	"time"

	"infopass/flows"
)

// call places an availability call, within calling hours of the contact's
// zone and before the offer's window starts.
func (o *Outbox) call(ctx context.Context, m OutboxMessage) (string, error) {
	log := o.cfg.Logger.With("outbox", m.ID, "kind", m.Kind, "channel", ChannelCall, "to", MaskPhone(m.To), "attempt", m.Attempts)
	now := o.cfg.Now()
	if m.OfferID != 0 && !m.OfferOpen {
		log.Info("call not placed: its offer was answered or withdrawn")
		return SendCancelled, o.cfg.Store.OutboxFailed(ctx, m.ID, 0, "offer answered or withdrawn", ReasonAnswered, now)
	}
	if !o.cfg.Regions.Allows(m.To) {
		log.Warn("call not placed: the number is outside the allowed regions")
		return SendRegion, o.cfg.Store.OutboxFailed(ctx, m.ID, 0, "outside the allowed regions", ReasonRegion, now)
	}
	zone, err := time.LoadLocation(m.Zone)
	if err != nil || m.Zone == "" {
		zone = easternTime()
	}
	at := flows.NextCallingTime(now, zone)
	if !m.OfferStart.IsZero() && !at.Before(m.OfferStart) {
		log.Info("call not placed: no calling hour is left before the window")
		return SendTooLate, o.cfg.Store.OutboxFailed(ctx, m.ID, 0, "no calling hour before the window", ReasonTooLate, now)
	}
	if at.After(now) && !m.Reclaimed {
		log.Info("call waits for calling hours", "until", at)
		return SendDeferred, o.cfg.Store.OutboxDefer(ctx, m.ID, at, now)
	}
	if m.SentToday >= o.cfg.DailyCap && !m.Reclaimed {
		log.Warn("call not placed: the number had its day's texts and calls", "sent_today", m.SentToday)
		return SendCapped, o.cfg.Store.OutboxFailed(ctx, m.ID, 0, "daily cap reached", ReasonDailyCap, now)
	}
	if m.Reclaimed {
		sid, found, err := o.cfg.Caller.FindCall(ctx, m.To, m.ClaimedAt.Add(-time.Minute))
		if err != nil {
			log.Warn("cannot tell whether an interrupted call was placed; will ask again", "err", err)
			return SendRetry, o.cfg.Store.OutboxRetry(ctx, m.ID, now.Add(o.backoff(m.Attempts)), "reconcile: "+err.Error(), now)
		}
		if found {
			log.Info("interrupted call had been placed", "sid", sid)
			return SendReconciled, o.cfg.Store.OutboxSent(ctx, m.ID, sid, now)
		}
	}
	sid, err := o.cfg.Caller.Call(ctx, m)
	if err == nil {
		log.Info("call placed", "sid", sid)
		return SendSent, o.cfg.Store.OutboxSent(ctx, m.ID, sid, now)
	}
	var se *SendError
	switch {
	case errors.As(err, &se) && !se.Temporary():
		log.Warn("call refused", "status", se.Status, "code", se.Code)
		return SendFailed, o.cfg.Store.OutboxFailed(ctx, m.ID, se.Code, se.Error(), ReasonSendFailed, now)
	case m.Attempts >= o.cfg.MaxAttempts:
		log.Warn("call failed for good", "err", err)
		return SendFailed, o.cfg.Store.OutboxFailed(ctx, m.ID, 0, err.Error(), ReasonSendFailed, now)
	}
	wait := o.backoff(m.Attempts)
	log.Info("call will be retried", "err", err, "in", wait)
	return SendRetry, o.cfg.Store.OutboxRetry(ctx, m.ID, now.Add(wait), err.Error(), now)
}

// easternTime is the zone of a contact whose zone is unknown.
func easternTime() *time.Location {
	z, err := time.LoadLocation("America/New_York")
	if err != nil {
		return time.UTC
	}
	return z
}
