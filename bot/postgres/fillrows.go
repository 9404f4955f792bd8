package postgres

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"infopass/bot"
	"infopass/bot/vault"
	"infopass/flows"
)

// fillGen writes a plan's rows.
type fillGen struct {
	plan     FillPlan
	keys     *vault.Keyring
	tmpl     fillTemplate
	officers []int64
	// slots are the conversations in the order they began: request i's
	// (req = i) or abandoned conversation a's (req = -1 - a). A
	// conversation's id is its slot's index + 1.
	slots   []int32
	reqConv []int64 // request i's conversation id (0: purged with it)
	texts   map[fillTextKey]string
	notices map[fillNoticeKey]fillNotice
}

func newFillGen(plan FillPlan, keys *vault.Keyring, tmpl fillTemplate, officers []int64) *fillGen {
	g := &fillGen{plan: plan, keys: keys, tmpl: tmpl, officers: officers, reqConv: make([]int64, plan.Requests),
		texts: map[fillTextKey]string{}, notices: map[fillNoticeKey]fillNotice{}}
	n, a := plan.Requests, plan.abandoned()
	g.slots = make([]int32, 0, n+a)
	i, k := 0, 0
	nextAbandoned := func() time.Time { return plan.abandonedAt(k) }
	ab := nextAbandoned()
	for i < n || k < a {
		if i < n && (k >= a || plan.submittedAt(i).Add(-filingTime).Before(ab)) {
			g.reqConv[i] = int64(len(g.slots) + 1)
			g.slots = append(g.slots, int32(i))
			i++
			continue
		}
		g.slots = append(g.slots, int32(-1-k))
		k++
		if k < a {
			ab = nextAbandoned()
		}
	}
	return g
}

func (g *fillGen) seal(s, table, column string, id int64) string {
	return g.keys.SealString(s, table, column, rowKey(id))
}

func (g *fillGen) tables() []fillTable {
	return []fillTable{
		// Every number was looked at by an earlier retention pass.
		{"participants", []string{"phone_idx", "phone", "language", "opted_out_at", "created_at", "texted_at", "recheck"}, false, g.participants},
		{"conversations", []string{"id", "phone_idx", "open", "step", "state", "history", "invalid_count", "channel", "attestation", "version",
			"created_at", "updated_at", "closed_at", "filed"}, true, g.conversations},
		{"messages", []string{"id", "conversation_id", "direction", "channel", "provider_id", "body", "reply", "reply_to", "created_at"}, true, g.messages},
		{"requests", []string{"id", "reference", "conversation_id", "status", "type", "language", "channel", "role", "phone_idx", "phone",
			"contact_idx", "contact_phone", "zip", "answers", "a_number_idx", "receipt_idx", "submitted_at", "updated_at", "purged_at"}, true, g.requests},
		{"request_events", []string{"id", "request_id", "status", "note", "actor", "officer_id", "created_at"}, true, g.events},
		{"callback_offers", []string{"id", "request_id", "starts_at", "ends_at", "zone", "status", "contact_idx", "contact_phone", "contact_role",
			"not_sent_reason", "message_status", "better_times", "answered_at", "created_at", "updated_at", "ask_by", "call_status"}, true, g.offers},
		{"appointments", []string{"id", "request_id", "starts_at", "office", "office_name", "office_address", "zone", "note", "status",
			"created_at", "updated_at"}, true, g.appointments},
		{"outbox", []string{"id", "kind", "channel", "offer_id", "request_id", "appointment_id", "conversation_id", "to_idx", "to_phone", "body",
			"status", "attempts", "send_after", "claimed_at", "provider_sid", "created_at", "sent_at", "updated_at"}, true, g.outbox},
		// Its id is GENERATED ALWAYS: drawn as the rows go in.
		{"request_access", []string{"request_id", "reference", "officer_id", "api_client", "session_id", "action", "at"}, false, g.access},
	}
}

