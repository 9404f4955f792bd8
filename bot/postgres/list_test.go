package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"infopass/bot"
	"infopass/flows"
)

// TestListRequestsPages checks the order of lists of requests and their
// pages: by submission, ties by id, each page starting after its cursor
// request whatever the filters, and nothing after a cursor that is no
// request.
func TestListRequestsPages(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	const phone = "+12025550170"
	file := func(ref string, typ flows.AppointmentType, lang string, at time.Time) {
		t.Helper()
		r := bot.Request{Reference: ref, Status: bot.StatusSubmitted, Type: typ, Language: lang, Channel: bot.SMS,
			Role: flows.RoleApplicant, Phone: phone, ContactPhone: phone, ZIP: "60601", SubmittedAt: at,
			Answers: flows.Answers{Role: flows.RoleApplicant, Type: typ, Name: "Jane Doe"}}
		err := db.Turn(ctx, bot.Party{Phone: phone}, at, func(ctx context.Context, tx bot.Tx) error {
			c := &bot.Conversation{Phone: phone, Step: flows.StepSubmitted, CreatedAt: at, UpdatedAt: at}
			if err := tx.SaveConversation(ctx, c); err != nil {
				return err
			}
			r.ConversationID = c.ID
			return tx.CreateRequest(ctx, &r)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Filed in this order (so ids rise), but not all in the order of
	// their times: two at the same moment, two earlier than the first.
	file("IP-BBBBBBB1", flows.TypeADIT, "en", t0)
	file("IP-BBBBBBB2", flows.TypeADIT, "es", t0.Add(-time.Hour))
	file("IP-BBBBBBB3", flows.TypeADIT, "en", t0)
	file("IP-BBBBBBB4", flows.TypeEAP, "es", t0.Add(time.Hour))
	file("IP-BBBBBBB5", flows.TypeEAP, "en", t0.Add(-2*time.Hour))

	// pages lists f a page of n at a time, following the cursors, and
	// returns the references of each page.
	pages := func(t *testing.T, f bot.RequestFilter, n int) []string {
		t.Helper()
		f.Limit = n
		var out []string
		for range 10 {
			reqs, err := db.ListRequests(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var refs []string
			for _, r := range reqs {
				refs = append(refs, strings.TrimPrefix(r.Reference, "IP-BBBBBBB"))
			}
			out = append(out, strings.Join(refs, " "))
			if len(reqs) < n {
				return out
			}
			if f.Oldest {
				f.After = reqs[len(reqs)-1].ID
			} else {
				f.Before = reqs[len(reqs)-1].ID
			}
		}
		t.Fatal("no end to the pages")
		return nil
	}
	for _, tc := range []struct {
		name string
		f    bot.RequestFilter
		n    int
		want []string
	}{
		{"NewestFirst", bot.RequestFilter{}, 2, []string{"4 3", "1 2", "5"}},
		{"OldestFirst", bot.RequestFilter{Oldest: true}, 2, []string{"5 2", "1 3", "4"}},
		{"OnePerPage", bot.RequestFilter{}, 1, []string{"4", "3", "1", "2", "5", ""}},
		{"ByType", bot.RequestFilter{Type: "adit"}, 2, []string{"3 1", "2"}},
		{"ByTypeOldestFirst", bot.RequestFilter{Type: "adit", Oldest: true}, 1, []string{"2", "1", "3", ""}},
		{"ByStatusTypeLanguage", bot.RequestFilter{Status: bot.StatusSubmitted, Type: "adit", Language: "en"}, 1, []string{"3", "1", ""}},
		{"ByPeriod", bot.RequestFilter{From: t0.Add(-90 * time.Minute), To: t0.Add(time.Minute)}, 2, []string{"3 1", "2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := pages(t, tc.f, tc.n)
			if strings.Join(got, " | ") != strings.Join(tc.want, " | ") {
				t.Errorf("pages %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("NoSuchCursor", func(t *testing.T) {
		for _, f := range []bot.RequestFilter{{Before: 1 << 40, Limit: 10}, {After: 1 << 40, Oldest: true, Limit: 10}} {
			if reqs, err := db.ListRequests(ctx, f); err != nil || len(reqs) != 0 {
				t.Errorf("after a cursor that is no request: %d requests, %v", len(reqs), err)
			}
		}
	})
}
