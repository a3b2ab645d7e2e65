package cmdutil

import (
	"fmt"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/config"
)

// NewRemote builds the Remote backend of a command for the server at apiURL
// with key, over the factory's HTTP client. When the key is about to go over
// plain http to a host that is not loopback, it warns once per factory on
// stderr (the backend package never prints).
func NewRemote(f *Factory, apiURL, key string) (*backend.Remote, error) {
	r, err := backend.NewRemote(apiURL, key, f.HTTPClient())
	if err != nil {
		return nil, err
	}
	if host := config.PlainHTTPHost(apiURL); host != "" && !f.warnedPlainHTTP {
		f.warnedPlainHTTP = true
		ios := f.IOStreams
		fmt.Fprintf(ios.ErrOut, "%s the API key is sent to %s over plain http: anyone on the network can read it; use https (hookctl serve --tls-cert FILE --tls-key FILE)\n", ios.ErrStyles().WarningIcon(), host)
	}
	return r, nil
}
