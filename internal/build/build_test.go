package build

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	checkout := &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/hookctl/hookctl", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2025-01-02T03:04:05Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	tests := []struct {
		name    string
		stamped string
		date    string
		info    *debug.BuildInfo
		want    Info
		str     string
	}{
		{"stamped release", "v1.2.3", "2025-02-01", checkout, Info{Version: "v1.2.3", Date: "2025-02-01"}, "v1.2.3"},
		{"no build info", "", "", nil, Info{Version: "dev"}, "dev"},
		{"go build in a checkout", "", "", checkout,
			Info{Version: "dev", Revision: "0123456789abcdef0123456789abcdef01234567", Modified: true, Date: "2025-01-02T03:04:05Z"},
			"dev (revision 0123456789ab, modified)"},
		{"clean checkout", "", "", &debug.BuildInfo{
			Main:     debug.Module{Version: "v0.0.0-20250102030405-0123456789ab"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789ab"}, {Key: "vcs.modified", Value: "false"}},
		}, Info{Version: "v0.0.0-20250102030405-0123456789ab", Revision: "0123456789ab"},
			"v0.0.0-20250102030405-0123456789ab (revision 0123456789ab)"},
		{"go install module@version", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}},
			Info{Version: "v1.4.0"}, "v1.4.0"},
		{"-buildvcs=false", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, Info{Version: "dev"}, "dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fromBuildInfo(tt.stamped, tt.date, tt.info)
			if got != tt.want {
				t.Fatalf("fromBuildInfo = %+v, want %+v", got, tt.want)
			}
			if got.String() != tt.str {
				t.Fatalf("String() = %q, want %q", got.String(), tt.str)
			}
		})
	}
}