func (g *fillGen) participants(w *copyWriter) error {
	p := g.plan
	row := func(phone, language string, created time.Time, texted, optedOut bool) {
		idx := g.keys.Index("phone", phone)
		w.text(idx)
		w.text(g.keys.SealString(phone, "participants", "phone", idx))
		w.text(language)
		if optedOut {
			w.time(created.Add(time.Hour))
		} else {
			w.null()
		}
		w.time(created)
		if texted {
			w.time(created)
		} else {
			w.null()
		}
		w.bool(false)
		w.end()
	}
	for i := range p.Requests {
		r := p.request(i)
		if r.role == flows.RoleApplicant && !r.purged {
			row(r.phone, r.language, r.at.Add(-filingTime), r.channel == bot.SMS, i%200 == 0)
		}
	}
	start := p.Now.Add(-p.span())
	for k := range p.reps() {
		row(p.phone(2*p.Requests+k), "en", start, true, false)
	}
	for a := range p.abandoned() {
		c := p.abandonedConversation(a)
		row(c.phone, c.language, c.at, c.channel == bot.SMS, false)
	}
	return nil
}

func (g *fillGen) conversations(w *copyWriter) error {
	p := g.plan
	for s, slot := range g.slots {
		id := int64(s + 1)
		var (
			phone, step, attestation string
			open                     bool
			history                  []string
			channel                  bot.Channel
			state                    conversationState
			created, updated         time.Time
		)
		if slot >= 0 {
			r := p.request(int(slot))
			if r.purged {
				continue
			}
			phone, step, history, channel, state.Answers = r.phone, g.tmpl.step, g.tmpl.history, r.channel, r.answers
			created, updated = r.at.Add(-filingTime), r.at
		} else {
			c := p.abandonedConversation(int(-1 - slot))
			phone, channel, open = c.phone, c.channel, c.open
			k := min(c.turns, len(g.tmpl.history)-1)
			step, history = g.tmpl.history[k], g.tmpl.history[:k]
			if !open {
				step = string(flows.StepCancelled)
			}
			// What the first questions asked: the language, who is asking,
			// the type.
			state.Answers = flows.Answers{Language: c.language}
			if k > 1 {
				state.Answers.Role = c.role
			}
			if k > 2 {
				state.Answers.Type = c.typ
			}
			created, updated = c.at, c.at.Add(time.Duration(c.turns)*time.Minute)
		}
		if channel == bot.Voice {
			attestation = "A"
		}
		raw, err := json.Marshal(state)
		if err != nil {
			return err
		}
		w.int(id)
		w.text(g.keys.Index("phone", phone))
		w.bool(open)
		w.text(step)
		w.text(g.keys.Seal(raw, "conversations", "state", rowKey(id)))
		w.array(history)
		w.int(0)
		w.text(string(channel))
		w.text(attestation)
		w.int(int64(g.tmpl.version))
		w.time(created)
		w.time(updated)
		if open {
			w.null()
		} else {
			w.time(updated)
		}
		w.bool(slot >= 0)
		w.end()
	}
	return nil
}

func (g *fillGen) messages(w *copyWriter) error {
	p := g.plan
	var id int64
	for s, slot := range g.slots {
		conv := int64(s + 1)
		var (
			turns   []templateTurn
			channel bot.Channel
			ref     string
			begin   time.Time
			took    time.Duration
		)
		if slot >= 0 {
			r := p.request(int(slot))
			if r.purged {
				continue
			}
			turns = spread(g.tmpl.turns, p.Messages/2)
			channel, ref, begin, took = r.channel, r.reference, r.at.Add(-filingTime), filingTime
		} else {
			c := p.abandonedConversation(int(-1 - slot))
			turns = g.tmpl.turns[:min(c.turns, len(g.tmpl.turns))]
			channel, begin, took = c.channel, c.at, time.Duration(c.turns)*time.Minute
		}
		rng := p.rng(streamMessages, s)
		var sid [16]byte
		for t, turn := range turns {
			at := begin.Add(took * time.Duration(t) / time.Duration(max(len(turns)-1, 1)))
			reply, out := turn.reply, turn.outBody
			if ref != "" {
				reply, out = g.tmpl.withReference(turn, ref)
			}
			id++
			in := id
			for k := 0; k < 16; k += 8 {
				v := rng.Uint64()
				for b := range 8 {
					sid[k+b] = byte(v >> (8 * b))
				}
			}
			provider := "SM" + hex.EncodeToString(sid[:])
			if channel == bot.Voice {
				provider = "CA" + hex.EncodeToString(sid[:]) + ":" + fmt.Sprint(t)
			}
			w.int(in)
			w.int(conv)
			w.text("in")
			w.text(string(channel))
			w.text(provider)
			w.text(g.seal(turn.inBody, "messages", "body", in))
			w.text(g.keys.Seal(reply, "messages", "reply", rowKey(in)))
			w.null()
			w.time(at)
			w.end()
			if out == "" {
				continue
			}
			id++
			w.int(id)
			w.int(conv)
			w.text("out")
			w.text(string(channel))
			w.null()
			w.text(g.seal(out, "messages", "body", id))
			w.text("")
			w.int(in)
			w.time(at)
			w.end()
		}
	}
	return nil
}

