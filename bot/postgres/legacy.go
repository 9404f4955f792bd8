package postgres

import (
	"encoding/json"
	"strconv"
	"strings"

	"infopass/bot"
	"infopass/flows"
)

// upgradeState turns the state of a conversation saved before the asides
// became states of the machine into today's form: the question the bot
// had asked outside the wizard ("pending") becomes that aside's state,
// begun at the stored step, and a language change's way back
// (answers.return_to) the first place to return to. A question it cannot
// read is dropped: the conversation goes on at its step, which asks again.
func upgradeState(c *bot.Conversation, raw []byte, pending string) error {
	if len(raw) == 0 {
		return nil
	}
	var legacy struct {
		Answers struct {
			ReturnTo flows.Step `json:"return_to"`
		} `json:"answers"`
	}
	if err := json.Unmarshal(raw, &legacy); err != nil {
		return err
	}
	if r := legacy.Answers.ReturnTo; r != "" && len(c.Answers.Returns) == 0 {
		c.Answers.Returns = []flows.Step{r}
	}
	if pending == "" {
		return nil
	}
	kind, value, _ := strings.Cut(pending, ":")
	aside := map[string]flows.Step{
		"resume":          flows.StepResume,
		"withdraw":        flows.StepConfirmWithdrawal,
		"better_times":    flows.StepBetterTimes,
		"confirm":         flows.StepConfirmValue,
		"receipt_letters": flows.StepReceiptDigits,
	}[kind]
	if aside == "" {
		return nil
	}
	switch aside {
	case flows.StepConfirmWithdrawal:
		c.Held.Reference = value
	case flows.StepBetterTimes:
		id, err := strconv.ParseInt(value, 10, 64)
		if err != nil || id < 1 {
			return nil
		}
		c.Held.OfferID = id
	case flows.StepConfirmValue:
		c.Held.Heard = value
	case flows.StepReceiptDigits:
		c.Held.Letters = value
	}
	c.Answers.Returns = append(c.Answers.Returns, c.Step)
	c.Step = aside
	return nil
}
