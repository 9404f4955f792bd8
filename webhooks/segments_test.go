package webhooks

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"infopass/bot"
	"infopass/flows"
	"infopass/locales"
)

func TestSegments(t *testing.T) {
	for _, tc := range []struct {
		text string
		n    int
		gsm  bool
	}{
		{"", 1, true},
		{strings.Repeat("a", 160), 1, true},
		{strings.Repeat("a", 161), 2, true},
		{strings.Repeat("a", 459), 3, true},
		{strings.Repeat("a", 460), 4, true},
		{strings.Repeat("€", 80), 1, true},
		{strings.Repeat("€", 81), 2, true},
		{"¿Dónde?", 1, false}, // ó is not GSM-7
		{strings.Repeat("ó", 70), 1, false},
		{strings.Repeat("ó", 71), 2, false},
		{strings.Repeat("中", 201), 3, false},
		{strings.Repeat("中", 202), 4, false},
		{"It’s", 1, false}, // a smart quote costs UCS-2
	} {
		n, gsm := Segments(tc.text)
		if n != tc.n || gsm != tc.gsm {
			t.Errorf("Segments(%.20q…) = %d %v, want %d %v", tc.text, n, gsm, tc.n, tc.gsm)
		}
	}
}

// accidental holds characters that slip into translations from word
// processors and push a whole text to UCS-2 for nothing.
const accidental = "\u2018\u2019\u201C\u201D\u00A0\u202F\u2026\u2013\u2014\u00B7"

