package postgres

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"infopass/bot"
	"infopass/flows"
)

// FillPlan is the synthetic deployment Fill writes.
//
// Requests are filed evenly over RetentionDays plus fillHandlingDays
// before Now, in id order: submitted ones recently filed (and a few stale
// ones), the rest scheduled, completed or closed a few days after filing.
// Those closed or completed before RetentionDays are written as the purge
// leaves them: no personal data, no conversation, no texts. Abandoned
// partial conversations are as many per day, per filed request, as
// Abandoned says, over the last bot.IdleExpire (older ones were deleted).
type FillPlan struct {
	Requests      int       // filed requests
	Now           time.Time // the fill's present
	Seed          uint64    // the same seed gives the same requests (FillSample)
	RetentionDays int       // RETENTION_DAYS
	Messages      int       // messages of each filing conversation (even: turns of two)
	Abandoned     float64   // conversations begun and never filed, per filed one
	// Texts is the text of a callback offer (bot.KindOffer) or of its
	// reminder (bot.KindReminder) about o, or the text a caller gets to go
	// on by text (bot.KindHandoff, o zero), in language, as the service
	// writes it.
	Texts func(kind, language string, o bot.CallbackOffer) string
	// Notices are the texts and email of a notice of kind about r (and
	// ap), as the service writes them (bot.NoticeBodies).
	Notices func(kind string, r bot.Request, ap bot.Appointment) (texts []string, email string)
}

// fillHandlingDays is how long after filing the oldest requests were
// still being worked: the fill spans that many days more than retention.
const fillHandlingDays = 30

func (p FillPlan) check() error {
	switch {
	case p.Requests < 0, p.RetentionDays < 1, p.Messages < 2, p.Messages%2 != 0, p.Abandoned < 0:
		return fmt.Errorf("fill: a plan needs requests >= 0, retention >= 1 day, an even number of messages >= 2, abandoned >= 0: %+v", p)
	case p.Now.IsZero(), p.Texts == nil, p.Notices == nil:
		return errors.New("fill: a plan needs Now, Texts and Notices")
	}
	return nil
}

// span is the period requests were filed in.
func (p FillPlan) span() time.Duration {
	return time.Duration(p.RetentionDays+fillHandlingDays) * 24 * time.Hour
}

// abandoned is how many partial conversations of the last IdleExpire the
// plan has.
func (p FillPlan) abandoned() int {
	return int(p.Abandoned * float64(p.Requests) * float64(bot.IdleExpire) / float64(p.span()))
}

// reps is how many representatives file: each about 10 requests a year.
func (p FillPlan) reps() int { return max(1, p.Requests/50) }

// Random streams, one per kind of row, so that each table's pass draws
// the same values for a request whatever the others draw.
const (
	streamRequest = iota + 1
	streamTime
	streamOffers
	streamEvents
	streamAccess
	streamMessages
	streamAbandoned
	streamAppointments
)

func (p FillPlan) rng(stream, i int) *rand.Rand {
	return rand.New(rand.NewPCG(p.Seed^uint64(stream)<<56, uint64(i)))
}

// submittedAt is when request i was filed: evenly over the span, in order.
func (p FillPlan) submittedAt(i int) time.Time {
	start := p.Now.Add(-p.span())
	step := float64(p.span()) / float64(max(p.Requests, 1))
	return start.Add(time.Duration((float64(i) + p.rng(streamTime, i).Float64()) * step))
}

// filingTime is how long a filing conversation took, before submission.
const filingTime = 8 * time.Minute

// abandonedAt is when abandoned conversation a began: evenly over the last
// IdleExpire, in order.
func (p FillPlan) abandonedAt(a int) time.Time {
	start := p.Now.Add(-bot.IdleExpire + time.Hour)
	step := float64(bot.IdleExpire-2*time.Hour) / float64(max(p.abandoned(), 1))
	return start.Add(time.Duration((float64(a) + p.rng(streamTime, -1-a).Float64()) * step))
}

// fillRequest is one synthetic request, before sealing.
type fillRequest struct {
	i              int
	reference      string
	at, updated    time.Time
	purged         bool
	status         string
	typ            flows.AppointmentType
	language       string
	channel        bot.Channel
	role           flows.Role
	phone, contact string // E.164: the number that filed it, the number to call
	textTo         string // the number texts go to; "" when nobody agreed to texts
	answers        flows.Answers
}

