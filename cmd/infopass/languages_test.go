package main

import (
	"context"
	"strings"
	"testing"

	"infopass/flows"
	"infopass/webhooks"
)

// expect is one turn of a conversation checked by where the wizard is
// afterwards, so that the script holds in any language.
type expect struct {
	send string
	step flows.Step
}

// walk sends each text and checks the conversation's step after it.
func (h *harness) walk(from string, turns []expect) string {
	h.t.Helper()
	var reply string
	for i, tr := range turns {
		reply = h.text(from, tr.send)
		c, err := h.db.OpenConversation(context.Background(), from)
		if err != nil {
			h.t.Fatalf("turn %d (%q): %v; reply:\n%s", i+1, tr.send, err, reply)
		}
		if c.Step != tr.step {
			h.t.Fatalf("turn %d: after %q the wizard is at %s, want %s; reply:\n%s", i+1, tr.send, c.Step, tr.step, reply)
		}
	}
	return reply
}

// TestSMSInOtherLanguages files a request in a language, typed as a native
// speaker would: a greeting in that language, dates in its own order and
// script, its words for yes, none and same.
func TestSMSInOtherLanguages(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		lang, from string
		turns      []expect
		yes        string
		check      func(flows.Answers) bool
	}{
		{"es", "+12025550401", []expect{
			{"Hola", flows.StepWho}, {"1", flows.StepType}, {"1", flows.StepADITDate},
			{"10/12/2026", flows.StepDays}, {"lunes y miércoles", flows.StepTimeOfDay}, {"2", flows.StepName},
			{"José Álvarez Núñez", flows.StepBirthDate}, {"7 de marzo de 1985", flows.StepResidence},
			{"10001", flows.StepBirthCountry}, {"México", flows.StepReceipt}, {"ninguno", flows.StepANumber},
			{"no tengo", flows.StepEmail}, {"jose@example.com", flows.StepPhone}, {"el mismo", flows.StepReview},
		}, "sí", func(a flows.Answers) bool {
			return a.NeededBy == (flows.Date{Year: 2026, Month: 12, Day: 10}) && a.BirthDate == (flows.Date{Year: 1985, Month: 3, Day: 7}) &&
				a.BirthCountry == "MX" && a.Name == "José Álvarez Núñez" && len(a.Days) == 2 && a.TimeOfDay == flows.Afternoon
		}},
		{"zh-Hans", "+12025550402", []expect{
			{"你好", flows.StepWho}, {"1", flows.StepType}, {"１", flows.StepADITDate},
			{"2026年12月10日", flows.StepDays}, {"星期一", flows.StepTimeOfDay}, {"1", flows.StepName},
			{"王小明", flows.StepBirthDate}, {"1985年3月7日", flows.StepResidence},
			{"10001", flows.StepBirthCountry}, {"中国", flows.StepReceipt}, {"IOE0912345678", flows.StepANumber},
			{"没有", flows.StepEmail}, {"没有", flows.StepPhone}, {"这个号码", flows.StepReview},
		}, "是", func(a flows.Answers) bool {
			return a.NeededBy == (flows.Date{Year: 2026, Month: 12, Day: 10}) && a.BirthDate == (flows.Date{Year: 1985, Month: 3, Day: 7}) &&
				a.BirthCountry == "CN" && a.Name == "王小明" && a.Receipt == "IOE0912345678"
		}},
		{"ar", "+12025550403", []expect{
			{"مرحبا", flows.StepWho}, {"١", flows.StepType}, {"١", flows.StepADITDate},
			{"١٠/١٢/٢٠٢٦", flows.StepDays}, {"الاثنين", flows.StepTimeOfDay}, {"٣", flows.StepName},
			{"محمد علي", flows.StepBirthDate}, {"٧/٣/١٩٨٥", flows.StepResidence},
			{"١٠٠٠١", flows.StepBirthCountry}, {"مصر", flows.StepReceipt}, {"لا يوجد", flows.StepANumber},
			{"A١٢٣٤٥٦٧٨", flows.StepEmail}, {"لا يوجد", flows.StepPhone}, {"نفس الرقم", flows.StepReview},
		}, "نعم", func(a flows.Answers) bool {
			return a.NeededBy == (flows.Date{Year: 2026, Month: 12, Day: 10}) && a.BirthDate == (flows.Date{Year: 1985, Month: 3, Day: 7}) &&
				a.BirthCountry == "EG" && a.ZIP == "10001" && a.ANumber == "A012345678" && a.TimeOfDay == flows.AnyTime
		}},
		{"ht", "+12025550404", []expect{
			{"Bonjou", flows.StepWho}, {"1", flows.StepType}, {"1", flows.StepADITDate},
			{"10/12/2026", flows.StepDays}, {"lendi", flows.StepTimeOfDay}, {"1", flows.StepName},
			{"Jean-Baptiste Pierre", flows.StepBirthDate}, {"7/3/1985", flows.StepResidence},
			{"33101", flows.StepBirthCountry}, {"Ayiti", flows.StepReceipt}, {"pa genyen", flows.StepANumber},
			{"pa genyen", flows.StepEmail}, {"pa genyen", flows.StepPhone}, {"menm nimewo a", flows.StepReview},
		}, "wi", func(a flows.Answers) bool {
			return a.NeededBy == (flows.Date{Year: 2026, Month: 12, Day: 10}) && a.BirthDate == (flows.Date{Year: 1985, Month: 3, Day: 7}) &&
				a.BirthCountry == "HT"
		}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			h.t = t
			h.walk(tc.from, tc.turns)
			var done string
			for range 4 {
				if done = h.text(tc.from, tc.yes); strings.Contains(done, "IP-") {
					break
				}
			}
			r := h.requests(tc.from)
			if len(r) != 1 {
				t.Fatalf("%d requests filed; last reply:\n%s", len(r), done)
			}
			if r[0].Language != tc.lang || !tc.check(r[0].Answers) {
				t.Errorf("filed in %s: %+v", r[0].Language, r[0].Answers)
			}
			if !strings.Contains(done, r[0].Reference) || !strings.Contains(done, "1-800-375-5283") {
				t.Errorf("submission reply: %s", done)
			}
		})
	}
}

