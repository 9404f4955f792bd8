package bot

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"infopass/flows"
)

var referencePattern = regexp.MustCompile(`\bIP-?([0-9A-Z]{8})\b`)

// findReference returns the request reference in text, if any, and the
// text without it.
func findReference(text string) (ref, rest string) {
	up := strings.ToUpper(flows.Fold(text))
	m := referencePattern.FindStringSubmatchIndex(up)
	if m == nil {
		return "", text
	}
	ref = "IP-" + up[m[2]:m[3]]
	if !ValidReference(ref) {
		return "", text
	}
	return ref, strings.Join(strings.Fields(up[:m[0]]+" "+up[m[1]:]), " ")
}

// offerReply routes a yes or no to the callback offer the person was asked
// about, before the wizard sees it. It reports whether it took the text.
func (t *turn) offerReply(ctx context.Context) (bool, error) {
	offers, err := t.tx.ContactOffers(ctx)
	if err != nil || len(offers) == 0 {
		return false, err
	}
	ref, rest := findReference(t.input)
	var offer *CallbackOffer
	for i, o := range offers {
		if answerable(o, t.now) && (ref == "" || o.Reference == ref) {
			offer = &offers[i]
			break
		}
	}
	if offer == nil {
		return false, nil
	}
	yes, ok := t.e.cfg.Catalog.YesNo(rest, offer.Language, t.lang())
	if !ok {
		return false, nil
	}
	t.leadLang = offer.Language
	now := t.now
	offer.AnsweredAt, offer.UpdatedAt = &now, now
	switch {
	case !now.Before(offer.Start):
		offer.Status = OfferExpired
		t.lead = append(t.lead, WindowMsg(t.e.cfg.Catalog, "callback.expired", *offer))
	case yes:
		offer.Status = OfferConfirmed
		t.lead = append(t.lead, WindowMsg(t.e.cfg.Catalog, "callback.confirmed", *offer))
		if remind := offer.Start.Add(-time.Hour); remind.After(now) {
			err := t.tx.Enqueue(ctx, &OutboxMessage{Kind: KindReminder, OfferID: offer.ID, To: offer.ContactPhone, SendAfter: remind,
				Body: t.e.cfg.Catalog.Text(offer.Language, WindowMsg(t.e.cfg.Catalog, "callback.reminder", *offer))})
			if err != nil {
				return true, err
			}
		}
	default:
		offer.Status = OfferDeclined
		// The next text says which days and times suit better.
		t.lead = append(t.lead, flows.M("callback.declined"))
		t.c.Held = Held{OfferID: offer.ID}
		if err := t.move(ctx, flows.OfferDeclined); err != nil {
			return true, err
		}
	}
	t.e.log.InfoContext(ctx, "callback answered", "offer", offer.ID, "status", offer.Status)
	if err := t.tx.SaveOffer(ctx, offer); err != nil {
		return true, err
	}
	t.backToWizard()
	return true, nil
}

// LateReplyGrace is how long after a callback window starts a yes or no
// is still taken as the answer to it, to tell the person it passed; after
// that the words are the wizard's again.
const LateReplyGrace = 24 * time.Hour

// answerable reports whether a yes or no now may be the answer to o: it
// awaits one, or expired unanswered, and its window started less than
// LateReplyGrace ago.
func answerable(o CallbackOffer, now time.Time) bool {
	waiting := o.Status == OfferAwaiting || (o.Status == OfferExpired && o.AnsweredAt == nil)
	return waiting && now.Before(o.Start.Add(LateReplyGrace))
}

