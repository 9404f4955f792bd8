package bot

import (
	"strings"
	"testing"
)

func TestParseOffices(t *testing.T) {
	const ok = `
[[office]]
id = "new-york"
name = "New York City Field Office"
address = "26 Federal Plaza, Room 3-120, New York, NY 10278"
zone = "America/New_York"

[[office]]
id = "chicago"
name = "Chicago Field Office"
address = "101 W Congress Pkwy, Chicago, IL 60605"
zone = "America/Chicago"
`
	o, err := ParseOffices([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if list := o.List(); len(list) != 2 || list[1].ID != "chicago" {
		t.Errorf("offices %+v", list)
	}
	if c, found := o.Find("chicago"); !found || c.Zone != "America/Chicago" {
		t.Errorf("Find(chicago) = %+v %v", c, found)
	}
	if _, found := o.Find("boston"); found {
		t.Error("found an office not in the file")
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"ErrEmpty", ``, "no [[office]]"},
		{"ErrSyntax", `[[office]`, "offices:"},
		{"ErrID", `[[office]]` + "\n" + `id = "New York"` + "\nname = \"x\"\naddress = \"y\"\nzone = \"UTC\"", "id must be"},
		{"ErrTwice", ok + "\n[[office]]\nid = \"chicago\"\nname = \"x\"\naddress = \"y\"\nzone = \"UTC\"", "used twice"},
		{"ErrZone", "[[office]]\nid = \"x\"\nname = \"x\"\naddress = \"y\"\nzone = \"Mars/Olympus\"", "IANA time zone"},
		{"ErrNoAddress", "[[office]]\nid = \"x\"\nname = \"x\"\nzone = \"UTC\"", "name and address are required"},
		{"ErrUnknownKey", "[[office]]\nid = \"x\"\nname = \"x\"\naddress = \"y\"\nzone = \"UTC\"\nphone = \"1\"", "unknown keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseOffices([]byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseOffices = %v, want %q", err, tc.want)
			}
		})
	}
}