// bot is r as the service keeps it.
func (r fillRequest) bot() bot.Request {
	return bot.Request{Reference: r.reference, Status: r.status, Type: r.typ, Language: r.language, Channel: r.channel,
		Role: r.role, Phone: r.phone, ContactPhone: r.contact, ZIP: r.answers.ZIP, Answers: r.answers, SubmittedAt: r.at}
}

// emails are the addresses r's emails go to.
func (r fillRequest) emails() []string {
	var out []string
	for _, e := range []string{r.answers.Email, r.answers.Rep.Email} {
		if e != "" && (len(out) == 0 || !strings.EqualFold(out[0], e)) {
			out = append(out, e)
		}
	}
	return out
}

func (r fillRequest) handled() bool { return r.status != bot.StatusSubmitted }

// request returns request i.
func (p FillPlan) request(i int) fillRequest {
	g := p.rng(streamRequest, i)
	r := fillRequest{i: i, reference: fillReference(p.Seed, i), at: p.submittedAt(i)}
	age := p.Now.Sub(r.at)
	r.typ = pick(g, []weighted[flows.AppointmentType]{{55, flows.TypeADIT}, {25, flows.TypeEAP}, {20, flows.TypeIJ}})
	r.language = pick(g, fillLanguages)
	r.channel = pick(g, []weighted[bot.Channel]{{60, bot.SMS}, {40, bot.Voice}})
	r.role = pick(g, []weighted[flows.Role]{{80, flows.RoleApplicant}, {20, flows.RoleRepresentative}})
	day := 24 * time.Hour
	switch {
	case age < 2*day:
		r.status = pick(g, []weighted[string]{{92, bot.StatusSubmitted}, {8, bot.StatusScheduled}})
	case age < fillHandlingDays*day:
		r.status = pick(g, []weighted[string]{{35, bot.StatusSubmitted}, {40, bot.StatusScheduled}, {20, bot.StatusCompleted}, {5, bot.StatusClosed}})
	case age < 180*day: // STALE_DAYS closes what nobody touched longer
		r.status = pick(g, []weighted[string]{{1, bot.StatusSubmitted}, {2, bot.StatusScheduled}, {62, bot.StatusCompleted}, {35, bot.StatusClosed}})
	default:
		r.status = pick(g, []weighted[string]{{3, bot.StatusScheduled}, {62, bot.StatusCompleted}, {35, bot.StatusClosed}})
	}
	r.updated = r.at
	switch r.status {
	case bot.StatusScheduled:
		r.updated = r.at.Add(time.Duration(1+g.Float64()*4) * day)
	case bot.StatusCompleted, bot.StatusClosed:
		r.updated = r.at.Add(time.Duration(2+g.Float64()*18) * day)
	}
	if latest := p.Now.Add(-time.Minute); r.updated.After(latest) {
		r.updated = latest
	}
	r.purged = (r.status == bot.StatusCompleted || r.status == bot.StatusClosed) &&
		r.updated.Before(p.Now.AddDate(0, 0, -p.RetentionDays))

	if r.role == flows.RoleApplicant {
		r.phone = p.phone(i)
	} else {
		r.phone = p.phone(2*p.Requests + g.IntN(p.reps()))
	}
	r.answers = p.answers(g, r)
	r.contact = r.answers.ContactPhone()
	r.textTo, _, _ = bot.TextContact(bot.Request{Answers: r.answers, Channel: r.channel, Phone: r.phone})
	return r
}

