// Package config resolves hookctl's settings: flag > environment (HOOKCTL_*)
// > config file ($XDG_CONFIG_HOME/hookctl/config.yaml) > default.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// File is the content of config.yaml.
type File struct {
	DataDir string `yaml:"data_dir"`
	// DatabaseURL puts the store in PostgreSQL (postgres://…) instead of
	// SQLite in the data directory: what replicas of `serve` share.
	DatabaseURL string `yaml:"database_url"`
	APIURL      string `yaml:"api_url"`
	APIKey      string `yaml:"api_key"`
	// AMQPURL is the broker `serve` publishes source events to.
	AMQPURL string `yaml:"amqp_url"`
}

// Env reads environment variables; os.Getenv in production.
type Env func(string) string

// Path is where the config file lives: $XDG_CONFIG_HOME/hookctl/config.yaml,
// falling back to ~/.config.
func Path(getenv Env) string {
	base := getenv("XDG_CONFIG_HOME")
	if base == "" {
		base = filepath.Join(home(getenv), ".config")
	}
	return filepath.Join(base, "hookctl", "config.yaml")
}

// Load reads the config file if present. A missing file is an empty config;
// a malformed one is an error naming the file and line.
func Load(getenv Env) (*File, error) {
	path := Path(getenv)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &File{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	var f File
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("config file %s: %v (fix or remove it)", path, err)
	}
	return &f, nil
}

// DatabaseURL resolves the PostgreSQL database of the store: flag,
// HOOKCTL_DATABASE_URL, the config file's database_url; "" means SQLite in
// the data directory.
func DatabaseURL(flag string, getenv Env, file *File) string {
	switch {
	case flag != "":
		return flag
	case getenv("HOOKCTL_DATABASE_URL") != "":
		return getenv("HOOKCTL_DATABASE_URL")
	case file != nil:
		return file.DatabaseURL
	}
	return ""
}

// DataDir resolves the data directory: flag, HOOKCTL_DATA_DIR, the config
// file's data_dir, $XDG_DATA_HOME/hookctl, ~/.local/share/hookctl.
func DataDir(flag string, getenv Env, file *File) string {
	switch {
	case flag != "":
		return flag
	case getenv("HOOKCTL_DATA_DIR") != "":
		return getenv("HOOKCTL_DATA_DIR")
	case file != nil && file.DataDir != "":
		return file.DataDir
	case getenv("XDG_DATA_HOME") != "":
		return filepath.Join(getenv("XDG_DATA_HOME"), "hookctl")
	default:
		return filepath.Join(home(getenv), ".local", "share", "hookctl")
	}
}

func home(getenv Env) string {
	if h := getenv("HOME"); h != "" {
		return h
	}
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return "."
}
