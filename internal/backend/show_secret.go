package backend

import "context"

type showSecretKey struct{}

// WithShowSecret marks ctx as the context of a command that prints or uses a
// secret (a config's signing secret, or credential headers in full). Only
// then does Remote ask the server for them (show_secret=true); Local returns
// them always and the command redacts what it shows.
func WithShowSecret(ctx context.Context) context.Context {
	return context.WithValue(ctx, showSecretKey{}, true)
}

// ShowSecret reports whether ctx was marked by WithShowSecret.
func ShowSecret(ctx context.Context) bool {
	v, _ := ctx.Value(showSecretKey{}).(bool)
	return v
}