// smsReplies renders, for one language, every text the bot sends by SMS,
// with long but realistic values, as the engine joins them.
func smsReplies(c *bot.Catalog, tag string) map[string]string {
	lex := c.Lexicon(tag)
	ctx := flows.Context{
		Today: flows.Date{Year: 2026, Month: 11, Day: 20}, From: "+12025550147", Lex: lex,
		Languages: c.Languages(), ADITLeadDays: 30,
	}
	long := flows.Answers{
		Language: tag, Role: flows.RoleRepresentative, Type: flows.TypeIJ,
		Rep:       flows.Representative{Name: "María José Rodríguez", Phone: "+12025550148", Email: "mrodriguez@lawfirm.com", ConfirmByText: true},
		OrderDate: flows.Date{Year: 2026, Month: 9, Day: 30}, Granted: flows.GrantWithholding,
		Days: []flows.Weekday{flows.Monday, flows.Wednesday, flows.Friday}, TimeOfDay: flows.Afternoon,
		Name: "Guadalupe Hernández Quispe", BirthDate: flows.Date{Year: 1985, Month: 12, Day: 28},
		ZIP: "10001-2345", BirthCountry: "SV", Receipt: "IOE0912345678", ANumber: "A012345678",
		Email: "ghernandez@example.com", Phone: "+12025550149", PendingReceipt: "ABC1234567890",
	}
	center := "1-800-375-5283"
	render := func(msgs ...flows.Msg) string {
		out := make([]flows.Msg, len(msgs))
		for i, m := range msgs {
			args := map[string]any{"Center": center}
			for k, v := range m.Args {
				args[k] = v
			}
			out[i] = flows.Msg{ID: m.ID, Args: args}
		}
		return c.Join(tag, out)
	}
	offer := bot.CallbackOffer{Reference: "IP-7K3Q9D2M", Language: tag, Zone: "America/New_York",
		Start: parseTime("2026-11-30T10:30:00-05:00"), End: parseTime("2026-11-30T12:30:00-05:00")}
	replies := map[string]string{}
	for _, step := range flows.Questions() {
		q := flows.Ask(step, long, ctx)
		replies["ask "+string(step)] = render(q.Msgs...)
		if step == flows.StepReview {
			for page := 1; page < 4; page++ {
				paged := long
				paged.ReviewPage = page
				replies[fmt.Sprintf("ask review page %d", page+1)] = render(flows.Ask(step, paged, ctx).Msgs...)
			}
		}
		if q.Expect.Kind == flows.ExpectChoice || q.Expect.Kind == flows.ExpectYesNo {
			if step != flows.StepReview {
				problem := flows.M("problem.choice", "Last", q.Expect.Choices)
				switch {
				case q.Expect.Kind == flows.ExpectYesNo:
					problem = flows.M("problem.yes_no")
				case step == flows.StepLanguage:
					problem = flows.M("problem.language", "Last", q.Expect.Choices)
				}
				replies["problem+ask "+string(step)] = render(append([]flows.Msg{problem}, q.Msgs...)...)
			}
		}
		replies["back+ask "+string(step)] = render(append([]flows.Msg{flows.M("callback.back_to_request")}, q.Msgs...)...)
		// Keywords answer, then ask the question again.
		status := flows.M("reply.status", "Ref", "IP-7K3Q9D2M", "Date", flows.Date{Year: 2026, Month: 12, Day: 28},
			"Status", flows.M("status.submitted"))
		// (FitSMS leaves the question out of a text that would cost more
		// than three segments: the engine does the same.)
		for name, aside := range map[string]flows.Msg{"help": flows.M("reply.help"), "agent": flows.M("reply.agent"), "status": status,
			"case_status": flows.M("info.case_status_online")} {
			replies[name+"+ask "+string(step)] = FitSMS(render(append([]flows.Msg{aside}, q.Msgs...)...), render(aside))
		}
		// An answer to a callback offer, then back to the wizard.
		confirmed := render(bot.WindowMsg(c, "callback.confirmed", offer))
		replies["confirmed+back+ask "+string(step)] = FitSMS(confirmed+"\n"+
			render(append([]flows.Msg{flows.M("callback.back_to_request")}, q.Msgs...)...), confirmed)
	}
	for _, id := range c.IDs() {
		switch {
		case strings.HasPrefix(id, "problem."), strings.HasPrefix(id, "refer."), strings.HasPrefix(id, "reply."),
			strings.HasPrefix(id, "withdraw."), id == "info.case_status":
			replies[id] = render(flows.M(id, "Last", 13, "Ref", "IP-7K3Q9D2M", "Date", flows.Date{Year: 2026, Month: 12, Day: 28},
				"Status", flows.M("status.submitted")))
		case strings.HasPrefix(id, "callback."):
			replies[id] = render(bot.WindowMsg(c, id, offer))
		}
	}
	three := make([]flows.Msg, 3) // STATUS of a number that filed three requests
	for i := range three {
		three[i] = flows.M("reply.status", "Ref", "IP-7K3Q9D2M", "Date", flows.Date{Year: 2026, Month: 12, Day: 28},
			"Status", flows.M("status.scheduled"))
	}
	replies["status x3"] = render(three...)
	replies["done.submitted"] = render(flows.M("done.submitted", "Ref", "IP-7K3Q9D2M"))
	replies["done.bring"] = render(flows.M("done.bring"))
	replies["voice.handoff_kept"] = render(flows.M("voice.handoff_kept"))
	replies["voice.handoff_text+ask email"] = render(append([]flows.Msg{flows.M("voice.handoff_text")}, flows.Ask(flows.StepEmail, long, ctx).Msgs...)...)
	replies["start+ask who"] = render(append([]flows.Msg{flows.M("reply.start")}, flows.Ask(flows.StepWho, long, ctx).Msgs...)...)
	return replies
}

// TestEveryReplyFitsThreeSegments renders what the bot texts in every
// language and checks each fits in three SMS segments, with no character
// that turns a GSM-7 text into UCS-2 by accident.
func TestEveryReplyFitsThreeSegments(t *testing.T) {
	c, err := bot.LoadCatalog(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Languages() {
		t.Run(l.Tag, func(t *testing.T) {
			for name, text := range smsReplies(c, l.Tag) {
				if n, gsm := Segments(text); n > 3 {
					enc := "UCS-2"
					if gsm {
						enc = "GSM-7"
					}
					t.Errorf("%s costs %d segments (%s, %d characters):\n%s", name, n, enc, len([]rune(text)), text)
				}
				if i := strings.IndexAny(text, accidental); i >= 0 {
					t.Errorf("%s has %U, which forces UCS-2: use a plain character:\n%s", name, []rune(text[i:])[0], text)
				}
				if strings.Contains(text, "<no value>") || strings.Contains(text, "{{") {
					t.Errorf("%s has an unfilled argument: %s", name, text)
				}
			}
		})
	}
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
