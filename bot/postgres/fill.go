package postgres

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"infopass/bot"
)

// Fill writes a synthetic deployment into the database for the scale
// bench (scripts/bench/scale.sh): plan.Requests filed requests over a year
// of national volume with their conversations, messages, callback offers,
// texts, status history and access log, the partial conversations of the
// last 30 days, and their participants. The service never calls it.
//
// Every sealed value is sealed as the service seals it (bot/vault, bound to
// its table, column and row) from a plaintext of the real shape and size,
// and every blind index is real, so that indexes and TOAST behave as in
// production. The plaintexts of messages come from a filed conversation
// already in the database: run `infopass bench` on it first (scale.sh
// does). Fill replaces whatever else those tables hold; officers stay and
// do the access log's work.
//
// It loads the tables with COPY … FREEZE in one transaction, with their
// secondary indexes dropped and built again at the end, and foreign keys
// not checked row by row (session_replication_role = replica, which needs
// a superuser): the rows it writes are consistent by construction.
func (db *DB) Fill(ctx context.Context, plan FillPlan, progress func(string)) (FillStats, error) {
	if progress == nil {
		progress = func(string) {}
	}
	var stats FillStats
	if err := plan.check(); err != nil {
		return stats, err
	}
	tmpl, err := db.fillTemplate(ctx)
	if err != nil {
		return stats, err
	}
	officers, err := db.officerIDs(ctx)
	if err != nil {
		return stats, err
	}
	g := newFillGen(plan, db.keys, tmpl, officers)

	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return stats, fmt.Errorf("fill: %w", err)
	}
	defer conn.Release()
	began := time.Now()
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for _, set := range []string{
			"SET LOCAL session_replication_role = replica",
			"SET LOCAL statement_timeout = 0",
			"SET LOCAL lock_timeout = 0",
			"SET LOCAL idle_in_transaction_session_timeout = 0",
			"SET LOCAL synchronous_commit = off",
			"SET LOCAL maintenance_work_mem = '512MB'",
		} {
			if _, err := tx.Exec(ctx, set); err != nil {
				return fmt.Errorf("fill: %s (a superuser may fill): %w", set, err)
			}
		}
		tables := g.tables()
		names := make([]string, len(tables))
		for i, t := range tables {
			names[i] = t.name
		}
		// Indexes that back no constraint are built again after the load,
		// from their own definitions: a sort beats a row at a time.
		rows, err := tx.Query(ctx, `
			SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
			JOIN pg_class t ON t.oid = i.indrelid
			WHERE t.relname = ANY($1) AND t.relnamespace = 'public'::regnamespace
				AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
			ORDER BY 1`, names)
		if err != nil {
			return fmt.Errorf("fill: list indexes: %w", err)
		}
		type index struct{ name, def string }
		indexes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index, error) {
			var x index
			err := r.Scan(&x.name, &x.def)
			return x, err
		})
		if err != nil {
			return fmt.Errorf("fill: list indexes: %w", err)
		}
		// TRUNCATE in this transaction is what lets COPY write frozen rows:
		// no vacuum has to visit them before the measurements.
		if _, err := tx.Exec(ctx, `TRUNCATE `+strings.Join(names, ", ")+` CASCADE`); err != nil {
			return fmt.Errorf("fill: truncate: %w", err)
		}
		for _, x := range indexes {
			if _, err := tx.Exec(ctx, `DROP INDEX `+x.name); err != nil {
				return fmt.Errorf("fill: drop index %s: %w", x.name, err)
			}
		}
		for _, t := range tables {
			start := time.Now()
			n, err := copyRows(ctx, tx.Conn().PgConn(), t.name, t.columns, t.rows)
			if err != nil {
				return fmt.Errorf("fill %s: %w", t.name, err)
			}
			stats.Tables = append(stats.Tables, FillTable{Name: t.name, Rows: n, Took: time.Since(start)})
			progress(fmt.Sprintf("%-16s %10d rows in %s", t.name, n, time.Since(start).Round(time.Millisecond)))
		}
		start := time.Now()
		for _, x := range indexes {
			if _, err := tx.Exec(ctx, x.def); err != nil {
				return fmt.Errorf("fill: build index %s: %w", x.name, err)
			}
		}
		stats.Indexes = time.Since(start)
		progress(fmt.Sprintf("%d indexes built in %s", len(indexes), stats.Indexes.Round(time.Millisecond)))
		// Ids were written, not drawn: the sequences go on after them.
		for _, t := range tables {
			if !t.identity {
				continue
			}
			_, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), greatest((SELECT max(id) FROM `+t.name+`), 1))`, t.name)
			if err != nil {
				return fmt.Errorf("fill: %s ids: %w", t.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return stats, err
	}
	start := time.Now()
	if _, err := conn.Exec(ctx, `SET statement_timeout = 0`); err != nil {
		return stats, fmt.Errorf("fill: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `RESET statement_timeout`)
	if _, err := conn.Exec(ctx, `ANALYZE`); err != nil {
		return stats, fmt.Errorf("fill: analyze: %w", err)
	}
	stats.Analyze = time.Since(start)
	stats.Took = time.Since(began)
	return stats, nil
}

// FillStats says what Fill wrote and how long each part took.
type FillStats struct {
	Tables  []FillTable
	Indexes time.Duration // building the secondary indexes
	Analyze time.Duration
	Took    time.Duration // all of it
}

// FillTable is one table's load.
type FillTable struct {
	Name string
	Rows int64
	Took time.Duration
}

// fillTable is how to load one table.
type fillTable struct {
	name     string
	columns  []string
	identity bool // id is drawn from the table's identity by the service
	rows     func(w *copyWriter) error
}

// copyRows streams rows into table's columns with COPY … FREEZE, in text
// format, writing them in a goroutine of their own while PostgreSQL reads.
func copyRows(ctx context.Context, conn *pgconn.PgConn, table string, columns []string, rows func(w *copyWriter) error) (int64, error) {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		w := &copyWriter{w: bufio.NewWriterSize(pw, 1<<20)}
		err := rows(w)
		if err == nil {
			err = w.w.Flush()
		}
		pw.CloseWithError(err)
		done <- err
	}()
	tag, err := conn.CopyFrom(ctx, pr, `COPY `+table+` (`+strings.Join(columns, ", ")+`) FROM STDIN WITH (FREEZE)`)
	pr.CloseWithError(errors.New("copy ended")) // a writer still writing stops
	if genErr := <-done; err == nil && genErr != nil {
		err = genErr
	}
	return tag.RowsAffected(), err
}

// copyWriter writes rows in COPY's text format: tab-separated fields, \N
// for NULL, a row a line.
type copyWriter struct {
	w      *bufio.Writer
	inRow  bool
	buffer []byte
}

func (c *copyWriter) sep() {
	if c.inRow {
		c.w.WriteByte('\t')
	}
	c.inRow = true
}

// text writes a text field, escaped.
func (c *copyWriter) text(s string) {
	c.sep()
	if strings.ContainsAny(s, "\\\t\n\r") {
		s = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(s)
	}
	c.w.WriteString(s)
}

func (c *copyWriter) null() {
	c.sep()
	c.w.WriteString(`\N`)
}

func (c *copyWriter) int(v int64) {
	c.sep()
	c.buffer = strconv.AppendInt(c.buffer[:0], v, 10)
	c.w.Write(c.buffer)
}

// ref writes an id, or NULL for 0.
func (c *copyWriter) ref(v int64) {
	if v == 0 {
		c.null()
		return
	}
	c.int(v)
}

func (c *copyWriter) bool(b bool) {
	c.sep()
	if b {
		c.w.WriteByte('t')
	} else {
		c.w.WriteByte('f')
	}
}

func (c *copyWriter) time(t time.Time) {
	c.sep()
	c.buffer = t.UTC().AppendFormat(c.buffer[:0], "2006-01-02 15:04:05.999999-07")
	c.w.Write(c.buffer)
}

// timeOrNull writes t, or NULL for the zero time.
func (c *copyWriter) timeOrNull(t time.Time) {
	if t.IsZero() {
		c.null()
		return
	}
	c.time(t)
}

// array writes a text[] of plain words.
func (c *copyWriter) array(words []string) {
	c.sep()
	c.w.WriteByte('{')
	c.w.WriteString(strings.Join(words, ","))
	c.w.WriteByte('}')
}

func (c *copyWriter) end() {
	c.w.WriteByte('\n')
	c.inRow = false
}

// fillTemplate is the filed conversation the fill copies turns from.
type fillTemplate struct {
	reference string
	step      string
	history   []string
	version   int
	turns     []templateTurn
}

// templateTurn is one turn of it, opened.
type templateTurn struct {
	inBody  string
	reply   []byte // the stored reply's JSON (storedReply)
	outBody string // "" when the turn sent nothing
	hasRef  bool   // the reference appears in it
}

// fillTemplate reads the newest filed conversation with its turns.
func (db *DB) fillTemplate(ctx context.Context) (fillTemplate, error) {
	var (
		t    fillTemplate
		conv int64
	)
	err := db.pool.QueryRow(ctx, `
		SELECT r.reference, c.id, c.step, c.history, c.version FROM requests r
		JOIN conversations c ON c.id = r.conversation_id
		WHERE (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) >= 10
		ORDER BY r.id DESC LIMIT 1`).Scan(&t.reference, &conv, &t.step, &t.history, &t.version)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, errors.New("fill: no filed conversation to copy turns from: run infopass bench on this database first")
	}
	if err != nil {
		return t, fmt.Errorf("fill: template: %w", err)
	}
	rows, err := db.pool.Query(ctx, `
		SELECT i.id, i.body, i.reply, o.id, o.body FROM messages i
		LEFT JOIN messages o ON o.reply_to = i.id
		WHERE i.conversation_id = $1 AND i.direction = 'in' ORDER BY i.id`, conv)
	if err != nil {
		return t, fmt.Errorf("fill: template: %w", err)
	}
	t.turns, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (templateTurn, error) {
		var (
			x                 templateTurn
			inID              int64
			outID             *int64
			in, reply         string
			out               *string
			opened, outOpened string
		)
		if err := r.Scan(&inID, &in, &reply, &outID, &out); err != nil {
			return x, err
		}
		var err error
		if opened, err = db.keys.OpenString(in, "messages", "body", rowKey(inID)); err != nil {
			return x, err
		}
		x.inBody = opened
		if x.reply, err = db.keys.Open(reply, "messages", "reply", rowKey(inID)); err != nil {
			return x, err
		}
		if outID != nil {
			if outOpened, err = db.keys.OpenString(*out, "messages", "body", rowKey(*outID)); err != nil {
				return x, err
			}
			x.outBody = outOpened
		}
		x.hasRef = strings.Contains(x.outBody, t.reference) || bytes.Contains(x.reply, []byte(t.reference))
		if !x.hasRef {
			var sr storedReply
			if json.Unmarshal(x.reply, &sr) == nil && sr.Sent != nil && bytes.Contains(sr.Sent.Document, []byte(t.reference)) {
				x.hasRef = true
			}
		}
		return x, nil
	})
	if err != nil {
		return t, fmt.Errorf("fill: template: %w", err)
	}
	if len(t.turns) < 5 {
		return t, fmt.Errorf("fill: the template conversation has %d turns, want at least 5", len(t.turns))
	}
	return t, nil
}

// withReference returns turn's stored reply and outbound body with the
// template's reference replaced by ref.
func (t fillTemplate) withReference(turn templateTurn, ref string) (reply []byte, out string) {
	if !turn.hasRef {
		return turn.reply, turn.outBody
	}
	out = strings.ReplaceAll(turn.outBody, t.reference, ref)
	var sr storedReply
	if err := json.Unmarshal(turn.reply, &sr); err != nil || sr.Sent == nil {
		return bytes.ReplaceAll(turn.reply, []byte(t.reference), []byte(ref)), out
	}
	sr.Sent = &bot.Rendered{Document: bytes.ReplaceAll(sr.Sent.Document, []byte(t.reference), []byte(ref))}
	raw, err := json.Marshal(sr)
	if err != nil {
		return turn.reply, out
	}
	return raw, out
}

func (db *DB) officerIDs(ctx context.Context) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT id FROM officers WHERE disabled_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("fill: officers: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("fill: officers: %w", err)
	}
	if len(ids) == 0 {
		return nil, errors.New("fill: no officers to record in the access log: invite some first")
	}
	return ids, nil
}
