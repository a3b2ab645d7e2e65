package config

import (
	"net"
	"net/url"
	"strings"
)

// APIURL resolves the URL of a remote `hookctl serve`: the --api-url flag,
// HOOKCTL_API_URL, the config file's api_url. Empty means local mode.
func APIURL(flag string, getenv Env, file *File) string {
	switch {
	case flag != "":
		return flag
	case getenv("HOOKCTL_API_URL") != "":
		return getenv("HOOKCTL_API_URL")
	case file != nil:
		return file.APIURL
	}
	return ""
}

// APIKey resolves the key sent to a remote server: HOOKCTL_API_KEY, then the
// config file's api_key. (No flag: keys on command lines end up in shell
// histories and process listings.)
func APIKey(getenv Env, file *File) string {
	if k := getenv("HOOKCTL_API_KEY"); k != "" {
		return k
	}
	if file != nil {
		return file.APIKey
	}
	return ""
}

// PlainHTTPHost returns the host of apiURL when a key sent there would go
// over plain http to a host that is not loopback (anyone on the network can
// read it), and "" otherwise (https, loopback, or an unparsable URL, which
// NewRemote rejects).
func PlainHTTPHost(apiURL string) string {
	u, err := url.Parse(strings.TrimSpace(apiURL))
	if err != nil || !strings.EqualFold(u.Scheme, "http") || u.Hostname() == "" {
		return ""
	}
	h := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return ""
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
		return ""
	}
	return u.Host
}

// AMQPURL resolves the broker `serve` publishes source events to: the
// --amqp-url flag, HOOKCTL_AMQP_URL, the config file's amqp_url. Empty
// means no publishing.
func AMQPURL(flag string, getenv Env, file *File) string {
	switch {
	case flag != "":
		return flag
	case getenv("HOOKCTL_AMQP_URL") != "":
		return getenv("HOOKCTL_AMQP_URL")
	case file != nil:
		return file.AMQPURL
	}
	return ""
}
