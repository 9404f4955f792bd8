package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"infopass/flows"
)

// confirmationWindow is how long after a call filed a request its caller
// may still ask for the confirmation by text.
const confirmationWindow = time.Hour

// TextFiling answers the caller who pressed keys after a call filed the
// request ref (Intent EndOfferText): 1 queues, in the request's language,
// the texts a filing by text gets (the reference and "not an appointment",
// then what to bring), to the number that filed it, when that number may
// be texted (the caller ID attested A, or the number texted the service);
// anything else, or a request this call did not file, only ends the call.
// A repeated delivery gets the same answer and queues nothing more.
func (e *Engine) TextFiling(ctx context.Context, in Inbound, ref string, r Renderer) (Reply, Rendered, error) {
	if in.Channel != Voice || in.Call == "" || !e164.MatchString(in.From) || !ValidReference(ref) ||
		strings.Trim(in.Keys, "0123456789*#") != "" || len(in.Keys) > 64 {
		return Reply{}, Rendered{}, fmt.Errorf("%w: not a filing's follow-up", ErrBadInbound)
	}
	now := e.cfg.Now()
	var (
		reply  Reply
		out    Rendered
		queued bool
	)
	err := e.cfg.Store.Turn(ctx, in.party(), now, func(ctx context.Context, tx Tx) error {
		providerID := in.Call + ":filed"
		prior, sent, found, err := tx.PriorReply(ctx, providerID)
		if err != nil || found {
			reply, out = prior, sent
			reply.Repeated = found
			return err
		}
		req, err := tx.RequestByReference(ctx, ref)
		if errors.Is(err, ErrNotFound) {
			req, err = Request{}, nil
		}
		if err != nil {
			return err
		}
		p := tx.Participant(ctx)
		mine := req.ID != 0 && req.Phone == in.From && req.Channel == Voice && now.Sub(req.SubmittedAt) < confirmationWindow &&
			req.ConversationID != 0
		reply = Reply{Language: req.Language, State: flows.StepSubmitted, Intent: End, Say: []flows.Msg{flows.M("voice.goodbye")}}
		if reply.Language == "" {
			reply.Language = DefaultLanguage
		}
		if mine && strings.TrimRight(in.Keys, "#") == "1" && (in.Attested || p.Texted) {
			for _, body := range []string{
				e.Text(req.Language, []flows.Msg{flows.M("done.submitted", "Ref", req.Reference)}),
				e.Text(req.Language, []flows.Msg{flows.M("done.bring")}),
			} {
				m := &OutboxMessage{Kind: KindConfirmation, To: req.Phone, Body: body, Status: MsgQueued, SendAfter: now,
					ConversationID: req.ConversationID, RequestID: req.ID}
				if err := tx.Enqueue(ctx, m); err != nil {
					return err
				}
			}
			queued = true
			reply.Say = []flows.Msg{flows.M("voice.filing_text_sent")}
			e.log.InfoContext(ctx, "filing confirmation queued by phone", "request", req.ID)
		}
		if out, err = r.Render(reply); err != nil {
			return fmt.Errorf("render reply: %w", err)
		}
		if !mine {
			return nil // no conversation of this call's to record the turn in
		}
		return tx.AddTurn(ctx, req.ConversationID,
			Message{Direction: "in", Channel: Voice, ProviderID: providerID, Body: in.Keys}, reply, out)
	})
	if err != nil {
		return Reply{}, Rendered{}, fmt.Errorf("filing follow-up from %s: %w", MaskPhone(in.From), err)
	}
	if queued && e.cfg.Wake != nil {
		e.cfg.Wake()
	}
	return reply, out, nil
}
