package postgres_test

import (
	"context"
	"testing"
	"time"

	"infopass/bot"
	"infopass/flows"
)

func TestConsoleStore(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	const phone = "+12025550160"
	file := func(ref string, typ flows.AppointmentType, lang string, at time.Time, turns ...string) bot.Request {
		t.Helper()
		r := bot.Request{Reference: ref, Status: bot.StatusSubmitted, Type: typ, Language: lang, Channel: bot.SMS,
			Role: flows.RoleApplicant, Phone: phone, ContactPhone: phone, ZIP: "60601", SubmittedAt: at,
			Answers: flows.Answers{Role: flows.RoleApplicant, Type: typ, Name: "Jane Doe"}}
		err := db.Turn(ctx, bot.Party{Phone: phone}, at, func(ctx context.Context, tx bot.Tx) error {
			c := &bot.Conversation{Phone: phone, Step: flows.StepSubmitted, CreatedAt: at, UpdatedAt: at}
			if err := tx.SaveConversation(ctx, c); err != nil {
				return err
			}
			for _, text := range turns {
				if err := tx.AddTurn(ctx, c.ID, bot.Message{Direction: "in", Channel: bot.SMS, ProviderID: ref + text, Body: text},
					bot.Reply{}, sent("reply "+text)); err != nil {
					return err
				}
			}
			r.ConversationID = c.ID
			return tx.CreateRequest(ctx, &r)
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := file("IP-AAAAAAA1", flows.TypeADIT, "en", t0, "hi", "yes")
	file("IP-AAAAAAA2", flows.TypeEAP, "es", t0.Add(time.Hour))
	file("IP-AAAAAAA3", flows.TypeADIT, "es", t0.Add(-40*24*time.Hour))

	t.Run("OldestFirst", func(t *testing.T) {
		// In the order of submission: the third was filed 40 days before
		// the others.
		reqs, err := db.ListRequests(ctx, bot.RequestFilter{Oldest: true, Limit: 2})
		if err != nil || len(reqs) != 2 || reqs[0].Reference != "IP-AAAAAAA3" || reqs[1].Reference != "IP-AAAAAAA1" {
			t.Fatalf("oldest first: %v %v", reqs, err)
		}
		reqs, err = db.ListRequests(ctx, bot.RequestFilter{Oldest: true, After: reqs[1].ID, Limit: 2})
		if err != nil || len(reqs) != 1 || reqs[0].Reference != "IP-AAAAAAA2" {
			t.Errorf("after the cursor: %v %v", reqs, err)
		}
	})

	lee := bot.Officer{Name: "Officer Lee", Email: "lee@agency.gov", Role: bot.RoleOfficer, CreatedAt: t0}
	if err := db.CreateOfficer(ctx, &lee); err != nil {
		t.Fatal(err)
	}
	lee.Session = "S1"
	who := bot.Actor{Officer: lee}
	t.Run("HistoryAndAccess", func(t *testing.T) {
		later := t0.Add(2 * time.Hour)
		err := db.WithRequest(ctx, first.Reference, later, true, func(ctx context.Context, tx bot.RequestTx) error {
			o := bot.CallbackOffer{RequestID: first.ID, Start: t0.Add(72 * time.Hour), End: t0.Add(74 * time.Hour), Zone: "America/Chicago",
				Status: bot.OfferAwaiting, ContactPhone: phone, ContactRole: "applicant", MessageStatus: bot.MsgQueued, CreatedAt: later, UpdatedAt: later}
			if err := tx.SaveOffer(ctx, &o); err != nil {
				return err
			}
			if err := tx.Enqueue(ctx, &bot.OutboxMessage{Kind: bot.KindOffer, OfferID: o.ID, To: phone, SendAfter: later, Body: "Can you take the call?"}); err != nil {
				return err
			}
			return tx.RecordAccess(ctx, who, bot.AccessOffer)
		})
		if err != nil {
			t.Fatal(err)
		}
		// The contact answers in a new conversation; the turn's time is the
		// offer's answered_at.
		answered := t0.Add(3 * time.Hour)
		err = db.Turn(ctx, bot.Party{Phone: phone}, answered, func(ctx context.Context, tx bot.Tx) error {
			c := &bot.Conversation{Phone: phone, Open: true, Step: flows.StepWho, CreatedAt: answered, UpdatedAt: answered}
			if err := tx.SaveConversation(ctx, c); err != nil {
				return err
			}
			offers, err := tx.ContactOffers(ctx)
			if err != nil || len(offers) != 1 {
				t.Fatalf("contact offers: %v %v", offers, err)
			}
			o := offers[0]
			o.Status, o.AnsweredAt, o.UpdatedAt = bot.OfferConfirmed, &answered, answered
			if err := tx.SaveOffer(ctx, &o); err != nil {
				return err
			}
			return tx.AddTurn(ctx, c.ID, bot.Message{Direction: "in", Channel: bot.SMS, ProviderID: "SMyes", Body: "YES"}, bot.Reply{}, sent("An officer will call you"))
		})
		if err != nil {
			t.Fatal(err)
		}
		var history []bot.HistoryMessage
		err = db.WithRequest(ctx, first.Reference, answered, false, func(ctx context.Context, tx bot.RequestTx) error {
			var err error
			history, err = tx.History(ctx)
			if err != nil {
				return err
			}
			return tx.RecordAccess(ctx, who, bot.AccessView)
		})
		if err != nil {
			t.Fatal(err)
		}
		var bodies []string
		for _, m := range history {
			bodies = append(bodies, m.Direction+":"+m.Body)
		}
		want := []string{"in:hi", "out:reply hi", "in:yes", "out:reply yes", "out:Can you take the call?", "in:YES", "out:An officer will call you"}
		if len(bodies) != len(want) {
			t.Fatalf("history %q, want %q", bodies, want)
		}
		for i := range want {
			if bodies[i] != want[i] {
				t.Errorf("history %q, want %q", bodies, want)
				break
			}
		}
		if history[4].Kind != bot.KindOffer || history[4].Status != bot.MsgQueued {
			t.Errorf("offer text: %+v", history[4])
		}
		log, err := db.AccessLog(ctx, first.Reference)
		if err != nil || len(log) != 2 || log[0].Action != bot.AccessOffer || log[1].Action != bot.AccessView ||
			log[1].Actor.Officer.ID != lee.ID || log[1].Actor.Officer.Name != "Officer Lee" || log[1].Actor.Officer.Session != "S1" ||
			!log[1].At.Equal(answered) {
			t.Errorf("access log: %+v %v", log, err)
		}
	})

	t.Run("RecordAccessRollsBack", func(t *testing.T) {
		_ = db.WithRequest(ctx, first.Reference, t0, true, func(ctx context.Context, tx bot.RequestTx) error {
			if err := tx.RecordAccess(ctx, who, bot.AccessStatus); err != nil {
				return err
			}
			return bot.ValidationError{{Field: "x", Message: "fails"}}
		})
		if log, _ := db.AccessLog(ctx, first.Reference); len(log) != 2 {
			t.Errorf("a failed action left %d audit lines, want 2", len(log))
		}
	})

	t.Run("ActorsOfChangesAndSearches", func(t *testing.T) {
		client := bot.Actor{Client: "crm-sync"}
		for _, w := range []bot.Actor{who, client} {
			err := db.WithRequest(ctx, first.Reference, t0.Add(4*time.Hour), true, func(ctx context.Context, tx bot.RequestTx) error {
				return tx.SetStatus(ctx, bot.StatusScheduled, "booked", w)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		var events []bot.RequestEvent
		_ = db.WithRequest(ctx, first.Reference, t0, false, func(ctx context.Context, tx bot.RequestTx) error {
			var err error
			events, err = tx.Events(ctx)
			return err
		})
		if len(events) != 2 || events[0].Actor != "Officer Lee" || events[1].Actor != "API client crm-sync" {
			t.Errorf("status events: %+v", events)
		}
		second, _ := db.ListRequests(ctx, bot.RequestFilter{Type: "eap", Limit: 1})
		at := t0.Add(5 * time.Hour)
		if err := db.RecordAccess(ctx, client, []bot.Request{first, second[0]}, bot.AccessSearch, at); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordAccess(ctx, who, nil, bot.AccessExport, at); err != nil {
			t.Fatal(err)
		}
		log, err := db.AccessBetween(ctx, at, at.Add(time.Second))
		if err != nil || len(log) != 3 {
			t.Fatalf("access between: %+v %v", log, err)
		}
		if log[0].Reference != first.Reference || log[0].Actor.Client != "crm-sync" || log[0].Action != bot.AccessSearch ||
			log[1].Reference != "IP-AAAAAAA2" || log[2].Reference != "" || log[2].Action != bot.AccessExport || log[2].Actor.Officer.ID != lee.ID {
			t.Errorf("access between: %+v", log)
		}
	})

	t.Run("ViewsTakeNoLock", func(t *testing.T) {
		locked, release := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- db.WithRequest(ctx, first.Reference, t0, true, func(ctx context.Context, tx bot.RequestTx) error {
				close(locked)
				<-release
				return nil
			})
		}()
		<-locked
		viewCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := db.WithRequest(viewCtx, first.Reference, t0, false, func(ctx context.Context, tx bot.RequestTx) error {
			_, err := tx.Offers(ctx)
			return err
		})
		cancel()
		close(release)
		if err != nil {
			t.Errorf("a view waited on a change's lock: %v", err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Overview", func(t *testing.T) {
		chicago, _ := time.LoadLocation("America/Chicago")
		o, err := db.Overview(ctx, t0.Add(-24*time.Hour), t0.Add(24*time.Hour), chicago, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		day := flows.DateOf(t0.In(chicago))
		if len(o.Requests) != 2 || o.Requests[0] != (bot.RequestCount{Day: day, Type: flows.TypeADIT, Language: "en", Count: 1}) ||
			o.Requests[1] != (bot.RequestCount{Day: day, Type: flows.TypeEAP, Language: "es", Count: 1}) {
			t.Errorf("request counts: %+v", o.Requests)
		}
		if len(o.Offers) != 1 || o.Offers[0] != (bot.OfferCount{Day: day, Status: bot.OfferConfirmed, Count: 1}) {
			t.Errorf("offer counts: %+v", o.Offers)
		}
	})
}

// TestEndedSessions: a signed-out staff session stays ended for every
// replica until it would have expired, and is forgotten after.
func TestEndedSessions(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	ended := func(id string) bool {
		t.Helper()
		ok, err := db.SessionEnded(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if ended("a") {
		t.Error("a session never signed out has ended")
	}
	for range 2 { // signing out twice is signing out
		if err := db.EndSession(ctx, "a", t0.Add(8*time.Hour), t0); err != nil {
			t.Fatal(err)
		}
	}
	if !ended("a") || ended("b") {
		t.Errorf("after signing out a: a ended %v, b ended %v", ended("a"), ended("b"))
	}
	if err := db.EndSession(ctx, "b", t0.Add(17*time.Hour), t0.Add(9*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ended("a") || !ended("b") {
		t.Errorf("9 hours on: a (expired) ended %v, b ended %v", ended("a"), ended("b"))
	}
}
