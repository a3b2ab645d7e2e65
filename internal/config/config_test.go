package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) Env { return func(k string) string { return m[k] } }

func TestDataDirPrecedence(t *testing.T) {
	file := &File{DataDir: "/from/file"}
	tests := []struct {
		name string
		flag string
		env  map[string]string
		file *File
		want string
	}{
		{"flag wins", "/flag", map[string]string{"HOOKCTL_DATA_DIR": "/env"}, file, "/flag"},
		{"env over file", "", map[string]string{"HOOKCTL_DATA_DIR": "/env"}, file, "/env"},
		{"file over XDG", "", map[string]string{"XDG_DATA_HOME": "/xdg"}, file, "/from/file"},
		{"XDG", "", map[string]string{"XDG_DATA_HOME": "/xdg"}, nil, "/xdg/hookctl"},
		{"home", "", map[string]string{"HOME": "/home/u"}, nil, "/home/u/.local/share/hookctl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DataDir(tt.flag, envOf(tt.env), tt.file); got != tt.want {
				t.Errorf("DataDir = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	env := envOf(map[string]string{"XDG_CONFIG_HOME": dir})
	f, err := Load(env)
	if err != nil || *f != (File{}) {
		t.Fatalf("missing file: %+v, %v", f, err)
	}
	os.MkdirAll(filepath.Join(dir, "hookctl"), 0o700)
	os.WriteFile(Path(env), []byte("data_dir: /d\napi_url: http://127.0.0.1:8787\n"), 0o600)
	f, err = Load(env)
	if err != nil || f.DataDir != "/d" || f.APIURL != "http://127.0.0.1:8787" {
		t.Fatalf("got %+v, %v", f, err)
	}
	os.WriteFile(Path(env), []byte("data_dir: [unclosed\n"), 0o600)
	if _, err = Load(env); err == nil || !strings.Contains(err.Error(), "config.yaml") {
		t.Fatalf("malformed file: err = %v", err)
	}
}
