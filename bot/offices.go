package bot

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Office is a USCIS field office where appointments are booked.
type Office struct {
	ID      string `toml:"id"`
	Name    string `toml:"name"`
	Address string `toml:"address"` // the street address, one line
	Zone    string `toml:"zone"`    // IANA time zone, e.g. America/New_York
}

// Offices are the offices of OFFICES_FILE, in the file's order.
type Offices struct {
	list []Office
}

var officeID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// ParseOffices reads an offices file: a TOML list of [[office]] tables,
// each with id, name, address and zone. Every problem is reported.
func ParseOffices(data []byte) (Offices, error) {
	var doc struct {
		Office []Office `toml:"office"`
	}
	md, err := toml.Decode(string(data), &doc)
	if err != nil {
		return Offices{}, fmt.Errorf("offices: %w", err)
	}
	var bad []string
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		bad = append(bad, fmt.Sprintf("unknown keys %v", undecoded))
	}
	seen := map[string]bool{}
	for i, o := range doc.Office {
		where := fmt.Sprintf("office %d (%s)", i+1, o.ID)
		switch {
		case !officeID.MatchString(o.ID):
			bad = append(bad, where+": id must be 1 to 40 lower-case letters, digits and dashes")
		case seen[o.ID]:
			bad = append(bad, where+": the id is used twice")
		}
		seen[o.ID] = true
		if strings.TrimSpace(o.Name) == "" || strings.TrimSpace(o.Address) == "" {
			bad = append(bad, where+": name and address are required")
		}
		if len(o.Name) > 100 || len(o.Address) > 200 || strings.ContainsAny(o.Name+o.Address, "\r\n") {
			bad = append(bad, where+": name (100) or address (200 characters) too long, or on several lines")
		}
		if _, err := time.LoadLocation(o.Zone); err != nil || o.Zone == "" {
			bad = append(bad, where+": zone must be an IANA time zone like America/New_York")
		}
	}
	if len(doc.Office) == 0 {
		bad = append(bad, "no [[office]] in it")
	}
	if len(bad) > 0 {
		return Offices{}, fmt.Errorf("offices: %s", strings.Join(bad, "; "))
	}
	return Offices{list: doc.Office}, nil
}

// List returns the offices in the file's order.
func (o Offices) List() []Office { return append([]Office(nil), o.list...) }

// Find returns the office with id.
func (o Offices) Find(id string) (Office, bool) {
	for _, x := range o.list {
		if x.ID == id {
			return x, true
		}
	}
	return Office{}, false
}
