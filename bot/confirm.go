package bot

import "context"

// confirmByEmail queues, in the turn's transaction, the written
// confirmation of a filed request to each email address it gives (the
// applicant's and the representative's), and returns how many.
func (e *Engine) confirmByEmail(ctx context.Context, tx Tx, r Request) (int, error) {
	n := notices{c: e.cfg.Catalog, center: e.ContactCenterDisplay()}
	addrs := emailsOf(r.Answers)
	for _, addr := range addrs {
		err := tx.Enqueue(ctx, &OutboxMessage{Kind: KindFiled, Channel: ChannelEmail, RequestID: r.ID, To: addr,
			SendAfter: r.SubmittedAt, Body: EncodeEmail(n.filingEmail(r))})
		if err != nil {
			return 0, err
		}
	}
	return len(addrs), nil
}
