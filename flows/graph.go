package flows

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

//go:generate sh -c "go run ../cmd/infopass flows > ../docs/conversation.dot && dot -Tsvg ../docs/conversation.dot -o ../docs/conversation.svg"

// Graph draws the declaration as a Graphviz DOT digraph: the wizard's
// questions in order with their moves, the asides, the ends, and the two
// pseudo-states. A move that starts from many states is drawn once, from a
// note that says where it starts. `infopass flows` prints it;
// docs/conversation.svg is its picture, which names the drawing it was made
// from in a comment (see GraphID).
func Graph() string {
	body := graphBody()
	return strings.Replace(body, "{\n", fmt.Sprintf("{\n  comment=%q;\n", graphID(body)), 1)
}

// GraphID names the current drawing of the conversation: the picture made
// from it carries the name, so a test can tell a stale picture.
func GraphID() string { return graphID(graphBody()) }

func graphID(body string) string {
	sum := sha256.Sum256([]byte(body))
	return "conversation " + hex.EncodeToString(sum[:8])
}

func graphBody() string {
	d := conversation
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("digraph conversation {")
	w(`  graph [rankdir=TB, fontname="Helvetica", fontsize=12, nodesep=0.3, ranksep=0.35];`)
	w(`  node [fontname="Helvetica", fontsize=11, shape=box, style=rounded];`)
	w(`  edge [fontname="Helvetica", fontsize=9];`)

	w(`  subgraph cluster_wizard {`)
	w(`    label="the wizard"; style=dashed; color=gray50;`)
	for _, s := range d.Steps {
		w("    %q;", s.Step)
	}
	w("  }")
	w(`  subgraph cluster_asides {`)
	w(`    label="asides: each returns where it began"; style=dashed; color=gray50;`)
	for _, a := range d.Asides {
		w("    %q [style=\"rounded,filled\", fillcolor=lightyellow];", a.Step)
	}
	w("  }")
	for _, s := range Ends() {
		w("  %q [shape=doubleoctagon, style=solid];", s)
	}
	for _, s := range []Step{Return, Previous} {
		w("  %q [shape=ellipse, style=dotted, fontsize=9];", s)
	}

	label := func(e Edge) string {
		if e.Why != "" {
			return fmt.Sprintf("%s\n[%s]", e.On, e.Why)
		}
		return string(e.On)
	}
	for _, s := range d.Steps {
		for _, e := range s.Next {
			w("  %q -> %q [label=%q];", s.Step, e.To, label(e))
		}
	}
	for _, a := range d.Asides {
		for _, e := range a.Exits {
			w("  %q -> %q [label=%q, style=dashed];", a.Step, e.To, label(e))
		}
	}
	notes := map[string]bool{}
	for _, e := range d.Moves {
		if e.Where == "" {
			for _, f := range e.From {
				w("  %q -> %q [label=%q, color=gray40, fontcolor=gray30];", f, e.To, label(e))
			}
			continue
		}
		if !notes[e.Where] {
			notes[e.Where] = true
			w("  %q [shape=note, style=solid, fontsize=9, color=gray50];", e.Where)
		}
		w("  %q -> %q [label=%q, color=gray40, fontcolor=gray30];", e.Where, e.To, label(e))
	}
	w("}")
	return b.String()
}