// betterTimes stores the answer to "which days and times suit you better?".
func (t *turn) betterTimes(ctx context.Context) error {
	id := t.c.Held.OfferID
	t.c.Held = Held{}
	if err := t.move(ctx, flows.BetterTimesGiven); err != nil {
		return err
	}
	offers, err := t.tx.ContactOffers(ctx)
	if err != nil {
		return err
	}
	for i, o := range offers {
		if o.ID != id || o.Status != OfferDeclined {
			continue
		}
		text := strings.Join(strings.Fields(t.input), " ")
		if r := []rune(text); len(r) > 500 {
			text = string(r[:500])
		}
		offers[i].BetterTimes, offers[i].UpdatedAt = text, t.now
		if err := t.tx.SaveOffer(ctx, &offers[i]); err != nil {
			return err
		}
		t.leadLang = o.Language
		t.lead = append(t.lead, flows.M("callback.better_times_saved"))
		t.backToWizard()
		return nil
	}
	// The offer is gone (cancelled meanwhile): the text is the wizard's.
	return t.answerOrGreet(ctx)
}

// backToWizard shows the wizard's question again after an aside, unless
// the conversation has not really started, or is in another aside.
func (t *turn) backToWizard() {
	if t.fresh || t.c.Step.Aside() || t.c.Step == flows.StepLanguage || t.c.Step == flows.StepWho {
		return
	}
	t.askAgain(flows.M("callback.back_to_request"))
}

// withdrawCommand starts withdrawing a request: "CANCEL IP-7K3Q9D2M" from
// the number that filed it or its contact. It reports whether the text was
// such a command.
func (t *turn) withdrawCommand(ctx context.Context) (bool, error) {
	ref, rest := findReference(t.input)
	if ref == "" {
		return false, nil
	}
	if k, ok := t.e.cfg.Catalog.Keyword(t.lang(), rest); !ok || k != KeyCancel {
		return false, nil
	}
	r, err := t.tx.RequestByReference(ctx, ref)
	if errors.Is(err, ErrNotFound) || err == nil && !mayWithdraw(r, t.in.From) {
		t.say = append(t.say, flows.M("withdraw.not_found", "Ref", ref))
		return true, nil
	}
	if err != nil {
		return true, err
	}
	t.c.Held = Held{Reference: ref}
	if err := t.move(ctx, flows.WithdrawRequested); err != nil {
		return true, err
	}
	t.ask()
	return true, nil
}

func mayWithdraw(r Request, phone string) bool {
	if r.Status != StatusSubmitted && r.Status != StatusScheduled {
		return false
	}
	return r.Phone == phone || r.ContactPhone == phone || r.Answers.Rep.Phone == phone
}

// withdrawAnswer takes the YES or NO to "withdraw request …?".
func (t *turn) withdrawAnswer(ctx context.Context) error {
	ref := t.c.Held.Reference
	yes, ok := t.e.cfg.Catalog.YesNo(t.input, t.lang())
	if !ok {
		t.say = append(t.say, flows.M("problem.yes_no"))
		t.ask()
		return nil
	}
	t.c.Held = Held{}
	if !yes {
		if err := t.move(ctx, flows.WithdrawDeclined); err != nil {
			return err
		}
		t.say = append(t.say, flows.M("withdraw.kept", "Ref", ref))
		t.backToWizard()
		return nil
	}
	if err := t.move(ctx, flows.WithdrawConfirmed); err != nil {
		return err
	}
	r, err := t.tx.RequestByReference(ctx, ref)
	if errors.Is(err, ErrNotFound) || err == nil && !mayWithdraw(r, t.in.From) {
		t.say = append(t.say, flows.M("withdraw.not_found", "Ref", ref))
		return nil
	}
	if err != nil {
		return err
	}
	if err := t.tx.SetRequestStatus(ctx, r.ID, StatusClosed, "withdrawn by text from the applicant or representative", "applicant"); err != nil {
		return err
	}
	if err := t.tx.CancelOffers(ctx, r.ID); err != nil {
		return err
	}
	t.e.log.InfoContext(ctx, "request withdrawn", "request", r.ID)
	t.say = append(t.say, flows.M("withdraw.done", "Ref", ref))
	t.backToWizard()
	return nil
}