// spread picks n of turns evenly, the first and the last among them.
func spread(turns []templateTurn, n int) []templateTurn {
	if n >= len(turns) {
		return turns
	}
	out := make([]templateTurn, 0, n)
	for k := range n {
		out = append(out, turns[k*(len(turns)-1)/max(n-1, 1)])
	}
	return out
}

func (g *fillGen) requests(w *copyWriter) error {
	p := g.plan
	for i := range p.Requests {
		r := p.request(i)
		id := int64(i + 1)
		w.int(id)
		w.text(r.reference)
		w.ref(g.reqConv[i] * boolInt(!r.purged))
		w.text(r.status)
		w.text(string(r.typ))
		w.text(r.language)
		w.text(string(r.channel))
		w.text(string(r.role))
		if r.purged {
			for range 4 {
				w.text("")
			}
			w.text(r.answers.ZIP)
			for range 3 {
				w.text("")
			}
		} else {
			raw, err := json.Marshal(r.answers)
			if err != nil {
				return err
			}
			w.text(g.keys.Index("phone", r.phone))
			w.text(g.seal(r.phone, "requests", "phone", id))
			w.text(g.keys.Index("phone", r.contact))
			w.text(g.seal(r.contact, "requests", "contact_phone", id))
			w.text(r.answers.ZIP)
			w.text(g.keys.Seal(raw, "requests", "answers", rowKey(id)))
			w.text(g.keys.Index("a_number", r.answers.ANumber))
			w.text(g.keys.Index("receipt", r.answers.Receipt))
		}
		w.time(r.at)
		w.time(r.updated)
		if r.purged {
			w.time(r.updated.AddDate(0, 0, p.RetentionDays))
		} else {
			w.null()
		}
		w.end()
	}
	return nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (g *fillGen) officer(rng *rand.Rand) int64 { return g.officers[rng.IntN(len(g.officers))] }

func (g *fillGen) events(w *copyWriter) error {
	p := g.plan
	var id int64
	for i := range p.Requests {
		r := p.request(i)
		rng := p.rng(streamEvents, -1-i)
		for _, e := range p.events(r) {
			id++
			w.int(id)
			w.int(int64(i + 1))
			w.text(e.status)
			w.text(g.seal(e.note, "request_events", "note", id))
			if e.client {
				w.text("api:crm-sync")
				w.null()
			} else {
				w.text("")
				w.int(g.officer(rng))
			}
			w.time(e.at)
			w.end()
		}
	}
	return nil
}

func (g *fillGen) offers(w *copyWriter) error {
	p := g.plan
	var id int64
	for i := range p.Requests {
		r := p.request(i)
		for _, o := range p.offers(r) {
			id++
			contact, role := r.textTo, string(r.answers.Role)
			if o.askBy == bot.AskByCall {
				contact = r.contact
			}
			better := o.betterTimes
			if r.purged {
				contact, better = "", ""
			}
			w.int(id)
			w.int(int64(i + 1))
			w.time(o.start)
			w.time(o.end)
			w.text(flows.TimeZoneForZIP(r.answers.ZIP))
			w.text(o.status)
			w.text(g.keys.Index("phone", contact))
			w.text(g.seal(contact, "callback_offers", "contact_phone", id))
			w.text(role)
			w.text(o.reason)
			w.text(o.messageStatus)
			w.text(g.seal(better, "callback_offers", "better_times", id))
			w.timeOrNull(o.answered)
			w.time(o.created)
			w.time(o.updated)
			w.text(o.askBy)
			w.text(o.callStatus)
			w.end()
		}
	}
	return nil
}

func (g *fillGen) appointments(w *copyWriter) error {
	p := g.plan
	var id int64
	for i := range p.Requests {
		r := p.request(i)
		a, ok := p.appointment(r)
		if !ok {
			continue
		}
		id++
		w.int(id)
		w.int(int64(i + 1))
		w.time(a.start)
		w.text(a.office.ID)
		w.text(a.office.Name)
		w.text(a.office.Address)
		w.text(a.office.Zone)
		w.text(g.seal(a.note, "appointments", "note", id))
		w.text(bot.AppointmentBooked)
		w.time(a.created)
		w.time(a.created)
		w.end()
	}
	return nil
}

func (g *fillGen) outbox(w *copyWriter) error {
	p := g.plan
	var id, offerID, appointmentID int64
	row := func(t fillText, offerID, requestID, appointmentID, conv int64, to, body string, rng *rand.Rand) {
		channel := t.channel
		if channel == "" {
			channel = bot.ChannelSMS
		}
		id++
		w.int(id)
		w.text(t.kind)
		w.text(channel)
		w.ref(offerID)
		w.ref(requestID)
		w.ref(appointmentID)
		w.ref(conv)
		if channel == bot.ChannelEmail {
			w.text(g.keys.Index("email", strings.ToLower(to)))
			if !t.sentAt.IsZero() {
				// What OutboxSent keeps of a sent email.
				if kept, err := bot.KeptEmail(body); err == nil {
					body = kept
				}
			}
		} else {
			w.text(g.keys.Index("phone", to))
		}
		w.text(g.seal(to, "outbox", "to_phone", id))
		w.text(g.seal(body, "outbox", "body", id))
		w.text(t.status)
		if t.status == bot.MsgQueued {
			w.int(0)
			w.time(t.sendAfter)
			w.null()
			w.null()
		} else {
			w.int(1)
			w.time(t.sendAfter)
			w.time(t.sendAfter)
			switch channel {
			case bot.ChannelEmail:
				w.text(fmt.Sprintf("<%016x%016x@mail.example.org>", rng.Uint64(), rng.Uint64()))
			case bot.ChannelCall:
				w.text(fmt.Sprintf("CA%016x%016x", rng.Uint64(), rng.Uint64()))
			default:
				w.text(fmt.Sprintf("SM%016x%016x", rng.Uint64(), rng.Uint64()))
			}
		}
		w.time(t.created)
		w.timeOrNull(t.sentAt)
		if t.sentAt.IsZero() {
			w.time(t.created)
		} else {
			w.time(t.sentAt.Add(5 * time.Second))
		}
		w.end()
	}
	for i := range p.Requests {
		r := p.request(i)
		rid := int64(i + 1)
		rng := p.rng(streamOffers, -1-i)
		offers := p.offers(r)
		a, booked := p.appointment(r)
		if r.purged {
			// Retention deleted its rows.
			offerID += int64(len(offers))
			if booked {
				appointmentID++
			}
			continue
		}
		if r.channel == bot.Voice && r.answers.Email != "" {
			// The caller went on by text to give the email address.
			at := r.at.Add(-filingTime / 2)
			row(fillText{kind: bot.KindHandoff, status: bot.MsgDelivered, created: at, sendAfter: at, sentAt: at.Add(time.Second)},
				0, 0, 0, g.reqConv[i], r.phone, g.text(bot.KindHandoff, bot.CallbackOffer{Language: r.language}, ""), rng)
		}
		emails := r.emails()
		if len(emails) > 0 {
			_, body := g.notice(bot.KindFiled, r, fillAppointment{})
			for _, addr := range emails {
				row(fillText{kind: bot.KindFiled, channel: bot.ChannelEmail, status: bot.MsgDelivered, created: r.at, sendAfter: r.at,
					sentAt: r.at.Add(3 * time.Second)}, 0, rid, 0, 0, addr, body, rng)
			}
		}
		for _, o := range offers {
			offerID++
			offer := bot.CallbackOffer{ID: offerID, Language: r.language, Start: o.start, End: o.end,
				Zone: flows.TimeZoneForZIP(r.answers.ZIP)}
			for _, t := range o.texts {
				switch t.kind {
				case bot.KindAvailabilityCall:
					row(t, offerID, rid, 0, 0, r.contact, "", rng)
				case bot.KindReminder:
					row(t, offerID, 0, 0, 0, r.textTo, g.text(t.kind, offer, r.reference), rng)
				default:
					row(t, offerID, rid, 0, 0, r.textTo, g.text(t.kind, offer, r.reference), rng)
				}
			}
		}
		if booked {
			appointmentID++
			sent := map[string]int{}
			for _, t := range a.notices {
				texts, email := g.notice(t.kind, r, a)
				if t.channel == bot.ChannelEmail {
					row(t, 0, rid, appointmentID, 0, emails[sent[t.kind+"@"]%len(emails)], email, rng)
					sent[t.kind+"@"]++
					continue
				}
				row(t, 0, rid, appointmentID, 0, r.textTo, texts[sent[t.kind]%len(texts)], rng)
				sent[t.kind]++
			}
		}
	}
	for s, slot := range g.slots {
		if slot >= 0 {
			continue
		}
		c := p.abandonedConversation(int(-1 - slot))
		if c.channel != bot.Voice || c.turns < 3 {
			continue
		}
		at := c.at.Add(time.Duration(c.turns) * time.Minute)
		row(fillText{kind: bot.KindHandoff, status: bot.MsgDelivered, created: at, sendAfter: at, sentAt: at.Add(time.Second)},
			0, 0, 0, int64(s+1), c.phone, g.text(bot.KindHandoff, bot.CallbackOffer{Language: c.language}, ""), p.rng(streamAbandoned, -1-s))
	}
	return nil
}

// notice is the texts and email of a notice of kind about r (and a).
// Rendering them costs more than the rest of the rows: they are rendered
// once per kind, language, type and office, and given the reference after.
func (g *fillGen) notice(kind string, r fillRequest, a fillAppointment) ([]string, string) {
	const placeholder = "IP-REFERENC"
	key := fillNoticeKey{kind, r.language, string(r.typ), a.office.ID, r.textTo != ""}
	n, ok := g.notices[key]
	if !ok {
		req := r.bot()
		req.Reference = placeholder
		ap := bot.Appointment{Reference: placeholder, Start: a.start, Office: a.office, Status: bot.AppointmentBooked}
		n.texts, n.email = g.plan.Notices(kind, req, ap)
		g.notices[key] = n
	}
	texts := make([]string, len(n.texts))
	for i, t := range n.texts {
		texts[i] = strings.ReplaceAll(t, placeholder, r.reference)
	}
	return texts, strings.ReplaceAll(n.email, placeholder, r.reference)
}

type fillNoticeKey struct {
	kind, language, typ, office string
	texted                      bool
}

type fillNotice struct {
	texts []string
	email string
}

// text is the text of kind about o for request ref. Rendering a message
// costs more than the rest of the row: texts are rendered once per
// language, window and zone, and given the reference after.
func (g *fillGen) text(kind string, o bot.CallbackOffer, ref string) string {
	const placeholder = "IP-REFERENC"
	key := fillTextKey{kind, o.Language, o.Zone, o.Start.Unix(), o.End.Unix()}
	t, ok := g.texts[key]
	if !ok {
		o.Reference = placeholder
		t = g.plan.Texts(kind, o.Language, o)
		if len(g.texts) > 1<<18 {
			clear(g.texts)
		}
		g.texts[key] = t
	}
	return strings.ReplaceAll(t, placeholder, ref)
}

type fillTextKey struct {
	kind, language, zone string
	start, end           int64
}

func (g *fillGen) access(w *copyWriter) error {
	p := g.plan
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	session := make([]byte, 26)
	for i := range p.Requests {
		r := p.request(i)
		rng := p.rng(streamAccess, i)
		row := func(action string, at time.Time, client bool) {
			w.int(int64(i + 1))
			w.text(r.reference)
			if client {
				w.null()
				w.text("crm-sync")
				w.text("")
			} else {
				w.int(g.officer(rng))
				w.null()
				for k := range session {
					session[k] = alphabet[rng.IntN(32)]
				}
				w.text(string(session))
			}
			w.text(action)
			w.time(at)
			w.end()
		}
		between := func(a, b time.Time) time.Time {
			if !b.After(a) {
				return a
			}
			return a.Add(time.Duration(rng.Int64N(int64(b.Sub(a)))))
		}
		views := rng.IntN(2)
		if r.handled() {
			views = 2 + rng.IntN(5)
		}
		last := r.updated
		if last.Equal(r.at) {
			last = r.at.Add(time.Hour)
		}
		if last.After(p.Now) {
			last = p.Now.Add(-time.Second)
		}
		for range views {
			row(bot.AccessView, between(r.at, last), rng.IntN(10) == 0)
		}
		for _, o := range p.offers(r) {
			row(bot.AccessOffer, o.created, false)
		}
		for _, e := range p.events(r) {
			row(bot.AccessStatus, e.at, e.client)
		}
		if a, ok := p.appointment(r); ok {
			row(bot.AccessAppointment, a.created, false)
		}
		if rng.IntN(20) == 0 {
			row(bot.AccessSearch, between(r.at, last), false)
		}
	}
	return nil
}
