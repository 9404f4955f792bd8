package locales

import (
	"encoding/json"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestReviewRecord checks reviewed.json, where the native review of each
// file is recorded (README.md): every language but English has an entry,
// no entry is left for a file that is gone, and each names a full commit.
func TestReviewRecord(t *testing.T) {
	raw, err := os.ReadFile("reviewed.json")
	if err != nil {
		t.Fatal(err)
	}
	var record struct {
		Languages map[string]struct{ Commit, Review string }
	}
	if err := json.Unmarshal(raw, &record); err != nil {
		t.Fatalf("reviewed.json: %v", err)
	}
	files, err := fs.Glob(FS, "*.toml")
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, f := range files {
		if tag := strings.TrimSuffix(f, ".toml"); tag != "en" {
			want = append(want, tag)
		}
	}
	commit := regexp.MustCompile(`^[0-9a-f]{40}$`)
	for tag, r := range record.Languages {
		got = append(got, tag)
		if !commit.MatchString(r.Commit) {
			t.Errorf("%s: commit %q is not a full commit hash", tag, r.Commit)
		}
		if strings.TrimSpace(r.Review) == "" {
			t.Errorf("%s: no word on what the review was", tag)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("reviewed.json lists %v, want every locale but English: %v", got, want)
	}
}
