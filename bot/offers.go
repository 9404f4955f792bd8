package bot

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"infopass/flows"
)

// Pending questions the bot asked outside the wizard, kept in the
// conversation until answered.
const (
	pendingResume         = "resume"
	pendingWithdraw       = "withdraw:"        // + reference
	pendingBetterTimes    = "better_times:"    // + offer id
	pendingConfirm        = "confirm:"         // + the caller's answer, read back to them (voice)
	pendingReceiptLetters = "receipt_letters:" // + the three letters said so far (voice)
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
func (t *turn) offerReply() (bool, error) {
	offers, err := t.tx.ContactOffers()
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
	t.offerLang = offer.Language
	now := t.now
	offer.AnsweredAt, offer.UpdatedAt = &now, now
	switch {
	case !now.Before(offer.Start):
		offer.Status = OfferExpired
		t.offerSay = append(t.offerSay, windowMsg(t.e.cfg.Catalog, "callback.expired", *offer))
	case yes:
		offer.Status = OfferConfirmed
		t.offerSay = append(t.offerSay, windowMsg(t.e.cfg.Catalog, "callback.confirmed", *offer))
		if remind := offer.Start.Add(-time.Hour); remind.After(now) {
			err := t.tx.Enqueue(&OutboxMessage{Kind: KindReminder, OfferID: offer.ID, To: offer.ContactPhone, SendAfter: remind,
				Body: t.e.cfg.Catalog.Text(offer.Language, windowMsg(t.e.cfg.Catalog, "callback.reminder", *offer))})
			if err != nil {
				return true, err
			}
		}
	default:
		offer.Status = OfferDeclined
		t.offerSay = append(t.offerSay, flows.M("callback.declined"))
		t.c.Pending = pendingBetterTimes + strconv.FormatInt(offer.ID, 10)
	}
	t.e.log.InfoContext(t.ctx, "callback answered", "offer", offer.ID, "status", offer.Status)
	if err := t.tx.SaveOffer(offer); err != nil {
		return true, err
	}
	if t.c.Pending == "" {
		t.backToWizard()
	}
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
func (t *turn) betterTimes() error {
	id, _ := strconv.ParseInt(strings.TrimPrefix(t.c.Pending, pendingBetterTimes), 10, 64)
	t.c.Pending = ""
	offers, err := t.tx.ContactOffers()
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
		if err := t.tx.SaveOffer(&offers[i]); err != nil {
			return err
		}
		t.offerLang = o.Language
		t.offerSay = append(t.offerSay, flows.M("callback.better_times_saved"))
		t.backToWizard()
		return nil
	}
	// The offer is gone (cancelled meanwhile): the text is the wizard's.
	return t.answerOrGreet()
}

// backToWizard shows the wizard's question again after an aside, unless the
// conversation has not really started.
func (t *turn) backToWizard() {
	if t.fresh || t.c.Pending != "" || t.c.Step == flows.StepLanguage || t.c.Step == flows.StepWho {
		return
	}
	t.askAgain(flows.M("callback.back_to_request"))
}

// withdrawCommand starts withdrawing a request: "CANCEL IP-7K3Q9D2M" from
// the number that filed it or its contact. It reports whether the text was
// such a command.
func (t *turn) withdrawCommand() (bool, error) {
	ref, rest := findReference(t.input)
	if ref == "" {
		return false, nil
	}
	if k, ok := t.e.cfg.Catalog.Keyword(t.lang(), rest); !ok || k != KeyCancel {
		return false, nil
	}
	r, err := t.tx.RequestByReference(ref)
	if errors.Is(err, ErrNotFound) || err == nil && !mayWithdraw(r, t.in.From) {
		t.say = append(t.say, flows.M("withdraw.not_found", "Ref", ref))
		return true, nil
	}
	if err != nil {
		return true, err
	}
	t.c.Pending = pendingWithdraw + ref
	t.say = append(t.say, flows.M("withdraw.ask", "Ref", ref))
	return true, nil
}

func mayWithdraw(r Request, phone string) bool {
	if r.Status != StatusSubmitted && r.Status != StatusScheduled {
		return false
	}
	return r.Phone == phone || r.ContactPhone == phone || r.Answers.Rep.Phone == phone
}

// withdrawAnswer takes the YES or NO to "withdraw request …?".
func (t *turn) withdrawAnswer() error {
	ref := strings.TrimPrefix(t.c.Pending, pendingWithdraw)
	yes, ok := t.e.cfg.Catalog.YesNo(t.input, t.lang())
	if !ok {
		t.say = append(t.say, flows.M("problem.yes_no"), flows.M("withdraw.ask", "Ref", ref))
		return nil
	}
	t.c.Pending = ""
	if !yes {
		t.say = append(t.say, flows.M("withdraw.kept", "Ref", ref))
		t.backToWizard()
		return nil
	}
	r, err := t.tx.RequestByReference(ref)
	if errors.Is(err, ErrNotFound) || err == nil && !mayWithdraw(r, t.in.From) {
		t.say = append(t.say, flows.M("withdraw.not_found", "Ref", ref))
		return nil
	}
	if err != nil {
		return err
	}
	if err := t.tx.SetRequestStatus(r.ID, StatusClosed, "withdrawn by text from the applicant or representative", "applicant"); err != nil {
		return err
	}
	if err := t.tx.CancelOffers(r.ID); err != nil {
		return err
	}
	t.e.log.InfoContext(t.ctx, "request withdrawn", "request", r.ID)
	t.say = append(t.say, flows.M("withdraw.done", "Ref", ref))
	t.backToWizard()
	return nil
}
