// Command scale is the Go half of scripts/bench/scale.sh, which runs it:
// it fills a database with a synthetic year of requests, measures the
// staff console and API and the background purge against it, and turns
// the figures into a table, a CSV file and plots. It is a bench, opt-in;
// neither the tests nor CI run it.
//
//	scale fill -plan FILE -requests N       fill $DATABASE_URL (sealed with $DATA_KEY)
//	scale staff -plan FILE -infopass BIN    console pages and API calls: p50, p95
//	scale purge -plan FILE -infopass BIN    turn p99 with and without the purge job
//	scale report -results FILE -csv FILE    the table of every level's figures
//	scale plot -csv FILE -out DIR           a plot of each measure against the level
//
// Figures are printed as lines "result<TAB>measure<TAB>value<TAB>unit",
// which scale.sh gathers.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"infopass/bot"
	"infopass/bot/postgres"
	"infopass/bot/vault"
	"infopass/flows"
	"infopass/locales"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: scale fill|staff|purge|report|plot [flags]")
	}
	switch args[0] {
	case "fill":
		return fill(ctx, args[1:], stdout)
	case "staff":
		return staff(ctx, args[1:], stdout)
	case "purge":
		return purge(ctx, args[1:], stdout)
	case "report":
		return report(args[1:], stdout)
	case "plot":
		return plotCSV(args[1:], stdout)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// result prints one figure for scale.sh to gather.
func result(w io.Writer, measure string, value float64, unit string) {
	fmt.Fprintf(w, "result\t%s\t%.6g\t%s\n", measure, value, unit)
}

// planFile is what fill leaves for the measurements: the plan, to find
// its requests again (postgres.FillSample).
type planFile struct {
	Requests      int       `json:"requests"`
	Now           time.Time `json:"now"`
	Seed          uint64    `json:"seed"`
	RetentionDays int       `json:"retention_days"`
	Messages      int       `json:"messages"`
	Abandoned     float64   `json:"abandoned"`
}

func (p planFile) plan(catalog *bot.Catalog) postgres.FillPlan {
	return postgres.FillPlan{Requests: p.Requests, Now: p.Now, Seed: p.Seed, RetentionDays: p.RetentionDays,
		Messages: p.Messages, Abandoned: p.Abandoned,
		Texts: func(kind, language string, o bot.CallbackOffer) string {
			switch kind {
			case bot.KindHandoff:
				return catalog.Join(language, []flows.Msg{flows.M("voice.handoff_text"), flows.M("ask.email")})
			case bot.KindReminder:
				return catalog.Text(language, bot.WindowMsg(catalog, "callback.reminder", o))
			}
			return catalog.Text(language, bot.WindowMsg(catalog, "callback.offer", o))
		},
		Notices: func(kind string, r bot.Request, ap bot.Appointment) ([]string, string) {
			return bot.NoticeBodies(catalog, contactCenter, kind, r, ap)
		}}
}

// contactCenter is the Contact Center's number as notices write it (the
// default CONTACT_CENTER_NUMBER).
const contactCenter = "1-800-375-5283"

func readPlan(file string) (planFile, error) {
	var p planFile
	raw, err := os.ReadFile(file)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("%s: %w", file, err)
	}
	return p, nil
}

