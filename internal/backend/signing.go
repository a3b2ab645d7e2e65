package backend

import (
	"context"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
)

// Signing is what signing or verifying needs: a scheme and its secrets.
type Signing struct {
	Scheme  string
	Secrets []signature.Secret
	Config  *model.WebhookConfig // set when the secrets came from a config
}

// ResolveSigning turns a scheme, secrets and a config id (the --scheme,
// --secret and --config of the commands, or the inspector's fields) into a
// Signing. With a config, its scheme is used unless scheme was given
// explicitly, and its rotated secrets come along (with their expiry, so an
// expired one is diagnosed, not accepted). defaultScheme applies when
// neither gives one. open is called only when a config is named, so that
// signing with a given secret opens no store.
func ResolveSigning(ctx context.Context, open func() (Backend, error), scheme string, secrets []string, configID, defaultScheme string) (*Signing, error) {
	if configID != "" && len(secrets) > 0 {
		return nil, apperr.Usagef("use either --secret or --config, not both")
	}
	s := &Signing{Scheme: scheme}
	if configID != "" {
		be, err := open()
		if err != nil {
			return nil, err
		}
		// The secret is used here, so it is asked for.
		c, err := be.GetWebhookConfig(WithShowSecret(ctx), configID)
		if err != nil {
			return nil, err
		}
		s.Config = c
		if s.Scheme == "" {
			s.Scheme = c.Scheme
		}
		s.Secrets = dispatch.ConfigSecrets(c)
	}
	for _, v := range secrets {
		if v == "" {
			return nil, apperr.Usagef("--secret is empty")
		}
		s.Secrets = append(s.Secrets, signature.Secret{Value: v})
	}
	if s.Scheme == "" {
		s.Scheme = defaultScheme
	}
	return s, nil
}
