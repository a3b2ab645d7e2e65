// Package build reports the version of this binary.
package build

import "runtime/debug"

// Version is set at link time: -ldflags "-X github.com/hookctl/hookctl/internal/build.Version=v1.2.3".
var Version = ""

// Date is the build date, set at link time like Version.
var Date = ""

// CurrentVersion returns the link-time version, else the module version recorded
// by `go install module@version`, else "dev".
func CurrentVersion() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