// openStore opens $DATABASE_URL with $DATA_KEY, migrating it.
func openStore(ctx context.Context) (*postgres.DB, error) {
	url, key := os.Getenv("DATABASE_URL"), os.Getenv("DATA_KEY")
	if url == "" || key == "" {
		return nil, errors.New("DATABASE_URL and DATA_KEY must be set")
	}
	k, err := vault.ParseKey(key)
	if err != nil {
		return nil, fmt.Errorf("DATA_KEY: %w", err)
	}
	keys, err := vault.NewKeyring(k)
	if err != nil {
		return nil, err
	}
	db, err := postgres.Open(ctx, url, keys)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func loadCatalog() (*bot.Catalog, error) { return bot.LoadCatalog(locales.FS) }

// The officer the measurements sign in as, and how many others share the
// access log's work.
const (
	benchOfficerName  = "Scale Bench"
	benchOfficerEmail = "scale.bench@agency.gov"
	fillOfficers      = 300
)

func fill(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("fill", flag.ContinueOnError)
	planOut := fs.String("plan", "", "write the plan to this file (for staff and purge)")
	requests := fs.Int("requests", 100_000, "filed requests")
	seed := fs.Uint64("seed", 1, "seed of the synthetic data")
	retention := fs.Int("retention-days", 365, "RETENTION_DAYS")
	messages := fs.Int("messages", 10, "messages of each filing conversation")
	abandoned := fs.Float64("abandoned", 1, "conversations begun and never filed, per filed one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *planOut == "" {
		return errors.New("fill: -plan is required")
	}
	catalog, err := loadCatalog()
	if err != nil {
		return err
	}
	db, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	pf := planFile{Requests: *requests, Now: time.Now().UTC().Truncate(time.Second), Seed: *seed, RetentionDays: *retention,
		Messages: *messages, Abandoned: *abandoned}
	if err := inviteOfficers(ctx, db); err != nil {
		return err
	}
	plan := pf.plan(catalog)
	raw, _ := json.MarshalIndent(pf, "", "  ")
	if err := os.WriteFile(*planOut, raw, 0o644); err != nil {
		return err
	}
	if *requests == 0 {
		fmt.Fprintln(stdout, "fill: the empty level: nothing to write")
		result(stdout, "fill_seconds", 0, "s")
		return nil
	}
	stats, err := db.Fill(ctx, plan, func(s string) { fmt.Fprintln(stdout, "fill:", s) })
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "fill: %d requests in %s (indexes %s, analyze %s)\n", *requests, stats.Took.Round(time.Millisecond),
		stats.Indexes.Round(time.Millisecond), stats.Analyze.Round(time.Millisecond))
	for _, t := range stats.Tables {
		result(stdout, "rows_"+t.Name, float64(t.Rows), "rows")
	}
	result(stdout, "fill_seconds", stats.Took.Seconds(), "s")
	return verifyFill(ctx, db, plan)
}

// inviteOfficers invites the officers of a deployment, once: the bench's
// own supervisor and fillOfficers others.
func inviteOfficers(ctx context.Context, db *postgres.DB) error {
	if _, err := db.OfficerByEmail(ctx, benchOfficerEmail); err == nil {
		return nil
	}
	officers := bot.NewOfficers(db, time.Now)
	if _, _, err := officers.Invite(ctx, benchOfficerName, benchOfficerEmail, bot.RoleSupervisor); err != nil {
		return fmt.Errorf("invite %s: %w", benchOfficerEmail, err)
	}
	for i := range fillOfficers {
		role := bot.RoleOfficer
		if i%20 == 0 {
			role = bot.RoleSupervisor
		}
		if _, _, err := officers.Invite(ctx, fmt.Sprintf("Officer %03d", i), fmt.Sprintf("officer%03d@agency.gov", i), role); err != nil {
			return fmt.Errorf("invite officer %d: %w", i, err)
		}
	}
	return nil
}

// verifyFill reads requests of the fill back as the service does: by
// reference, and found by their blind indexes. A fill the service cannot
// read would measure nothing.
func verifyFill(ctx context.Context, db *postgres.DB, plan postgres.FillPlan) error {
	sample := postgres.FillSample(plan, 20)
	if len(sample) == 0 {
		return errors.New("fill: no request holds personal data")
	}
	for _, s := range sample {
		r, err := db.Request(ctx, s.Reference)
		if err != nil {
			return fmt.Errorf("fill: read %s back: %w", s.Reference, err)
		}
		if r.Answers.ANumber != s.ANumber || r.Phone != s.Phone || r.Status != s.Status {
			return fmt.Errorf("fill: %s reads back as %s %s %s", s.Reference, r.Answers.ANumber, bot.MaskPhone(r.Phone), r.Status)
		}
		byPhone, err := db.ListRequests(ctx, bot.RequestFilter{Phone: s.Phone, Limit: 200})
		if err != nil || !hasReference(byPhone, s.Reference) {
			return fmt.Errorf("fill: %s is not found by its phone number's blind index (%v)", s.Reference, err)
		}
		if s.ANumber != "" {
			byA, err := db.ListRequests(ctx, bot.RequestFilter{ANumber: s.ANumber, Limit: 10})
			if err != nil || !hasReference(byA, s.Reference) {
				return fmt.Errorf("fill: %s is not found by its A-Number's blind index (%v)", s.Reference, err)
			}
		}
	}
	return nil
}

func hasReference(reqs []bot.Request, ref string) bool {
	for _, r := range reqs {
		if r.Reference == ref {
			return true
		}
	}
	return false
}
