package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"infopass/bot"
	"infopass/bot/postgres"
	"infopass/webhooks/console"
)

// parseInterspersed parses fs's flags wherever they stand among args
// ("invite NAME EMAIL -role supervisor") and returns the other arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// withStore opens and migrates the database of the environment's
// configuration and runs fn on it.
func withStore(ctx context.Context, getenv func(string) string, stderr io.Writer, fn func(cfg config, db *postgres.DB) error) error {
	cfg, err := readConfig(getenv)
	if err != nil {
		return err
	}
	db, closeDB, err := openDatabase(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := migrateDatabase(ctx, cfg, db); err != nil {
		return err
	}
	return fn(cfg, db)
}

const officerUsage = `usage: infopass officer invite NAME EMAIL [-role supervisor]
       infopass officer list
       infopass officer disable EMAIL`

// officerCommand: infopass officer invite|list|disable.
func officerCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(officerUsage)
	}
	fs := flag.NewFlagSet("officer "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	role := fs.String("role", bot.RoleOfficer, "officer or supervisor")
	rest, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return errors.New(officerUsage)
	}
	switch {
	case args[0] == "invite" && len(rest) == 2:
		return withStore(ctx, getenv, stderr, func(cfg config, db *postgres.DB) error {
			o, token, err := bot.NewOfficers(db, cfg.now).Invite(ctx, rest[0], rest[1], *role)
			if err != nil {
				return fmt.Errorf("invite: %w", err)
			}
			base := cfg.PublicURL
			if base == "" {
				base = "http://127.0.0.1:" + strconv.Itoa(cfg.Port)
				fmt.Fprintf(stderr, "PUBLIC_URL is not set: the link is for a local try at %s\n", base)
			}
			fmt.Fprintf(stdout, "invited %s (%s) as %s; their one-time enrollment link, valid for %d hours:\n", o.Name, o.Email, o.Role, int(bot.InviteTTL.Hours()))
			fmt.Fprintln(stdout, console.EnrollURL(base, token))
			return nil
		})
	case args[0] == "list" && len(rest) == 0:
		return withStore(ctx, getenv, stderr, func(cfg config, db *postgres.DB) error {
			list, err := bot.NewOfficers(db, cfg.now).List(ctx)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tEMAIL\tROLE\tINVITED\tDISABLED")
			for _, o := range list {
				disabled := ""
				if o.DisabledAt != nil {
					disabled = o.DisabledAt.UTC().Format(time.DateOnly)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", o.Name, o.Email, o.Role, o.CreatedAt.UTC().Format(time.DateOnly), disabled)
			}
			return w.Flush()
		})
	case args[0] == "disable" && len(rest) == 1:
		return withStore(ctx, getenv, stderr, func(cfg config, db *postgres.DB) error {
			o, err := bot.NewOfficers(db, cfg.now).Disable(ctx, rest[0])
			if errors.Is(err, bot.ErrNotFound) {
				return fmt.Errorf("no officer has the email %s", rest[0])
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "disabled %s: their sessions end at their next page\n", o.Email)
			return nil
		})
	}
	return errors.New(officerUsage)
}

const apiTokenUsage = `usage: infopass api-token create NAME [-expires 90d]
       infopass api-token list
       infopass api-token revoke NAME`

// apiTokenCommand: infopass api-token create|list|revoke.
func apiTokenCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(apiTokenUsage)
	}
	fs := flag.NewFlagSet("api-token "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	expires := fs.String("expires", "90d", "how long the token works: 90d, 12h, or never")
	rest, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return errors.New(apiTokenUsage)
	}
	switch {
	case args[0] == "create" && len(rest) == 1:
		ttl, err := bot.ParseTTL(*expires)
		if err != nil {
			return fmt.Errorf("-expires: %w", err)
		}
		return withStore(ctx, getenv, stderr, func(cfg config, db *postgres.DB) error {
			token, c, err := bot.NewOfficers(db, cfg.now).CreateAPIToken(ctx, rest[0], ttl)
			if errors.Is(err, bot.ErrExists) {
				return fmt.Errorf("the API client %s has a live token: revoke it first (infopass api-token revoke %s)", rest[0], rest[0])
			}
			if err != nil {
				return err
			}
			until := "until revoked"
			if c.ExpiresAt != nil {
				until = "until " + c.ExpiresAt.UTC().Format(time.RFC3339)
			}
			// The token is the last line, alone, for scripts: tail -n 1.
			fmt.Fprintf(stdout, "token of API client %s, valid %s; it is shown once, only its hash is kept:\n", c.Name, until)
			fmt.Fprintln(stdout, token)
			return nil
		})
	case args[0] == "list" && len(rest) == 0:
		return withStore(ctx, getenv, stderr, func(cfg config, db *postgres.DB) error {
			list, err := bot.NewOfficers(db, cfg.now).APIClients(ctx)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tCREATED\tEXPIRES\tREVOKED")
			day := func(t *time.Time, none string) string {
				if t == nil {
					return none
				}
				return t.UTC().Format(time.DateOnly)
			}
			for _, c := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", c.Name, c.CreatedAt.UTC().Format(time.DateOnly), day(c.ExpiresAt, "never"), day(c.RevokedAt, ""))
			}
			return w.Flush()
		})
	case args[0] == "revoke" && len(rest) == 1:
		return withStore(ctx, getenv, stderr, func(cfg config, db *postgres.DB) error {
			err := bot.NewOfficers(db, cfg.now).RevokeAPIToken(ctx, rest[0])
			if errors.Is(err, bot.ErrNotFound) {
				return fmt.Errorf("no API client %s has a live token", rest[0])
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "revoked the token of API client %s\n", rest[0])
			return nil
		})
	}
	return errors.New(apiTokenUsage)
}

// rotateSessionKey makes a new console session key: every officer is
// signed out, on every replica, at their next page.
func rotateSessionKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return errUsage
	}
	return withStore(ctx, getenv, stderr, func(cfg config, db *postgres.DB) error {
		gen, err := db.RotateSessionKey(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "session key %d is current: every officer signs in again\n", gen)
		return nil
	})
}
