package main

import "runtime/debug"

// buildVersion and buildCommit are set at link time where Go cannot stamp
// the version control data (a Docker build without .git, or
// GOFLAGS=-buildvcs=false):
//
//	go build -ldflags "-X main.buildVersion=v1.4.0 -X main.buildCommit=$(git rev-parse HEAD)" ./cmd/infopass
//
// They are constants in all but name: nothing assigns them at run time.
var buildVersion, buildCommit string

// version is the version and commit the binary was built from: those set
// at link time, else the module version and VCS revision Go stamped
// ("+dirty" when the tree had changes).
func version() string {
	v, commit := "(devel)", ""
	if info, ok := debug.ReadBuildInfo(); ok {
		v = info.Main.Version
		dirty := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if commit != "" && dirty {
			commit += "+dirty"
		}
	}
	if buildVersion != "" {
		v = buildVersion
	}
	if buildCommit != "" {
		commit = buildCommit
	}
	if commit == "" {
		return v
	}
	return v + " " + commit
}