// answers are the wizard's answers of r.
func (p FillPlan) answers(g *rand.Rand, r fillRequest) flows.Answers {
	first, last := fillFirstNames[g.IntN(len(fillFirstNames))], fillLastNames[g.IntN(len(fillLastNames))]
	a := flows.Answers{Language: r.language, Role: r.role, Type: r.typ, DaysAnswered: true,
		Name: first + " " + last, TimeOfDay: pick(g, []weighted[flows.TimeOfDay]{{40, flows.Morning}, {30, flows.Afternoon}, {30, flows.AnyTime}})}
	filed := flows.DateOf(r.at)
	switch r.typ {
	case flows.TypeADIT:
		a.NeededBy = filed.AddDays(5 + g.IntN(25))
	case flows.TypeEAP:
		a.TravelDate = filed.AddDays(12 + g.IntN(30))
		a.TravelReason = fillTravelReasons[g.IntN(len(fillTravelReasons))]
	case flows.TypeIJ:
		a.OrderDate = filed.AddDays(-10 - g.IntN(200))
		a.Granted = flows.Grants()[g.IntN(len(flows.Grants()))]
	}
	for _, d := range flows.Weekdays() {
		if g.IntN(3) == 0 {
			a.Days = append(a.Days, d)
		}
	}
	a.BirthDate = flows.Date{Year: 1945 + g.IntN(60), Month: time.Month(1 + g.IntN(12)), Day: 1 + g.IntN(28)}
	if g.IntN(100) < 97 {
		a.ZIP = fillZIPs[g.IntN(len(fillZIPs))] + fmt.Sprintf("%02d", g.IntN(100))
	} else {
		a.Country = fillCountries[g.IntN(len(fillCountries))]
	}
	a.BirthCountry = fillCountries[g.IntN(len(fillCountries))]
	if g.IntN(100) < 60 {
		a.Receipt = fillReceipt(p.Seed, r.i)
	}
	if g.IntN(100) < 75 {
		a.ANumber = fillANumber(p.Seed, r.i)
	}
	if g.IntN(100) < 70 {
		a.Email = strings.ToLower(asciiName(first)+"."+asciiName(last)) + fmt.Sprint(g.IntN(1000)) + "@example.org"
	}
	if r.role == flows.RoleApplicant {
		a.Phone = r.phone
		if g.IntN(10) == 0 {
			a.Phone = p.phone(p.Requests + r.i) // a relative's phone
		}
	} else {
		rf, rl := fillFirstNames[g.IntN(len(fillFirstNames))], fillLastNames[g.IntN(len(fillLastNames))]
		a.Rep = flows.Representative{Name: rf + " " + rl, Phone: r.phone, ConfirmByText: g.IntN(10) < 7,
			Email: strings.ToLower(asciiName(rl)) + "@law-office.example.com"}
		if g.IntN(10) < 3 {
			a.Rep.AccountNumber = fmt.Sprintf("%012d", g.Int64N(1e12))
		}
		if g.IntN(10) < 7 {
			a.Phone = p.phone(p.Requests + r.i)
		}
	}
	return a
}

// fillOffer is a callback offer of a request, with its texts or call.
type fillOffer struct {
	start, end, created, updated, answered time.Time
	status, reason, messageStatus          string
	askBy, callStatus                      string
	betterTimes                            string
	texts                                  []fillText
}

// fillText is a row of the outbox: a text, an email or a call.
type fillText struct {
	kind, channel, status      string
	sendAfter, sentAt, created time.Time
}

// offers are r's callback offers, oldest first.
func (p FillPlan) offers(r fillRequest) []fillOffer {
	g := p.rng(streamOffers, r.i)
	hour := time.Hour
	window := func(created time.Time) (time.Time, time.Time) {
		start := created.Add(time.Duration(26+g.IntN(48)) * hour).Truncate(hour)
		return start, start.Add(2 * hour)
	}
	offer := func(created time.Time, status string) fillOffer {
		o := fillOffer{created: created, updated: created, status: status, askBy: bot.AskByText}
		o.start, o.end = window(created)
		if r.textTo == "" {
			// Nobody agreed to texts: an outbound call asks.
			o.askBy, o.reason, o.callStatus = bot.AskByCall, bot.ReasonNoConsent, "completed"
			if status == bot.OfferAwaiting && g.IntN(5) == 0 {
				o.status, o.callStatus = bot.OfferNoAnswer, "no-answer"
			}
			o.texts = append(o.texts, fillText{kind: bot.KindAvailabilityCall, channel: bot.ChannelCall, status: bot.MsgSent,
				created: created, sendAfter: created, sentAt: created.Add(2 * time.Second)})
		} else {
			o.messageStatus = pick(g, []weighted[string]{{93, bot.MsgDelivered}, {3, bot.MsgSent}, {2, bot.MsgUndelivered}, {2, bot.MsgFailed}})
			o.texts = append(o.texts, fillText{kind: bot.KindOffer, status: o.messageStatus, created: created,
				sendAfter: created, sentAt: created.Add(2 * time.Second)})
		}
		switch status {
		case bot.OfferConfirmed, bot.OfferDeclined:
			o.answered = created.Add(time.Duration(5+g.IntN(120)) * time.Minute)
			o.updated = o.answered
			if status == bot.OfferDeclined {
				o.betterTimes = fillBetterTimes[g.IntN(len(fillBetterTimes))]
			}
		case bot.OfferExpired:
			o.updated = o.start
		case bot.OfferCancelled:
			o.updated = created.Add(time.Duration(1+g.IntN(20)) * hour)
		}
		if status == bot.OfferConfirmed && o.askBy == bot.AskByText {
			remind := o.start.Add(-time.Hour)
			t := fillText{kind: bot.KindReminder, status: bot.MsgDelivered, created: o.answered, sendAfter: remind, sentAt: remind.Add(2 * time.Second)}
			if remind.After(p.Now) {
				t.status, t.sentAt = bot.MsgQueued, time.Time{}
			}
			o.texts = append(o.texts, t)
		}
		return o
	}
	day := 24 * time.Hour
	created := r.at.Add(time.Duration(20+g.IntN(28)) * hour)
	if created.After(p.Now) {
		return nil
	}
	if !r.handled() {
		if p.Now.Sub(r.at) < day || g.IntN(10) >= 3 {
			return nil
		}
		o := offer(created, bot.OfferAwaiting)
		if o.status == bot.OfferAwaiting || o.status == bot.OfferNoAnswer {
			// Still awaiting: its window is ahead (the expiry job took
			// those that began).
			o.start = p.Now.Add(time.Duration(2+g.IntN(70)) * hour).Truncate(hour)
			o.end = o.start.Add(2 * hour)
		}
		return []fillOffer{o}
	}
	var list []fillOffer
	if first := g.IntN(100); first < 10 {
		list = append(list, offer(created, bot.OfferDeclined))
		created = created.Add(day)
	} else if first < 15 {
		list = append(list, offer(created, bot.OfferExpired))
		created = created.Add(2 * day)
	}
	last := bot.OfferConfirmed
	if r.status == bot.StatusClosed {
		last = pick(g, []weighted[string]{{50, bot.OfferConfirmed}, {30, bot.OfferExpired}, {20, bot.OfferCancelled}})
	}
	if !created.After(p.Now) {
		list = append(list, offer(created, last))
	}
	return list
}

