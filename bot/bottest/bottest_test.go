package bottest

import (
	"context"
	"errors"
	"testing"
	"time"

	"infopass/bot"
	"infopass/flows"
)

var now = time.Date(2026, 3, 2, 19, 0, 0, 0, time.UTC)

const phone = "+12025550101"

// sent is a reply as a channel that sends text as it is would render it.
func sent(text string) bot.Rendered { return bot.Rendered{Document: []byte(text), Transcript: text} }

func turn(t *testing.T, s *Store, fn func(context.Context, bot.Tx) error) error {
	t.Helper()
	return s.Turn(context.Background(), bot.Party{Phone: phone}, now, fn)
}

func TestStore(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		s := NewStore()
		err := turn(t, s, func(ctx context.Context, tx bot.Tx) error {
			c := &bot.Conversation{Phone: phone, Open: true, Step: flows.StepWho, Answers: flows.Answers{Language: "en"}}
			if err := tx.SaveConversation(ctx, c); err != nil {
				return err
			}
			c.Answers.Skipped = map[flows.Step]bool{flows.StepEmail: true} // not stored until saved again
			return tx.AddTurn(ctx, c.ID, bot.Message{Channel: bot.SMS, ProviderID: "SM1", Body: "hi"}, bot.Reply{State: flows.StepWho}, sent("Hello"))
		})
		if err != nil {
			t.Fatal(err)
		}
		c := s.OpenConversation(phone)
		if c == nil || c.Step != flows.StepWho || c.Answers.Skipped != nil {
			t.Fatalf("open conversation %#v", c)
		}
		err = turn(t, s, func(ctx context.Context, tx bot.Tx) error {
			r, out, found, err := tx.PriorReply(ctx, "SM1")
			if err != nil || !found || string(out.Document) != "Hello" || r.State != flows.StepWho {
				t.Errorf("PriorReply = %#v, %t, %v", r, found, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrRolledBack", func(t *testing.T) {
		s := NewStore()
		boom := errors.New("boom")
		err := turn(t, s, func(ctx context.Context, tx bot.Tx) error {
			if err := tx.SaveParticipant(ctx, bot.Participant{Phone: phone, Language: "es"}); err != nil {
				return err
			}
			if err := tx.SaveConversation(ctx, &bot.Conversation{Phone: phone, Open: true, Step: flows.StepLanguage}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Turn = %v", err)
		}
		if _, found := s.Participant(phone); found || s.OpenConversation(phone) != nil || s.Writes() != 0 {
			t.Error("a failed turn left writes behind")
		}
	})
	t.Run("ErrSecondOpenConversation", func(t *testing.T) {
		s := NewStore()
		err := turn(t, s, func(ctx context.Context, tx bot.Tx) error {
			for range 2 {
				if err := tx.SaveConversation(ctx, &bot.Conversation{Phone: phone, Open: true, Step: flows.StepLanguage}); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			t.Error("two open conversations saved")
		}
	})
	t.Run("ErrProviderIDTaken", func(t *testing.T) {
		s := NewStore()
		err := turn(t, s, func(ctx context.Context, tx bot.Tx) error {
			c := &bot.Conversation{Phone: phone, Open: true, Step: flows.StepLanguage}
			if err := tx.SaveConversation(ctx, c); err != nil {
				return err
			}
			in := bot.Message{Channel: bot.SMS, ProviderID: "SM1"}
			if err := tx.AddTurn(ctx, c.ID, in, bot.Reply{}, sent("a")); err != nil {
				return err
			}
			return tx.AddTurn(ctx, c.ID, in, bot.Reply{}, sent("b"))
		})
		if err == nil {
			t.Error("a provider id stored twice")
		}
	})
	t.Run("ErrReferenceTaken", func(t *testing.T) {
		s := NewStore()
		err := turn(t, s, func(ctx context.Context, tx bot.Tx) error {
			if err := tx.CreateRequest(ctx, &bot.Request{Reference: "IP-00000000"}); err != nil {
				return err
			}
			return tx.CreateRequest(ctx, &bot.Request{Reference: "IP-00000000"})
		})
		if !errors.Is(err, bot.ErrReferenceTaken) {
			t.Errorf("CreateRequest = %v, want ErrReferenceTaken", err)
		}
	})
}
