package config

import "testing"

func TestAPIURLAndKeyPrecedence(t *testing.T) {
	file := &File{APIURL: "http://file", APIKey: "hk_file"}
	env := func(m map[string]string) Env { return func(k string) string { return m[k] } }
	full := env(map[string]string{"HOOKCTL_API_URL": "http://env", "HOOKCTL_API_KEY": "hk_env"})
	none := env(nil)
	if got := APIURL("http://flag", full, file); got != "http://flag" {
		t.Errorf("flag: %q", got)
	}
	if got := APIURL("", full, file); got != "http://env" {
		t.Errorf("env: %q", got)
	}
	if got := APIURL("", none, file); got != "http://file" {
		t.Errorf("file: %q", got)
	}
	if got := APIURL("", none, nil); got != "" {
		t.Errorf("default: %q", got)
	}
	if got := APIKey(full, file); got != "hk_env" {
		t.Errorf("key env: %q", got)
	}
	if got := APIKey(none, file); got != "hk_file" {
		t.Errorf("key file: %q", got)
	}
}

func TestPlainHTTPHost(t *testing.T) {
	tests := []struct{ url, want string }{
		{"http://hooks.example.com:8787", "hooks.example.com:8787"},
		{"http://10.0.0.5", "10.0.0.5"},
		{"HTTP://Example.COM/", "Example.COM"},
		{"https://hooks.example.com", ""},
		{"http://127.0.0.1:8787", ""},
		{"http://127.8.9.1", ""},
		{"http://[::1]:8787", ""},
		{"http://localhost:8787", ""},
		{"http://api.localhost", ""},
		{"http://[::ffff:127.0.0.1]:1", ""},
		{"not a url", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := PlainHTTPHost(tt.url); got != tt.want {
			t.Errorf("PlainHTTPHost(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

func TestAMQPURLPrecedence(t *testing.T) {
	file := &File{AMQPURL: "amqp://file"}
	env := func(k string) string {
		if k == "HOOKCTL_AMQP_URL" {
			return "amqp://env"
		}
		return ""
	}
	none := func(string) string { return "" }
	for _, tt := range []struct {
		flag, want string
		env        Env
		file       *File
	}{
		{"amqp://flag", "amqp://flag", env, file},
		{"", "amqp://env", env, file},
		{"", "amqp://file", none, file},
		{"", "", none, nil},
	} {
		if got := AMQPURL(tt.flag, tt.env, tt.file); got != tt.want {
			t.Errorf("AMQPURL(%q) = %q, want %q", tt.flag, got, tt.want)
		}
	}
}
