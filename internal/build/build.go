// Package build reports the version of this binary.
package build

import (
	"runtime/debug"
	"strings"
)

// Version is set at link time: -ldflags "-X github.com/hookctl/hookctl/internal/build.Version=v1.2.3".
var Version = ""

// Date is the build date, set at link time like Version.
var Date = ""

// Info describes this binary's version.
type Info struct {
	// Version is the link-time version, else the module version recorded by
	// `go install module@version`, else "dev".
	Version string `json:"version"`
	// Revision and Modified come from the VCS information the go command
	// records when it builds in a checkout (vcs.revision, vcs.modified):
	// set when no version was stamped at link time.
	Revision string `json:"revision,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	// Date is the link-time build date, else the revision's commit time
	// (vcs.time) when the revision is known.
	Date string `json:"date,omitempty"`
}

// Current returns the version information of the running binary.
func Current() Info {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return fromBuildInfo(Version, Date, info)
}

// fromBuildInfo is Current over explicit inputs (tests).
func fromBuildInfo(stamped, date string, info *debug.BuildInfo) Info {
	v := Info{Version: stamped, Date: date}
	if stamped != "" {
		return v // a release build: the stamp says it all
	}
	v.Version = "dev"
	if info == nil {
		return v
	}
	if mv := info.Main.Version; mv != "" && mv != "(devel)" {
		v.Version = mv
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		case "vcs.time":
			if v.Date == "" {
				v.Date = s.Value
			}
		}
	}
	if v.Revision == "" {
		v.Date = date // vcs.time without a revision says nothing useful
	}
	return v
}

// CurrentVersion returns the link-time version, else the module version recorded
// by `go install module@version`, else "dev".
func CurrentVersion() string { return Current().Version }

// String is the version as `hookctl version` prints it: "v1.2.3", or for a
// build from a checkout "dev (revision 0123456789ab, modified)".
func (v Info) String() string {
	if v.Revision == "" {
		return v.Version
	}
	rev := v.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	var b strings.Builder
	b.WriteString(v.Version + " (revision " + rev)
	if v.Modified {
		b.WriteString(", modified")
	}
	b.WriteString(")")
	return b.String()
}
