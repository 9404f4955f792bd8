package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"infopass/bot"
	"infopass/flows"
)

// TestOverviewKeepsDays checks that the overview's counts are the same
// whether a day is counted from its requests and offers or from the counts
// kept once it is over: after an offer of a day already counted changes,
// and in another time zone.
func TestOverviewKeepsDays(t *testing.T) {
	ctx := context.Background()
	db, _ := openRaw(t)
	chicago, _ := time.LoadLocation("America/Chicago")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	// Three days in Chicago: two over, and today (t0 is 09:00 there).
	today := flows.DateOf(t0.In(chicago))
	from := time.Date(today.Year, today.Month, today.Day-2, 0, 0, 0, 0, chicago)
	to := from.AddDate(0, 0, 3)
	for i, at := range []time.Time{from.Add(2 * time.Hour), from.Add(3 * time.Hour), from.Add(26 * time.Hour), t0.Add(-time.Hour)} {
		phone := fmt.Sprintf("+120255509%02d", 50+i)
		r := file(t, db, fmt.Sprintf("IP-VIEW000%d", i), phone, at)
		offerText(t, db, r.Reference, phone, at.Add(time.Hour))
	}
	want := func(t *testing.T, zone *time.Location, from, to, now time.Time, requests map[flows.Date]int, offers map[string]int) {
		t.Helper()
		for pass := range 2 { // the first counts the days over, the second reads them
			o, err := db.Overview(ctx, from, to, zone, now)
			if err != nil {
				t.Fatal(err)
			}
			gotRequests, gotOffers := map[flows.Date]int{}, map[string]int{}
			for _, c := range o.Requests {
				gotRequests[c.Day] += c.Count
			}
			for _, c := range o.Offers {
				gotOffers[c.Day.String()+" "+c.Status] += c.Count
			}
			if fmt.Sprint(gotRequests) != fmt.Sprint(requests) || fmt.Sprint(gotOffers) != fmt.Sprint(offers) {
				t.Errorf("pass %d: requests %v, offers %v; want %v, %v", pass, gotRequests, gotOffers, requests, offers)
			}
		}
	}
	d0, d1 := today.AddDays(-2), today.AddDays(-1)
	want(t, chicago, from, to, t0, map[flows.Date]int{d0: 2, d1: 1, today: 1},
		map[string]int{d0.String() + " awaiting": 2, d1.String() + " awaiting": 1, today.String() + " awaiting": 1})

	t.Run("ChangedOfferOfADayOver", func(t *testing.T) {
		err := db.WithRequest(ctx, "IP-VIEW0000", t0, true, func(ctx context.Context, tx bot.RequestTx) error {
			offers, err := tx.Offers(ctx)
			if err != nil || len(offers) != 1 {
				return fmt.Errorf("offers %v %v", offers, err)
			}
			o := offers[0]
			o.Status, o.UpdatedAt = bot.OfferConfirmed, t0
			return tx.SaveOffer(ctx, &o)
		})
		if err != nil {
			t.Fatal(err)
		}
		want(t, chicago, from, to, t0.Add(time.Minute), map[flows.Date]int{d0: 2, d1: 1, today: 1},
			map[string]int{d0.String() + " awaiting": 1, d0.String() + " confirmed": 1, d1.String() + " awaiting": 1, today.String() + " awaiting": 1})
	})

	t.Run("AnotherZone", func(t *testing.T) {
		// In Tokyo (15 hours ahead) the four requests fall on other days.
		days := map[flows.Date]int{}
		offers := map[string]int{}
		for i, at := range []time.Time{from.Add(2 * time.Hour), from.Add(3 * time.Hour), from.Add(26 * time.Hour), t0.Add(-time.Hour)} {
			days[flows.DateOf(at.In(tokyo))]++
			status := "awaiting"
			if i == 0 {
				status = "confirmed"
			}
			offers[flows.DateOf(at.Add(time.Hour).In(tokyo)).String()+" "+status]++
		}
		start := flows.DateOf(from.In(tokyo))
		tfrom := time.Date(start.Year, start.Month, start.Day, 0, 0, 0, 0, tokyo)
		want(t, tokyo, tfrom, tfrom.AddDate(0, 0, 4), t0.Add(time.Minute), days, offers)
	})

	t.Run("PartialDays", func(t *testing.T) {
		// A period that starts and ends within days: the first request of
		// the first day is before it, today's offer (at t0) after it.
		want(t, chicago, from.Add(150*time.Minute), t0.Add(-30*time.Minute), t0, map[flows.Date]int{d0: 1, d1: 1, today: 1},
			map[string]int{d0.String() + " awaiting": 1, d0.String() + " confirmed": 1, d1.String() + " awaiting": 1})
	})
}
