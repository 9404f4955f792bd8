package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"infopass/bot"
	"infopass/bot/postgres"
	"infopass/bot/postgres/localpg"
	"infopass/bot/smtpmail"
	"infopass/bot/twilioapi"
	"infopass/locales"
	"infopass/webhooks"
)

// app is the wired service: store, engine, staff service, outbox workers
// (texts, emails, calls) and HTTP handler.
type app struct {
	cfg     config
	db      *postgres.DB
	engine  *bot.Engine
	workers []*bot.Outbox // one per channel that is configured
	handler http.Handler
	log     *slog.Logger
}

// newApp wires the service. ctx bounds what it asks Twilio at start (the
// number calls come from, with a Messaging Service as TWILIO_FROM).
func newApp(ctx context.Context, cfg config, db *postgres.DB, logger *slog.Logger) (*app, error) {
	catalog, err := bot.LoadCatalog(locales.FS)
	if err != nil {
		return nil, err
	}
	bot.WarmDetector() // in the background: turns do not wait for it
	metrics := webhooks.NewMetrics()
	if store, ok := any(db).(bot.OutboxCounter); ok {
		if err := metrics.WatchOutboxDepth(store.OutboxDepth); err != nil {
			return nil, err
		}
	}
	a := &app{cfg: cfg, db: db, log: logger}
	now := cfg.now
	if now == nil {
		now = time.Now
	}
	// wake tells every worker a row is waiting: a turn or a staff action
	// may queue texts, emails and calls at once.
	wake := func() {
		for _, w := range a.workers {
			w.Wake()
		}
	}
	engine := bot.NewEngine(bot.Config{
		Store:         db,
		Catalog:       catalog,
		Now:           cfg.now,
		Zone:          cfg.Zone,
		ContactCenter: cfg.ContactCenter,
		ADITLeadDays:  cfg.ADITLeadDays,
		Regions:       cfg.AllowedRegions,
		KeypadOnly:    webhooks.KeypadOnly,
		Logger:        logger,
		OnOptOut:      metrics.OptOut,
		Wake:          wake,
	})
	a.engine = engine
	worker := func(c bot.OutboxConfig) {
		c.Store, c.Now, c.Logger, c.RetryBase, c.DailyCap = db, now, logger, cfg.retryBase, cfg.DailyTextCap
		c.Caps, c.Regions, c.OnResult, c.OnHeld = cfg.OutboundCaps, cfg.AllowedRegions, metrics.OutboxResult, metrics.OutboundHeld
		a.workers = append(a.workers, bot.NewOutbox(c))
	}
	twilio, err := twilioapi.New(twilioapi.Config{
		AccountSID: cfg.AccountSID, AuthToken: cfg.AuthToken, APIURL: cfg.APIURL, From: cfg.From,
		StatusCallback: cfg.PublicURL + "/twilio/status", PublicURL: cfg.PublicURL,
	})
	if err != nil {
		logger.Warn("outbound texts and calls are off: callback offers and notices are queued but not sent", "why", err.Error())
	} else {
		worker(bot.OutboxConfig{Channel: bot.ChannelSMS, Sender: twilio})
		// With a Messaging Service as TWILIO_FROM, this asks Twilio which
		// number of its sender pool can call; if Twilio cannot tell, calls
		// wait in the outbox until a restart finds one.
		if caller, err := twilio.ForCalls(ctx); err != nil {
			logger.Warn("outbound calls are off: availability calls are queued but not placed", "why", err.Error())
		} else {
			if caller.CallsFrom() != cfg.From {
				logger.Info("availability calls come from the Messaging Service's voice number", "from", bot.MaskPhone(caller.CallsFrom()))
			}
			worker(bot.OutboxConfig{Channel: bot.ChannelCall, Caller: caller})
		}
	}
	if cfg.SMTPURL == "" {
		logger.Warn("email is off: confirmations and notices by email are queued but not sent", "why", "SMTP_URL is not set")
	} else {
		mailer, err := smtpmail.New(smtpmail.Config{URL: cfg.SMTPURL, From: cfg.MailFrom})
		if err != nil {
			return nil, err
		}
		worker(bot.OutboxConfig{Channel: bot.ChannelEmail, Mailer: mailer})
	}
	a.handler = webhooks.New(webhooks.Config{
		Engine:    engine,
		PublicURL: cfg.PublicURL,
		AuthToken: cfg.AuthToken,
		Ready:     db.Ping,
		Staff: bot.NewStaff(db, catalog, now, wake, cfg.AllowedRegions,
			bot.WithOffices(cfg.Offices), bot.WithContactCenter(cfg.ContactCenter)),
		Calls:      bot.NewCalls(db, catalog, now, wake, logger),
		Officers:   bot.NewOfficers(db, now),
		OIDC:       cfg.OIDC,
		Deliveries: db,
		Zone:       cfg.Zone,
		Now:        now,
		Logger:     logger,
		Metrics:    metrics,

		SenderRate:     cfg.senderRate,
		SenderBurst:    cfg.senderBurst,
		AllowedRegions: cfg.AllowedRegions,
		TrustedProxies: cfg.TrustedProxies,
	})
	return a, nil
}

