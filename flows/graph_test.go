package flows

import (
	"os"
	"strings"
	"testing"
)

// TestGraphPictureIsCurrent checks that the drawing in docs/ is the
// declaration's: run go generate ./flows (it needs Graphviz's dot) when it
// fails.
func TestGraphPictureIsCurrent(t *testing.T) {
	dot, err := os.ReadFile("../docs/conversation.dot")
	if err != nil {
		t.Fatal(err)
	}
	if string(dot) != Graph() {
		t.Error("docs/conversation.dot is not the declaration's graph: run go generate ./flows")
	}
	svg, err := os.ReadFile("../docs/conversation.svg")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(svg), "<!-- "+GraphID()+" -->") {
		t.Error("docs/conversation.svg was not drawn from the current graph: run go generate ./flows")
	}
}

// TestGraphHasEveryState checks the drawing shows every state and every
// event of the declaration.
func TestGraphHasEveryState(t *testing.T) {
	g := Graph()
	for _, s := range append(append(Questions(), Asides()...), Ends()...) {
		if !strings.Contains(g, `"`+string(s)+`"`) {
			t.Errorf("the graph lacks %s", s)
		}
	}
	for _, e := range Conversation().Edges() {
		if !strings.Contains(g, `label="`+string(e.On)) {
			t.Errorf("the graph lacks the event %s", e.On)
		}
	}
}