// fillEvent is a status change of a request.
type fillEvent struct {
	status, note string
	at           time.Time
	client       bool // by the API client, else by an officer
}

// events are r's status changes, oldest first.
func (p FillPlan) events(r fillRequest) []fillEvent {
	g := p.rng(streamEvents, r.i)
	note := func() string {
		if r.purged || g.IntN(2) == 0 {
			return ""
		}
		return fillNotes[g.IntN(len(fillNotes))]
	}
	mid := r.at.Add(r.updated.Sub(r.at) / 2)
	switch r.status {
	case bot.StatusScheduled:
		return []fillEvent{{bot.StatusScheduled, note(), r.updated, g.IntN(10) == 0}}
	case bot.StatusCompleted:
		return []fillEvent{{bot.StatusScheduled, note(), mid, g.IntN(10) == 0}, {bot.StatusCompleted, note(), r.updated, g.IntN(10) == 0}}
	case bot.StatusClosed:
		return []fillEvent{{bot.StatusClosed, note(), r.updated, g.IntN(10) == 0}}
	}
	return nil
}

// fillAppointment is the appointment the office booked for a request,
// with its notices.
type fillAppointment struct {
	start, created time.Time
	office         bot.Office
	note           string
	notices        []fillText
}

// appointment is r's appointment, if the office booked one: scheduled
// and completed requests have one.
func (p FillPlan) appointment(r fillRequest) (fillAppointment, bool) {
	if r.status != bot.StatusScheduled && r.status != bot.StatusCompleted {
		return fillAppointment{}, false
	}
	g := p.rng(streamAppointments, r.i)
	events := p.events(r)
	a := fillAppointment{created: events[0].at, office: fillOffices[g.IntN(len(fillOffices))]}
	day := a.created.Add(time.Duration(3+g.IntN(8)) * 24 * time.Hour).Truncate(24 * time.Hour)
	a.start = day.Add(time.Duration(14+g.IntN(6)) * time.Hour)
	if !r.purged && g.IntN(10) < 3 {
		a.note = fillNotes[g.IntN(len(fillNotes))]
	}
	notice := func(kind string, at time.Time) {
		status, sent := bot.MsgDelivered, at.Add(2*time.Second)
		if at.After(p.Now) {
			status, sent = bot.MsgQueued, time.Time{}
		}
		if r.textTo != "" {
			for range 2 { // the notice, and what to bring
				a.notices = append(a.notices, fillText{kind: kind, channel: bot.ChannelSMS, status: status, created: a.created, sendAfter: at, sentAt: sent})
			}
		}
		for range r.emails() {
			a.notices = append(a.notices, fillText{kind: kind, channel: bot.ChannelEmail, status: status, created: a.created, sendAfter: at, sentAt: sent})
		}
	}
	notice(bot.KindAppointment, a.created)
	notice(bot.KindAppointmentReminder, a.start.Add(-24*time.Hour))
	return a, true
}

