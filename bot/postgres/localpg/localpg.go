// Package localpg starts a private PostgreSQL server from the machine's own binaries, for local development and tests.
//
// The server keeps its data in a directory of its own, listens only on a Unix
// socket inside that directory (never on TCP, so it cannot clash with a system
// server) and trusts every local connection as the superuser "postgres".
//
// Start is safe to call from several processes at once for the same
// directory: a lock file next to the directory (dir + ".lock") serialises
// initialisation and start-up, and whoever finds the server already running
// simply reuses it.
//
// When the process runs as root, the server runs as the system user
// "postgres" (initdb and postgres refuse to run as root); the data directory
// is then chowned to that user, and every directory above it must be
// searchable by it (root's home usually is not: use /var/lib or /var/tmp).
package localpg

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Port is the port number the servers started by this package use. It only
// names the socket file (.s.PGSQL.5432); there is no TCP listener.
const Port = 5432

// maxSocketPath is the longest Unix socket path the kernel accepts
// (sizeof(sockaddr_un.sun_path) - 1 on Linux).
const maxSocketPath = 107

// Options adjust how Start launches a server.
type Options struct {
	// NoFsync starts the server with fsync=off: much faster, but the data may
	// be lost or corrupted if the machine crashes. Only for throwaway test
	// data. It has no effect when an already running server is reused.
	NoFsync bool
}

// Server is a PostgreSQL server running on a data directory.
type Server struct {
	dir       string // absolute data directory
	binDir    string
	socketDir string
	port      int
	started   bool // this Server started the postmaster; Stop stops it
	run       runner

	stopOnce sync.Once
	stopErr  error
}

