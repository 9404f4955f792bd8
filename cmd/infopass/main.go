// Command infopass runs the Infopass SMS and voice bot, its database
// migrations, and local simulators to talk to it from a terminal.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"infopass/flows"
)

const usage = `usage: infopass <command> [flags]

commands:
  serve     run the HTTP server (applies migrations first)
  migrate   apply database migrations and exit
  chat      text with the bot in this terminal (starts a local server unless -url is given)
  call      call the bot's phone menu in this terminal (the same)
  rotate-key  re-seal personal data under DATA_KEY (old keys in OLD_DATA_KEYS), online
  officer invite NAME EMAIL [-role supervisor] | list | disable EMAIL
            officers of the staff console; invite prints a one-time enrollment link
  api-token create NAME [-expires 90d] | list | revoke NAME
            tokens of staff API clients; create prints the token once, last line
  rotate-session-key  sign every officer out (a new console session key)
  bench     load test: -c conversations at once for -d, over HTTP (a local server unless -url is given)
  flows     print the conversation's state machine as a Graphviz DOT graph (dot -Tsvg draws it)
  version   print the version

Configuration comes from the environment: see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "infopass:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// run is main without the process: everything it reads and writes is passed
// in, so tests can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, getenv, stdout, stderr)
	case "chat":
		return chat(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "call":
		return call(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "rotate-key":
		return rotateKey(ctx, getenv, stdout, stderr)
	case "officer":
		return officerCommand(ctx, args[1:], getenv, stdout, stderr)
	case "api-token":
		return apiTokenCommand(ctx, args[1:], getenv, stdout, stderr)
	case "rotate-session-key":
		return rotateSessionKey(ctx, args[1:], getenv, stdout, stderr)
	case "bench":
		return bench(ctx, args[1:], getenv, stdout, stderr)
	case "flows":
		if len(args) > 1 {
			return errUsage
		}
		fmt.Fprint(stdout, flows.Graph())
		return nil
	case "version":
		fmt.Fprintln(stdout, "infopass", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return errUsage
}
