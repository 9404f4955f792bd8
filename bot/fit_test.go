package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"infopass/bot"
	"infopass/bot/bottest"
)

// TestKeywordRepliesFitThreeSegments checks that the engine leaves out the
// question asked again after a keyword's answer when the two together
// would cost more than three segments, and keeps it when they fit.
func TestKeywordRepliesFitThreeSegments(t *testing.T) {
	catalog, err := fuzzCatalog()
	if err != nil {
		t.Fatal(err)
	}
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
			e := bot.NewEngine(bot.Config{Store: bottest.NewStore(), Catalog: catalog, Now: func() time.Time { return fuzzStart }})
			from := "+12025550171"
			var question string
			for i, text := range tc.turns {
				r, err := e.Handle(context.Background(), bot.Inbound{Channel: bot.SMS, From: from, ProviderID: fmt.Sprintf("SM%d", i), Text: text})
				if err != nil {
					t.Fatal(err)
				}
				question = r.Text
			}
			r, err := e.Handle(context.Background(), bot.Inbound{Channel: bot.SMS, From: from, ProviderID: "SMkw", Text: tc.keyword})
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := bot.Segments(r.Text); n > bot.MaxSegments {
				t.Errorf("%s costs %d segments:\n%s", tc.keyword, n, r.Text)
			}
			if got := strings.Contains(r.Text, question); got != tc.reasked {
				t.Errorf("question asked again: %v, want %v\nquestion: %s\nreply: %s", got, tc.reasked, question, r.Text)
			}
			// The question stands: its answer is taken as before.
			if r.Step == "" {
				t.Errorf("reply has no step")
			}
		})
	}
}