// FindBinDir returns the directory holding the PostgreSQL server programs
// initdb and pg_ctl: the directory of pg_ctl on $PATH if initdb is beside it,
// else the newest /usr/lib/postgresql/<version>/bin (Debian and Ubuntu).
func FindBinDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		// Prefer the real directory when pg_ctl is a symlink (Homebrew,
		// /usr/local/bin links to /usr/lib/postgresql/N/bin).
		if r, err := filepath.EvalSymlinks(p); err == nil {
			if dir := filepath.Dir(r); isExecutable(filepath.Join(dir, "initdb")) {
				return dir, nil
			}
		}
		if dir := filepath.Dir(p); isExecutable(filepath.Join(dir, "initdb")) {
			return dir, nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	var best string
	var bestVer []int
	for _, m := range matches {
		if !isExecutable(filepath.Join(m, "initdb")) || !isExecutable(filepath.Join(m, "pg_ctl")) {
			continue
		}
		v := parseVersion(filepath.Base(filepath.Dir(m)))
		if best == "" || slices.Compare(v, bestVer) > 0 {
			best, bestVer = m, v
		}
	}
	if best == "" {
		return "", errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found on $PATH or in /usr/lib/postgresql/*/bin: " +
			"install them (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) or set DATABASE_URL")
	}
	return best, nil
}

// parseVersion turns "15" or "9.6" into comparable numbers.
func parseVersion(s string) []int {
	var v []int
	for _, f := range strings.Split(s, ".") {
		n, err := strconv.Atoi(f)
		if err != nil {
			n = -1
		}
		v = append(v, n)
	}
	return v
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// DefaultDir returns a data directory that persists between runs:
// $XDG_DATA_HOME/infopass/pgdata or ~/.local/share/infopass/pgdata, or
// /var/lib/infopass/pgdata when running as root.
func DefaultDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/infopass/pgdata"
	}
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "infopass", "pgdata")
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, ".local", "share", "infopass", "pgdata")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("infopass-pgdata-%d", os.Getuid()))
}

// Start is StartWith with default options (fsync on).
func Start(ctx context.Context, dir string) (*Server, error) {
	return StartWith(ctx, dir, Options{})
}

// StartWith makes sure a server runs on the data directory dir and returns
// it. It creates and initialises dir (initdb) if it holds no cluster yet, and
// starts the server unless one already runs on dir, in which case that server
// is reused and Stop leaves it running.
func StartWith(ctx context.Context, dir string, opts Options) (*Server, error) {
	if dir == "" {
		return nil, errors.New("localpg: empty data directory")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	if strings.ContainsAny(dir, "\"'$`\\,\n\r") {
		return nil, fmt.Errorf("localpg: data directory %q contains a character (quote, $, `, \\, comma or newline) that cannot be passed to pg_ctl safely", dir)
	}
	sock := filepath.Join(dir, fmt.Sprintf(".s.PGSQL.%d", Port))
	if len(sock) > maxSocketPath {
		return nil, fmt.Errorf("localpg: data directory %s is too long: its socket path %s would be %d bytes, more than the %d a Unix socket allows; choose a shorter directory",
			dir, sock, len(sock), maxSocketPath)
	}

	run, err := newRunner()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}

	unlock, err := lockFile(ctx, dir+".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()

	s := &Server{dir: dir, run: run}
	if err := s.initdb(ctx, opts); err != nil {
		return nil, err
	}
	running, err := s.running(ctx)
	if err != nil {
		return nil, err
	}
	if !running {
		if err := s.start(ctx, opts); err != nil {
			return nil, err
		}
		s.started = true
	}
	if err := s.readPidFile(ctx); err != nil {
		if s.started {
			_ = s.Stop()
		}
		return nil, err
	}
	return s, nil
}

// Dir returns the server's data directory (absolute).
func (s *Server) Dir() string { return s.dir }

// URL returns a pgx/libpq connection URL for database dbname as the superuser
// "postgres", over the server's Unix socket, for example
// postgres://postgres@/app?host=/var/lib/infopass/pgdata&port=5432&sslmode=disable
func (s *Server) URL(dbname string) string {
	return "postgres://postgres@/" + url.PathEscape(dbname) +
		"?host=" + queryEscape(s.socketDir) +
		"&port=" + strconv.Itoa(s.port) + "&sslmode=disable"
}

// queryEscape percent-encodes everything but unreserved characters and "/",
// the way libpq (and pgx) decode URI query values: no "+" for space.
func queryEscape(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// Stop shuts the server down (pg_ctl stop -m fast) if this Server started
// it; a reused server is left running. Further calls return the first
// result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if !s.started {
			return
		}
		ctx := context.Background()
		unlock, err := lockFile(ctx, s.dir+".lock")
		if err != nil {
			s.stopErr = err
			return
		}
		defer unlock()
		if out, err := s.pgctl(ctx, "stop", "-w", "-m", "fast", "-D", s.dir); err != nil {
			s.stopErr = fmt.Errorf("localpg: pg_ctl stop: %w: %s", err, out)
		}
	})
	return s.stopErr
}

// initdb creates the cluster unless dir already holds one.
func (s *Server) initdb(ctx context.Context, opts Options) error {
	if _, err := os.Stat(filepath.Join(s.dir, "PG_VERSION")); err == nil {
		return s.pickBinDir()
	}
	if err := s.pickBinDir(); err != nil {
		return err
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	if err := s.run.prepare(s.dir); err != nil {
		return err
	}
	args := []string{"-D", s.dir, "-U", "postgres", "--auth=trust", "-E", "UTF8"}
	if opts.NoFsync {
		args = append(args, "--no-sync")
	}
	out, err := s.cmd(ctx, "initdb", append(args, "--locale=C.UTF-8")...)
	if err != nil {
		// C.UTF-8 is missing on some systems (older glibc, macOS): fall back
		// to the plain C locale. initdb has emptied the directory.
		var out2 []byte
		out2, err = s.cmd(ctx, "initdb", append(args, "--no-locale")...)
		out = append(out, out2...)
	}
	if err != nil {
		return fmt.Errorf("localpg: initdb %s: %w:\n%s", s.dir, err, out)
	}
	return nil
}

// pickBinDir prefers the binaries matching an existing cluster's version.
func (s *Server) pickBinDir() error {
	if b, err := os.ReadFile(filepath.Join(s.dir, "PG_VERSION")); err == nil {
		d := filepath.Join("/usr/lib/postgresql", strings.TrimSpace(string(b)), "bin")
		if isExecutable(filepath.Join(d, "pg_ctl")) {
			s.binDir = d
			return nil
		}
	}
	d, err := FindBinDir()
	if err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	s.binDir = d
	return nil
}

// running reports whether a server runs on the data directory.
func (s *Server) running(ctx context.Context) (bool, error) {
	out, err := s.pgctl(ctx, "status", "-D", s.dir)
	if err == nil {
		return true, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		return false, nil
	}
	return false, fmt.Errorf("localpg: pg_ctl status -D %s: %w: %s", s.dir, err, out)
}

func (s *Server) start(ctx context.Context, opts Options) error {
	logFile := filepath.Join(s.dir, "server.log")
	// pg_ctl hands -o to /bin/sh; the directory is free of quotes (checked
	// in StartWith). The double quotes protect spaces in postgres's list
	// parsing of unix_socket_directories.
	o := fmt.Sprintf(`-c listen_addresses= -c port=%d -c 'unix_socket_directories="%s"'`, Port, s.dir)
	if opts.NoFsync {
		o += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	out, err := s.pgctl(ctx, "start", "-w", "-t", "60", "-D", s.dir, "-l", logFile, "-o", o)
	if err != nil {
		return fmt.Errorf("localpg: pg_ctl start -D %s: %w: %s\n%s", s.dir, err, bytes.TrimSpace(out), tail(logFile, 20))
	}
	return nil
}

// readPidFile learns the socket directory and port from postmaster.pid,
// waiting for the server to accept connections.
func (s *Server) readPidFile(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		lines, err := readLines(filepath.Join(s.dir, "postmaster.pid"))
		// Lines: pid, data dir, start time, port, socket dir, listen address,
		// shared memory key, status.
		if err == nil && len(lines) >= 8 && strings.TrimSpace(lines[7]) == "ready" {
			port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
			if err != nil {
				return fmt.Errorf("localpg: bad port %q in %s/postmaster.pid", lines[3], s.dir)
			}
			sockDir := strings.TrimSpace(lines[4])
			if sockDir == "" {
				return fmt.Errorf("localpg: the server running on %s has no Unix socket; stop it (pg_ctl stop -D %s) and retry", s.dir, s.dir)
			}
			s.socketDir, s.port = sockDir, port
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("localpg: server on %s is not ready after 60s (postmaster.pid: %q, %v)\n%s", s.dir, lines, err, tail(filepath.Join(s.dir, "server.log"), 20))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("localpg: waiting for server on %s: %w", s.dir, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Server) pgctl(ctx context.Context, args ...string) ([]byte, error) {
	return s.cmd(ctx, "pg_ctl", args...)
}

func (s *Server) cmd(ctx context.Context, prog string, args ...string) ([]byte, error) {
	c := exec.CommandContext(ctx, filepath.Join(s.binDir, prog), args...)
	c.Dir = "/"
	// Keep the postmaster out of our process group so that ^C in a terminal
	// does not take the (shared, reusable) server down with the caller.
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: s.run.cred}
	// pg_ctl start redirects the postmaster's output to the log file, but
	// never let a stray inherited pipe block us.
	c.WaitDelay = 5 * time.Second
	return c.CombinedOutput()
}

// runner knows which user the PostgreSQL programs run as.
type runner struct {
	cred     *syscall.Credential // nil: as ourselves
	userName string
}

func newRunner() (runner, error) {
	if os.Geteuid() != 0 {
		return runner{}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return runner{}, fmt.Errorf("localpg: running as root, so the server must run as user postgres, but: %w (create it: useradd --system postgres)", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return runner{}, fmt.Errorf("localpg: user postgres has non-numeric uid/gid %s/%s", u.Uid, u.Gid)
	}
	return runner{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, userName: u.Username}, nil
}

// prepare hands the freshly created data directory to the server's user and
// checks that user can reach it.
func (r runner) prepare(dir string) error {
	if r.cred == nil {
		return nil
	}
	if err := os.Chown(dir, int(r.cred.Uid), int(r.cred.Gid)); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("localpg: %w", err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		perm := fi.Mode().Perm()
		canSearch := perm&0o001 != 0 ||
			ok && st.Gid == r.cred.Gid && perm&0o010 != 0 ||
			ok && st.Uid == r.cred.Uid && perm&0o100 != 0
		if !canSearch {
			return fmt.Errorf("localpg: user %s cannot reach the data directory %s because %s is mode %v: choose a directory under /var/lib or /var/tmp, or make %s searchable (chmod o+x)",
				r.userName, dir, d, fi.Mode(), d)
		}
		if d == "/" || d == "." {
			return nil
		}
	}
}

// lockFile takes an exclusive flock on path, polling so that ctx can cancel
// the wait. Separate opens conflict even within one process.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("localpg: lock: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("localpg: lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("localpg: waiting for lock %s: %w", path, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func readLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, nil
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 1<<20))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return path + ":\n" + strings.Join(lines, "\n")
}