// serve answers HTTP on ln until ctx ends, then drains in-flight requests.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	go a.purge(ctx)
	var workers sync.WaitGroup
	for _, w := range a.workers {
		workers.Go(func() { w.Run(ctx) })
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	workers.Wait() // what is being sent, if anything, is finished
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// purge, every ten minutes, deletes partial conversations idle for 30
// days, closes the submitted requests untouched for STALE_DAYS, deletes
// the personal data of requests closed for RETENTION_DAYS and what those
// leave behind, and expires the callback offers nobody answered before
// their window. It logs counts only.
func (a *app) purge(ctx context.Context) {
	tick := time.NewTicker(10 * time.Minute)
	defer tick.Stop()
	for {
		a.purgeOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// purgeOnce is one pass of purge.
func (a *app) purgeOnce(ctx context.Context) {
	now := a.cfg.now
	if now == nil {
		now = time.Now
	}
	policy := postgres.Retention{RetentionDays: a.cfg.RetentionDays, StaleDays: a.cfg.StaleDays,
		StaleNote: fmt.Sprintf("closed by retention: no activity for %d days", a.cfg.StaleDays)}
	a.db.RetentionPass(ctx, now(), policy, func(s postgres.RetentionStep) {
		if s.Err != nil && ctx.Err() == nil {
			a.log.Error(s.Name, "err", s.Err)
		} else if s.Rows > 0 {
			a.log.Info(s.Name, "count", s.Rows)
		}
	})
}

// openDatabase connects to cfg's database, or without one starts the
// private local PostgreSQL server in its persistent directory, and seals
// with cfg's keys. close releases it.
func openDatabase(ctx context.Context, cfg config, stderr io.Writer) (db *postgres.DB, close func(), err error) {
	keys, err := cfg.keyring(stderr)
	if err != nil {
		return nil, nil, err
	}
	url := cfg.DatabaseURL
	stopServer := func() {}
	if url == "" {
		dir := localpg.DefaultDir()
		srv, err := localpg.Start(ctx, dir)
		if err != nil {
			return nil, nil, fmt.Errorf("DATABASE_URL is not set and the local PostgreSQL could not start: %w", err)
		}
		fmt.Fprintf(stderr, "DATABASE_URL is not set: using the local PostgreSQL in %s\n", srv.Dir())
		url = srv.URL("postgres")
		stopServer = func() {
			if err := srv.Stop(); err != nil {
				fmt.Fprintln(stderr, "stop local PostgreSQL:", err)
			}
		}
	}
	db, err = postgres.Open(ctx, url, keys)
	if err != nil {
		stopServer()
		return nil, nil, err
	}
	return db, func() { db.Close(); stopServer() }, nil
}

// migrateDatabase applies the migrations the database lacks and loads
// db's blind-index key. With MIGRATE_DATABASE_URL they run over a
// short-lived connection of their own, to the primary directly: tern holds
// a session-level advisory lock while it migrates, which PgBouncer's
// transaction pooling (DATABASE_URL) would leave on some server connection.
func migrateDatabase(ctx context.Context, cfg config, db *postgres.DB) error {
	if cfg.MigrateDatabaseURL == "" {
		return db.Migrate(ctx)
	}
	if cfg.DatabaseURL == "" {
		return errors.New("MIGRATE_DATABASE_URL is set but DATABASE_URL is not: set both, or neither for the local database")
	}
	direct, err := postgres.Open(ctx, cfg.MigrateDatabaseURL, db.Keys())
	if err != nil {
		return fmt.Errorf("MIGRATE_DATABASE_URL: %w", err)
	}
	defer direct.Close()
	if err := direct.Migrate(ctx); err != nil {
		return fmt.Errorf("MIGRATE_DATABASE_URL: %w", err)
	}
	return db.LoadKeys(ctx)
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return errUsage
	}
	cfg, err := readConfig(getenv)
	if err != nil {
		return err
	}
	if err := cfg.checkServe(); err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	db, closeDB, err := openDatabase(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := migrateDatabase(ctx, cfg, db); err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, db, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.ListenHost, strconv.Itoa(cfg.Port)))
	if err != nil {
		return err
	}
	logger.Info("serving", "addr", ln.Addr().String(), "public_url", cfg.PublicURL)
	return a.serve(ctx, ln)
}

// rotateKey re-seals every value under DATA_KEY, opening old ones with
// OLD_DATA_KEYS, while the service keeps running.
func rotateKey(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := readConfig(getenv)
	if err != nil {
		return err
	}
	if cfg.DataKey == nil || len(cfg.OldDataKeys) == 0 {
		return errors.New("rotate-key needs DATA_KEY (the new key) and OLD_DATA_KEYS (the keys it replaces)")
	}
	db, closeDB, err := openDatabase(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer closeDB()
	n, err := db.RotateKeys(ctx, 500)
	fmt.Fprintf(stdout, "re-sealed %d values under key %s\n", n, db.Keys().CurrentKeyID())
	return err
}

func migrate(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	return withStore(ctx, getenv, stderr, func(config, *postgres.DB) error {
		fmt.Fprintln(stdout, "migrations applied")
		return nil
	})
}