// fillReference is request i's reference: the 40 bits of a bijection of
// i, so that no two collide.
func fillReference(seed uint64, i int) string {
	x := (uint64(i)*0x9E3779B1 + seed) & (1<<40 - 1)
	out := []byte("IP-")
	for k := 7; k >= 0; k-- {
		out = append(out, crockford[(x>>(5*k))&31])
	}
	return string(out)
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func fillANumber(seed uint64, i int) string {
	return fmt.Sprintf("A%09d", 100_000_000+(uint64(i)*7919+seed)%800_000_000)
}

func fillReceipt(seed uint64, i int) string {
	prefixes := []string{"IOE", "EAC", "WAC", "LIN", "SRC", "MSC", "NBC"}
	return fmt.Sprintf("%s%010d", prefixes[i%len(prefixes)], (uint64(i)*104729+seed)%10_000_000_000)
}

// Phone numbers of the fill: area codes of large cities with exchanges
// from 2xx to 8xx (no N11), none of them the bench's +1 202 55x.
var (
	fillAreaCodes = []string{"212", "213", "305", "312", "347", "415", "617", "646", "713", "718", "786", "832", "909", "917", "956"}
	fillExchanges = func() []int {
		var list []int
		for e := 230; e <= 899; e++ {
			if e%100 != 11 && e != 555 && (e < 300 || e >= 320) {
				list = append(list, e)
			}
		}
		return list
	}()
)

// phone returns the k-th number of the fill (a bijection of k): filers
// are k < Requests, relatives' phones Requests + i, representatives
// 2×Requests + r, abandoned conversations 3×Requests + a.
func (p FillPlan) phone(k int) string {
	total := uint64(len(fillAreaCodes) * len(fillExchanges) * 10_000)
	x := (uint64(k)*1_000_003 + p.Seed) % total
	line := x % 10_000
	x /= 10_000
	return fmt.Sprintf("+1%s%03d%04d", fillAreaCodes[x/uint64(len(fillExchanges))], fillExchanges[x%uint64(len(fillExchanges))], line)
}

// FillIdentity is what identifies a request of a fill, for the bench to
// look it up as staff would.
type FillIdentity struct {
	Reference, ANumber, Receipt, Phone string
	Status, Type, Language             string
}

// FillSample returns up to n requests of plan that still hold their
// personal data, spread over the whole fill.
func FillSample(plan FillPlan, n int) []FillIdentity {
	var out []FillIdentity
	if plan.Requests == 0 || n <= 0 {
		return nil
	}
	step := max(1, plan.Requests/n)
	for i := step / 2; i < plan.Requests && len(out) < n; i += step {
		for j := i; j < min(i+step, plan.Requests); j++ {
			r := plan.request(j)
			if r.purged {
				continue
			}
			out = append(out, FillIdentity{Reference: r.reference, ANumber: r.answers.ANumber, Receipt: r.answers.Receipt,
				Phone: r.phone, Status: r.status, Type: string(r.typ), Language: r.language})
			break
		}
	}
	return out
}

// fillAbandoned is a conversation begun and never filed.
type fillAbandoned struct {
	phone, language string
	channel         bot.Channel
	at              time.Time
	turns           int
	open            bool
	role            flows.Role
	typ             flows.AppointmentType
}

func (p FillPlan) abandonedConversation(a int) fillAbandoned {
	g := p.rng(streamAbandoned, a)
	return fillAbandoned{phone: p.phone(3*p.Requests + a), at: p.abandonedAt(a), language: pick(g, fillLanguages),
		channel: pick(g, []weighted[bot.Channel]{{60, bot.SMS}, {40, bot.Voice}}), turns: 1 + g.IntN(4), open: g.IntN(4) != 0,
		role: pick(g, []weighted[flows.Role]{{80, flows.RoleApplicant}, {20, flows.RoleRepresentative}}),
		typ:  pick(g, []weighted[flows.AppointmentType]{{55, flows.TypeADIT}, {25, flows.TypeEAP}, {20, flows.TypeIJ}})}
}

// weighted is a choice and its weight.
type weighted[T any] struct {
	weight int
	value  T
}

func pick[T any](g *rand.Rand, choices []weighted[T]) T {
	total := 0
	for _, c := range choices {
		total += c.weight
	}
	n := g.IntN(total)
	for _, c := range choices {
		if n < c.weight {
			return c.value
		}
		n -= c.weight
	}
	return choices[len(choices)-1].value
}

// asciiName keeps the ASCII letters of a name, for an email address.
func asciiName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "applicant"
	}
	return b.String()
}

