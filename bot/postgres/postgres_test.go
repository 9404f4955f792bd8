package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"infopass/bot"
	"infopass/bot/postgres"
	"infopass/bot/postgres/pgtest"
	"infopass/bot/vault"
	"infopass/flows"
)

// mustOpen returns a migrated store on a throwaway database.
func mustOpen(tb testing.TB) *postgres.DB {
	tb.Helper()
	db := openURL(tb, pgtest.NewDatabase(tb))
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

// openURL opens the database at url, not migrated, with a keyring of its
// own (as each replica's process has), closed at the end of the test.
func openURL(tb testing.TB, url string) *postgres.DB {
	tb.Helper()
	keys, err := vault.NewKeyring(bytes.Repeat([]byte{7}, vault.KeySize))
	if err != nil {
		tb.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), url, keys)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	return db
}

var t0 = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)

func TestMigrateTwice(t *testing.T) {
	db := mustOpen(t)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}

// TestMigrateTogether: replicas that start together migrate one fresh
// database together; tern's advisory lock makes all but one wait. (A
// migration that builds an index CONCURRENTLY deadlocks with their
// waiting: it waits for their statement, which waits for its lock.)
func TestMigrateTogether(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	errs := make(chan error, 3)
	for range 3 {
		db := openURL(t, url)
		go func() { errs <- db.Migrate(ctx) }()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("migrate: %v", err)
		}
	}
}

