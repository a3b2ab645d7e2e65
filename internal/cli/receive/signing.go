package receive

import (
	"context"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
)

// Signing is what signing or verifying needs: a scheme and its secrets.
type Signing = backend.Signing

// ResolveSigning turns --scheme/--secret/--config into a Signing
// (backend.ResolveSigning over the factory's backend, opened only for
// --config).
func ResolveSigning(ctx context.Context, f *cmdutil.Factory, scheme string, secrets []string, configID, defaultScheme string) (*Signing, error) {
	return backend.ResolveSigning(ctx, f.Backend, scheme, secrets, configID, defaultScheme)
}
