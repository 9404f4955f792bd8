package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"infopass/bot"
	"infopass/bot/postgres"
	"infopass/flows"
)

// TestTurnPipeline checks what batching a turn's statements must not
// change: a turn reads its own writes, a write that fails when the turn
// ends rolls the whole turn back, and neither an error nor a panic keeps
// a connection.
func TestTurnPipeline(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	const phone = "+12025550161"
	err := db.Turn(ctx, bot.Party{Phone: phone}, t0, func(ctx context.Context, tx bot.Tx) error {
		c := &bot.Conversation{Phone: phone, Open: true, Step: flows.StepWho, CreatedAt: t0, UpdatedAt: t0,
			Answers: flows.Answers{Language: "en"}}
		if err := tx.SaveConversation(ctx, c); err != nil {
			return err
		}
		return tx.AddTurn(ctx, c.ID, bot.Message{Direction: "in", Channel: bot.SMS, ProviderID: "SMfirst", Body: "hi"}, bot.Reply{}, sent("Are you"))
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("ReadsItsWrites", func(t *testing.T) {
		c, err := db.OpenConversation(ctx, phone)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Turn(ctx, bot.Party{Phone: phone}, t0, func(ctx context.Context, tx bot.Tx) error {
			// The first call reads ahead the open conversation, which the
			// save below changes.
			if reply, _, found, err := tx.PriorReply(ctx, "SMsecond"); err != nil || found {
				t.Errorf("prior reply of a new message: %+v %v %v", reply, found, err)
			}
			c.Step, c.Answers.Name = flows.StepType, "Jane"
			if err := tx.SaveConversation(ctx, c); err != nil {
				return err
			}
			if err := tx.SaveParticipant(ctx, bot.Participant{Phone: phone, Language: "es"}); err != nil {
				return err
			}
			again, err := tx.OpenConversation(ctx)
			if err != nil || again.Step != flows.StepType || again.Answers.Name != "Jane" {
				t.Errorf("conversation after saving it: %+v %v", again, err)
			}
			if p := tx.Participant(ctx); p.Language != "es" {
				t.Errorf("participant after saving it: %+v", p)
			}
			if err := tx.AddTurn(ctx, c.ID, bot.Message{Direction: "in", Channel: bot.SMS, ProviderID: "SMsecond", Body: "1"}, bot.Reply{}, sent("What")); err != nil {
				return err
			}
			if reply, out, found, err := tx.PriorReply(ctx, "SMsecond"); err != nil || !found || string(out.Document) != "What" {
				t.Errorf("prior reply after storing it: %+v %v %v", reply, found, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if p, err := db.Participant(ctx, phone); err != nil || p.Language != "es" {
			t.Errorf("stored participant: %+v %v", p, err)
		}
	})

	t.Run("ErrFailedWriteRollsBack", func(t *testing.T) {
		// The inbound message repeats a MessageSid: its insert, sent with
		// the commit, fails, and nothing of the turn stays.
		err := db.Turn(ctx, bot.Party{Phone: phone}, t0.Add(time.Minute), func(ctx context.Context, tx bot.Tx) error {
			c, err := tx.OpenConversation(ctx)
			if err != nil {
				return err
			}
			c.Step = flows.StepName
			if err := tx.SaveConversation(ctx, c); err != nil {
				return err
			}
			if err := tx.SaveParticipant(ctx, bot.Participant{Phone: phone, Language: "fr"}); err != nil {
				return err
			}
			return tx.AddTurn(ctx, c.ID, bot.Message{Direction: "in", Channel: bot.SMS, ProviderID: "SMfirst", Body: "again"}, bot.Reply{}, sent("x"))
		})
		if err == nil {
			t.Fatal("a turn that repeats a MessageSid was committed")
		}
		c, err := db.OpenConversation(ctx, phone)
		if err != nil || c.Step != flows.StepType {
			t.Errorf("conversation after a failed turn: %+v %v", c, err)
		}
		if p, err := db.Participant(ctx, phone); err != nil || p.Language != "es" {
			t.Errorf("participant after a failed turn: %+v %v", p, err)
		}
		msgs, err := db.Messages(ctx, phone)
		if err != nil || len(msgs) != 4 {
			t.Errorf("messages after a failed turn: %d %v", len(msgs), err)
		}
	})

	t.Run("ErrorsAndPanicsFreeTheConnection", func(t *testing.T) {
		boom := errors.New("boom")
		for i := range 2 * postgres.DefaultMaxConns {
			func() {
				defer func() { _ = recover() }()
				_ = db.Turn(ctx, bot.Party{Phone: phone}, t0, func(ctx context.Context, tx bot.Tx) error {
					c, err := tx.OpenConversation(ctx)
					if err != nil {
						return err
					}
					c.Step = flows.StepDays
					if err := tx.SaveConversation(ctx, c); err != nil {
						return err
					}
					if i%2 == 0 {
						panic("in the middle of a turn")
					}
					return boom
				})
			}()
		}
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		err := db.Turn(ctx, bot.Party{Phone: phone}, t0, func(ctx context.Context, tx bot.Tx) error {
			c, err := tx.OpenConversation(ctx)
			if err != nil {
				return err
			}
			if c.Step != flows.StepType {
				t.Errorf("step after failed turns = %s", c.Step)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("a turn after failed ones: %v", err)
		}
	})

	t.Run("OffersReadAheadAreForgottenAfterAWrite", func(t *testing.T) {
		var (
			reqID int64
			offer bot.CallbackOffer
		)
		err := db.Turn(ctx, bot.Party{Phone: phone}, t0, func(ctx context.Context, tx bot.Tx) error {
			c, err := tx.OpenConversation(ctx)
			if err != nil {
				return err
			}
			r := &bot.Request{Reference: "IP-P1PE11NE", Status: bot.StatusSubmitted, Type: flows.TypeADIT, Language: "en",
				Channel: bot.SMS, Role: flows.RoleApplicant, Phone: phone, ContactPhone: phone, ConversationID: c.ID, SubmittedAt: t0}
			if err := tx.CreateRequest(ctx, r); err != nil {
				return err
			}
			reqID = r.ID
			offer = bot.CallbackOffer{RequestID: r.ID, Start: t0.Add(48 * time.Hour), End: t0.Add(50 * time.Hour),
				Zone: "America/New_York", Status: bot.OfferAwaiting, ContactPhone: phone, ContactRole: "applicant", CreatedAt: t0, UpdatedAt: t0}
			return tx.SaveOffer(ctx, &offer)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Turn(ctx, bot.Party{Phone: phone}, t0, func(ctx context.Context, tx bot.Tx) error {
			offers, err := tx.ContactOffers(ctx)
			if err != nil || len(offers) != 1 || offers[0].RequestID != reqID || offers[0].Reference != "IP-P1PE11NE" {
				return fmt.Errorf("offers awaiting an answer: %+v %v", offers, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Turn(ctx, bot.Party{Phone: phone}, t0, func(ctx context.Context, tx bot.Tx) error {
			// The first call reads ahead the offer, which the save below
			// answers.
			tx.Participant(ctx)
			offer.Status = bot.OfferConfirmed
			if err := tx.SaveOffer(ctx, &offer); err != nil {
				return err
			}
			if offers, err := tx.ContactOffers(ctx); err != nil || len(offers) != 0 {
				return fmt.Errorf("offers after the answer: %+v %v", offers, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// sent is a reply as a channel that sends text as it is would render it.
func sent(text string) bot.Rendered { return bot.Rendered{Document: []byte(text), Transcript: text} }
