package postgres

import (
	"encoding/json"
	"slices"
	"testing"

	"infopass/bot"
	"infopass/flows"
)

// TestUpgradeState reads conversations saved before the asides were
// states of the machine: each question the bot had asked outside the
// wizard becomes its aside, begun at the stored step.
func TestUpgradeState(t *testing.T) {
	for _, tc := range []struct {
		name    string
		raw     string
		step    flows.Step
		want    flows.Step
		held    bot.Held
		returns []flows.Step
		err     bool
	}{
		{"Resume", `{"answers":{"language":"en"},"pending":"resume"}`, flows.StepType, flows.StepResume, bot.Held{}, []flows.Step{flows.StepType}, false},
		{"Withdraw", `{"answers":{},"pending":"withdraw:IP-7K3Q9D2M"}`, flows.StepWho, flows.StepConfirmWithdrawal,
			bot.Held{Reference: "IP-7K3Q9D2M"}, []flows.Step{flows.StepWho}, false},
		{"BetterTimes", `{"answers":{},"pending":"better_times:42"}`, flows.StepDays, flows.StepBetterTimes,
			bot.Held{OfferID: 42}, []flows.Step{flows.StepDays}, false},
		{"ReadBack", `{"answers":{},"pending":"confirm:07211990"}`, flows.StepBirthDate, flows.StepConfirmValue,
			bot.Held{Heard: "07211990"}, []flows.Step{flows.StepBirthDate}, false},
		{"ReceiptLetters", `{"answers":{},"pending":"receipt_letters:EAC"}`, flows.StepReceipt, flows.StepReceiptDigits,
			bot.Held{Letters: "EAC"}, []flows.Step{flows.StepReceipt}, false},
		{"LanguageChange", `{"answers":{"language":"es","return_to":"name"}}`, flows.StepLanguage, flows.StepLanguage,
			bot.Held{}, []flows.Step{flows.StepName}, false},
		{"Today", `{"answers":{"returns":["type"]},"held":{"reference":"IP-7K3Q9D2M"}}`, flows.StepConfirmWithdrawal,
			flows.StepConfirmWithdrawal, bot.Held{}, nil, false},
		{"UnknownPendingIsDropped", `{"answers":{},"pending":"teleport:x"}`, flows.StepWho, flows.StepWho, bot.Held{}, []flows.Step{}, false},
		{"BadOfferIDIsDropped", `{"answers":{},"pending":"better_times:x"}`, flows.StepDays, flows.StepDays, bot.Held{}, []flows.Step{}, false},
		{"ErrNotJSON", `{`, flows.StepDays, flows.StepDays, bot.Held{}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &bot.Conversation{Step: tc.step}
			var st conversationState
			_ = jsonUnmarshal(tc.raw, &st)
			c.Answers = st.Answers
			err := upgradeState(c, []byte(tc.raw), st.Pending)
			if (err != nil) != tc.err {
				t.Fatalf("upgradeState: %v", err)
			}
			if tc.err {
				return
			}
			if c.Step != tc.want || c.Held != tc.held || tc.returns != nil && !slices.Equal(c.Answers.Returns, tc.returns) && len(tc.returns)+len(c.Answers.Returns) > 0 {
				t.Errorf("got %s %+v %v, want %s %+v %v", c.Step, c.Held, c.Answers.Returns, tc.want, tc.held, tc.returns)
			}
		})
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