// The mix of languages: what the Contact Center's callers speak, roughly.
var fillLanguages = []weighted[string]{
	{40, "en"}, {32, "es"}, {5, "zh-Hans"}, {4, "vi"}, {3, "fil"}, {2, "fr"}, {3, "pt"},
	{2, "ar"}, {2, "ko"}, {2, "ru"}, {3, "ht"}, {1, "pl"}, {1, "eo"},
}

var (
	fillFirstNames = []string{"Maria", "José", "Juan", "Ana", "Luis", "Carmen", "Wei", "Li Na", "Nguyễn Văn", "Thị Lan", "Maria Clara",
		"Jean", "Marie", "Rosa", "Carlos", "Fatima", "Mohammed", "Olga", "Dmitri", "Min-jun", "Seo-yeon", "Piotr", "Agnieszka",
		"João", "Ana Paula", "Jean-Baptiste", "Wisly", "Esperanza", "Guadalupe", "Francisco", "Aisha", "Oksana", "Priya", "Rahul"}
	fillLastNames = []string{"García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Wang", "Zhang", "Nguyen",
		"Tran", "Santos", "Reyes", "Dela Cruz", "Baptiste", "Pierre", "Silva", "Oliveira", "Kim", "Lee", "Park", "Ivanova", "Petrov",
		"Kowalski", "Nowak", "Haddad", "Mansour", "Dubois", "Moreau", "Joseph", "Charles", "Patel", "Singh", "Okafor"}
	fillTravelReasons = []string{"My mother is in the hospital in Guatemala", "Funeral of my father", "Mi hermana está muy enferma",
		"Family emergency abroad", "My grandmother is dying", "Urgent surgery for my son", "我父亲病重", "Bố tôi bị bệnh nặng"}
	fillBetterTimes = []string{"Tuesday or Thursday after 2 pm", "Mañana por la tarde", "Any morning next week", "After 5 pm please",
		"Lundi matin", "Wednesday afternoon", "下午三点以后"}
	fillNotes = []string{"Booked for 12/02 at 10:00 at the Houston field office", "Called twice, no answer; left voicemail",
		"Stamp issued", "Applicant withdrew by phone", "Referred to the Contact Center", "Parole document approved"}
	fillCountries = []string{"MX", "GT", "SV", "HN", "CN", "VN", "PH", "IN", "HT", "CU", "DO", "BR", "RU", "UA", "PL", "KR", "NG", "ET", "FR", "EG"}
	// Offices of appointment notices (OFFICES_FILE).
	fillOffices = []bot.Office{
		{ID: "new-york", Name: "USCIS New York Field Office", Address: "26 Federal Plaza, New York, NY 10278", Zone: "America/New_York"},
		{ID: "miami", Name: "USCIS Miami Field Office", Address: "8801 NW 7th Avenue, Miami, FL 33150", Zone: "America/New_York"},
		{ID: "chicago", Name: "USCIS Chicago Field Office", Address: "101 W Congress Parkway, Chicago, IL 60605", Zone: "America/Chicago"},
		{ID: "houston", Name: "USCIS Houston Field Office", Address: "810 Gears Road, Houston, TX 77067", Zone: "America/Chicago"},
		{ID: "los-angeles", Name: "USCIS Los Angeles Field Office", Address: "300 N Los Angeles Street, Los Angeles, CA 90012", Zone: "America/Los_Angeles"},
		{ID: "san-francisco", Name: "USCIS San Francisco Field Office", Address: "630 Sansome Street, San Francisco, CA 94111", Zone: "America/Los_Angeles"},
	}
	// ZIP prefixes of several time zones (the contact's zone comes from
	// the ZIP code).
	fillZIPs = []string{"100", "112", "021", "200", "331", "303", "606", "770", "787", "850", "900", "941", "981", "968", "995", "006", "802", "554", "191", "282"}
)
