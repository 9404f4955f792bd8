package webhooks

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"infopass/bot"
	"infopass/bot/bottest"
	"infopass/flows"
	"infopass/locales"
)

// TestKeywordRepliesFitThreeSegments checks that the engine leaves out the
// question asked again after a keyword's answer when the two together
// would cost more than three segments, and keeps it when they fit.
func TestKeywordRepliesFitThreeSegments(t *testing.T) {
	catalog, err := bot.LoadCatalog(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 19, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		turns   []string // to reach the question
		keyword string
		// whether the question comes after the keyword's answer
		reasked bool
	}{
		{"SpanishHelpAtType", []string{"Hola", "1"}, "AYUDA", false},
		{"VietnameseAgentAtType", []string{"Xin chào", "1"}, "NHÂN VIÊN", false},
		{"EnglishAgentAtADITDate", []string{"hi", "1", "1", "1"}, "AGENT", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := bot.NewEngine(bot.Config{Store: bottest.NewStore(), Catalog: catalog, Now: func() time.Time { return start }})
			sms := smsRenderer{e}
			from := "+12025550171"
			var question string
			for i, text := range tc.turns {
				_, out, err := e.Handle(context.Background(), bot.Inbound{Channel: bot.SMS, From: from, ProviderID: fmt.Sprintf("SM%d", i), Text: text}, sms)
				if err != nil {
					t.Fatal(err)
				}
				question = out.Transcript
			}
			r, out, err := e.Handle(context.Background(), bot.Inbound{Channel: bot.SMS, From: from, ProviderID: "SMkw", Text: tc.keyword}, sms)
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := Segments(out.Transcript); n > MaxSegments {
				t.Errorf("%s costs %d segments:\n%s", tc.keyword, n, out.Transcript)
			}
			if got := strings.Contains(out.Transcript, question); got != tc.reasked {
				t.Errorf("question asked again: %v, want %v\nquestion: %s\nreply: %s", got, tc.reasked, question, out.Transcript)
			}
			// The question stands: its answer is taken as before.
			if r.State == "" || r.Expect.Kind != flows.ExpectChoice && r.Expect.Kind != flows.ExpectDate {
				t.Errorf("reply waits for no answer: %+v", r)
			}
		})
	}
}
