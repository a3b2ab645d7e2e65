package receive

import (
	"context"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
)

// Signing is what signing or verifying needs: a scheme and its secrets.
type Signing struct {
	Scheme  string
	Secrets []signature.Secret
	Config  *model.WebhookConfig // set when the secrets came from --config
}

// ResolveSigning turns --scheme/--secret/--config into a Signing. With
// --config, the config's scheme is used unless scheme was given explicitly,
// and its rotated secrets come along (with their expiry, so an expired one is
// diagnosed, not accepted). defaultScheme applies when neither gives one.
func ResolveSigning(ctx context.Context, f *cmdutil.Factory, scheme string, secrets []string, configID, defaultScheme string) (*Signing, error) {
	if configID != "" && len(secrets) > 0 {
		return nil, apperr.Usagef("use either --secret or --config, not both")
	}
	s := &Signing{Scheme: scheme}
	if configID != "" {
		be, err := f.Backend()
		if err != nil {
			return nil, err
		}
		// The secret is used here, so it is asked for.
		c, err := be.GetWebhookConfig(backend.WithShowSecret(ctx), configID)
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