func TestTurn(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	const phone = "+12025550147"

	t.Run("OK", func(t *testing.T) {
		err := db.Turn(ctx, bot.Party{Phone: phone}, t0, func(ctx context.Context, tx bot.Tx) error {
			if p := tx.Participant(ctx); p.Phone != phone || p.OptedOut || p.Language != "" {
				t.Errorf("new participant: %+v", p)
			}
			c, err := tx.OpenConversation(ctx)
			if err != nil || c != nil {
				t.Fatalf("open conversation of a new number: %v, %v", c, err)
			}
			c = &bot.Conversation{Phone: phone, Open: true, Step: flows.StepWho, CreatedAt: t0, UpdatedAt: t0,
				Answers: flows.Answers{Language: "es", Name: "José"}, History: []flows.Step{flows.StepLanguage}}
			if err := tx.SaveConversation(ctx, c); err != nil {
				t.Fatal(err)
			}
			if err := tx.SaveParticipant(ctx, bot.Participant{Phone: phone, Language: "es"}); err != nil {
				t.Fatal(err)
			}
			return tx.AddTurn(ctx, c.ID, bot.Message{Direction: "in", Channel: bot.SMS, ProviderID: "SM1", Body: "hola"},
				bot.Reply{State: flows.StepWho, Expect: flows.Expect{Kind: flows.ExpectChoice, Choices: 2}},
				bot.Rendered{Document: []byte("<Response><Message>¿Es usted…?</Message></Response>"), Transcript: "¿Es usted…?"})
		})
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.OpenConversation(ctx, phone)
		if err != nil {
			t.Fatal(err)
		}
		if c.Step != flows.StepWho || c.Answers.Name != "José" || len(c.History) != 1 || !c.Open {
			t.Errorf("stored conversation: %+v", c)
		}
		err = db.Turn(ctx, bot.Party{Phone: phone}, t0, func(ctx context.Context, tx bot.Tx) error {
			reply, out, found, err := tx.PriorReply(ctx, "SM1")
			if err != nil || !found || string(out.Document) != "<Response><Message>¿Es usted…?</Message></Response>" ||
				reply.State != flows.StepWho || reply.Expect.Choices != 2 {
				t.Errorf("prior reply: %+v %v %v", reply, found, err)
			}
			if _, _, found, _ := tx.PriorReply(ctx, "SM2"); found {
				t.Error("found a reply to a message never received")
			}
			if tx.Participant(ctx).Language != "es" {
				t.Errorf("participant: %+v", tx.Participant(ctx))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("ErrorRollsBack", func(t *testing.T) {
		boom := errors.New("boom")
		err := db.Turn(ctx, bot.Party{Phone: phone}, t0, func(ctx context.Context, tx bot.Tx) error {
			c, _ := tx.OpenConversation(ctx)
			c.Step = flows.StepType
			if err := tx.SaveConversation(ctx, c); err != nil {
				t.Fatal(err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		c, _ := db.OpenConversation(ctx, phone)
		if c.Step != flows.StepWho {
			t.Errorf("step after a failed turn = %s", c.Step)
		}
	})

	t.Run("SilentReplyIsRemembered", func(t *testing.T) {
		err := db.Turn(ctx, bot.Party{Phone: phone}, t0, func(ctx context.Context, tx bot.Tx) error {
			c, _ := tx.OpenConversation(ctx)
			if err := tx.AddTurn(ctx, c.ID, bot.Message{Direction: "in", Channel: bot.SMS, ProviderID: "SM3", Body: "STOP"}, bot.Reply{Silent: true}, bot.Rendered{Document: []byte("<Response></Response>")}); err != nil {
				return err
			}
			reply, out, found, err := tx.PriorReply(ctx, "SM3")
			if !found || !reply.Silent || string(out.Document) != "<Response></Response>" || err != nil {
				t.Errorf("silent prior reply: %+v %v %v", reply, found, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("OneNumberAtATime", func(t *testing.T) {
		// Each turn reads a counter and writes it back one higher after a
		// pause; without the participant lock, turns would overwrite each
		// other.
		const n = 10
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				errs <- db.Turn(ctx, bot.Party{Phone: phone}, t0, func(ctx context.Context, tx bot.Tx) error {
					c, err := tx.OpenConversation(ctx)
					if err != nil {
						return err
					}
					time.Sleep(5 * time.Millisecond)
					c.Version++
					return tx.SaveConversation(ctx, c)
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		c, _ := db.OpenConversation(ctx, phone)
		if c.Version != n {
			t.Errorf("version = %d, want %d", c.Version, n)
		}
	})
}

func TestCreateRequest(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	const phone = "+12025550148"
	r := &bot.Request{Reference: "IP-7K3Q9D2M", Status: bot.StatusSubmitted, Type: flows.TypeADIT, Language: "en",
		Channel: bot.SMS, Role: flows.RoleApplicant, Phone: phone, ContactPhone: phone, ZIP: "10001",
		Answers: flows.Answers{Name: "Jane Doe", BirthDate: flows.Date{Year: 1990, Month: 7, Day: 21}}, SubmittedAt: t0}
	err := db.Turn(ctx, bot.Party{Phone: phone}, t0, func(ctx context.Context, tx bot.Tx) error {
		c := &bot.Conversation{Phone: phone, Step: flows.StepSubmitted, CreatedAt: t0, UpdatedAt: t0}
		if err := tx.SaveConversation(ctx, c); err != nil {
			return err
		}
		r.ConversationID = c.ID
		if err := tx.CreateRequest(ctx, r); err != nil {
			return err
		}
		again := *r
		if err := tx.CreateRequest(ctx, &again); !errors.Is(err, bot.ErrReferenceTaken) {
			t.Errorf("same reference again: %v", err)
		}
		recent, err := tx.RecentRequests(ctx, phone, 3)
		if err != nil || len(recent) != 1 || recent[0].Reference != r.Reference {
			t.Errorf("recent: %+v %v", recent, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Request(ctx, "IP-7K3Q9D2M")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == 0 || got.Answers.Name != "Jane Doe" || got.Answers.BirthDate != r.Answers.BirthDate || !got.SubmittedAt.Equal(t0) || got.ZIP != "10001" {
		t.Errorf("stored request: %+v", got)
	}
	if _, err := db.Request(ctx, "IP-00000000"); !errors.Is(err, postgres.ErrNotFound) {
		t.Errorf("unknown reference: %v", err)
	}
}

func TestDeleteIdle(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	for i, phone := range []string{"+12025550150", "+12025550151"} {
		at := t0.Add(time.Duration(i) * 40 * 24 * time.Hour)
		err := db.Turn(ctx, bot.Party{Phone: phone}, at, func(ctx context.Context, tx bot.Tx) error {
			c := &bot.Conversation{Phone: phone, Open: true, Step: flows.StepName, CreatedAt: at, UpdatedAt: at,
				Answers: flows.Answers{Name: "Partial"}}
			if err := tx.SaveConversation(ctx, c); err != nil {
				return err
			}
			return tx.AddTurn(ctx, c.ID, bot.Message{Direction: "in", Channel: bot.SMS, ProviderID: "SM" + phone, Body: "x"}, bot.Reply{Silent: true}, bot.Rendered{Document: []byte("<Response></Response>")})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.DeleteIdle(ctx, t0.Add(30*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("deleted %d, %v; want 1", n, err)
	}
	if _, err := db.OpenConversation(ctx, "+12025550150"); !errors.Is(err, postgres.ErrNotFound) {
		t.Errorf("old conversation still there: %v", err)
	}
	if msgs, _ := db.Messages(ctx, "+12025550150"); len(msgs) != 0 {
		t.Errorf("old messages still there: %d", len(msgs))
	}
	if _, err := db.OpenConversation(ctx, "+12025550151"); err != nil {
		t.Errorf("recent conversation: %v", err)
	}
}

// TestTurnUpdatesAreHOT (migrations/004_hot_turns.sql): a turn in the
// middle of the wizard changes these columns of its conversation and no
// indexed one, so that PostgreSQL can update the row in place (HOT) without
// a new entry in every index; open and closed_at change only when the
// conversation ends.
func TestTurnUpdatesAreHOT(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	if err := openURL(t, url).Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	rows, err := conn.Query(ctx, `
		SELECT a.attname, i.indexrelid::regclass::text
		FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
		WHERE i.indrelid = 'conversations'::regclass AND a.attnum > 0 AND NOT a.attisdropped
			AND (a.attnum = ANY(i.indkey)
				OR pg_get_expr(i.indexprs, i.indrelid) ~ ('\m' || a.attname || '\M')
				OR pg_get_expr(i.indpred, i.indrelid) ~ ('\m' || a.attname || '\M'))`)
	if err != nil {
		t.Fatal(err)
	}
	indexed := map[string][]string{}
	for rows.Next() {
		var column, index string
		if err := rows.Scan(&column, &index); err != nil {
			t.Fatal(err)
		}
		indexed[column] = append(indexed[column], index)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(indexed) == 0 {
		t.Fatal("no indexed column found in conversations: the query is wrong")
	}
	for _, column := range []string{"step", "state", "history", "invalid_count", "channel", "version", "updated_at"} {
		if ix := indexed[column]; len(ix) > 0 {
			t.Errorf("column %s, which every turn changes, is in index %v: turns cannot update in place", column, ix)
		}
	}
	var options []string
	if err := conn.QueryRow(ctx, `SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = 'conversations'::regclass`).Scan(&options); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(options, "fillfactor=50") {
		t.Errorf("conversations options %v: want fillfactor=50, room on each page for a turn's update", options)
	}

}