// TestLanguageSwitchKeepsAnswers changes language in the middle of the
// wizard and goes on with the answers given so far.
func TestLanguageSwitchKeepsAnswers(t *testing.T) {
	h := newHarness(t)
	from := "+12025550410"
	h.walk(from, []expect{
		{"hi", flows.StepLanguage}, {"1", flows.StepWho}, {"2", flows.StepRepName}, {"Ana Pérez", flows.StepRepPhone},
		{"same", flows.StepRepEmail}, {"LANGUAGE", flows.StepLanguage},
	})
	reply := h.walk(from, []expect{{"2", flows.StepRepEmail}})
	if !strings.Contains(reply, "correo") {
		t.Errorf("the question after switching to Spanish: %s", reply)
	}
	c, _ := h.db.OpenConversation(context.Background(), from)
	if c.Answers.Rep.Name != "Ana Pérez" || c.Answers.Rep.Phone != from || c.Answers.Language != "es" {
		t.Errorf("answers after the switch: %+v", c.Answers)
	}
	// English keywords keep working in Spanish, and the Spanish ones too.
	h.walk(from, []expect{{"back", flows.StepRepPhone}, {"ATRÁS", flows.StepRepName}})
}

// TestOptOutInWords honours "stop texting me" in other words and
// languages, and confirms it, since the carrier does not.
func TestOptOutInWords(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ from, first, stop, want string }{
		{"+12025550420", "hi", "please stop texting me", "no more texts"},
		{"+12025550421", "Hola", "no más mensajes por favor", "Ya no recibirá mensajes"},
		// A first text that opts out, in the person's own words: the
		// confirmation is in their language.
		{"+12025550422", "", "no más mensajes", "Ya no recibirá mensajes"},
		{"+12025550423", "", "стоп", "Вы больше не будете получать SMS"},
		{"+12025550425", "hi", "стоп", "Вы больше не будете получать SMS"}, // at the language menu
		// A STOP word of another language than the one chosen.
		{"+12025550424", "Hola", "停止", "Ya no recibirá mensajes"},
	} {
		if tc.first != "" {
			h.text(tc.from, tc.first)
		}
		if reply := h.text(tc.from, tc.stop); !strings.Contains(reply, tc.want) {
			t.Errorf("%q: %s", tc.stop, reply)
		}
		if reply := h.text(tc.from, "1"); reply != "" {
			t.Errorf("after %q the bot still answers: %s", tc.stop, reply)
		}
	}
}

// TestFirstTextDatesAndFiling: a first text in Spanish that is not a bare
// greeting starts in Spanish and says how to change language; a travel
// date typed 03/04/2027 is echoed with the month in words at once; and the
// filing comes as two texts, the reference first, what to bring second.
func TestFirstTextDatesAndFiling(t *testing.T) {
	h := newHarness(t)
	from := "+12025550470"
	reply := h.text(from, "Hola, necesito una cita para viajar")
	if !strings.Contains(reply, "¿Usted es") && !strings.Contains(reply, "Usted es") || !strings.Contains(reply, "IDIOMA") {
		t.Fatalf("a Spanish first text got: %s", reply)
	}
	h.text(from, "1") // the applicant
	h.text(from, "2") // Emergency Advance Parole
	reply = h.text(from, "03/04/2027")
	if !strings.Contains(reply, "3 de abril de 2027") || !strings.Contains(reply, "ATRÁS") {
		t.Fatalf("the ambiguous date is not echoed in words: %s", reply)
	}
	c, err := h.db.OpenConversation(context.Background(), from)
	if err != nil || c.Answers.TravelDate != (flows.Date{Year: 2027, Month: 4, Day: 3}) || c.Step != flows.StepTravelReason {
		t.Fatalf("travel date %v at %s: %v", c.Answers.TravelDate, c.Step, err)
	}
	// An unambiguous date is not echoed.
	from2 := "+12025550471"
	h.text(from2, "Hola, necesito una cita para viajar")
	h.text(from2, "1")
	h.text(from2, "2")
	if reply := h.text(from2, "23/04/2027"); strings.Contains(reply, "ATRÁS") {
		t.Errorf("an unambiguous date was echoed: %s", reply)
	}

	// The filing, in English, is two texts of at most three segments.
	from3 := "+12025550472"
	h.play(from3, append(append(append([]step{}, untilType...), step{"1", "By what date"}, step{"12/14/2026", "weekdays"}), applicantDetails...))
	for range 2 {
		h.text(from3, "yes")
	}
	status, body := h.post("/twilio/sms", h.smsForm(from3, "yes"), true)
	doc := parseTwiML(t, body)
	if status != 200 || len(doc.Messages) != 2 {
		t.Fatalf("the filing is not two texts: %d %s", status, body)
	}
	if !strings.Contains(doc.Messages[0], "Your request number is IP-") || !strings.Contains(doc.Messages[0], "not an appointment") ||
		!strings.Contains(doc.Messages[1], "photo ID") {
		t.Errorf("filing texts: %q", doc.Messages)
	}
	for _, m := range doc.Messages {
		if n, _ := webhooks.Segments(m); n > webhooks.MaxSegments {
			t.Errorf("%d segments: %s", n, m)
		}
	}
}
