package backend

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"regexp"
	"strings"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/ids"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/store"
)

// Sources are the inbound webhook sources of `hookctl serve`. They are
// scoped by tenant (the tenant of the caller's API key), which is why they
// are not part of Backend: the server calls them on Local with the tenant
// of the key, and clients call the Remote methods of remote_sources.go,
// where the key decides the tenant.
type Sources interface {
	// UpsertSource creates the tenant's source for (datasource, event), or
	// updates its tsField when it exists; created says which.
	UpsertSource(ctx context.Context, tenant string, p UpsertSourceParams) (src *model.Source, created bool, err error)
	ListSources(ctx context.Context, tenant string) ([]model.Source, error)
	// GetSource returns the tenant's source with this token; another
	// tenant's token is not found.
	GetSource(ctx context.Context, tenant, token string) (*model.Source, error)
	DeleteSource(ctx context.Context, tenant, token string) error
	// HookSource returns the source of a hook URL's tokens, or a not-found
	// error that says nothing about which token was wrong.
	HookSource(ctx context.Context, apiToken, token string) (*model.Source, error)
	// RecordSourceRequest records a request accepted by src and returns
	// its sequence number in the source's event log.
	RecordSourceRequest(ctx context.Context, src *model.Source, req *model.ReceivedRequest) (int64, error)
	// SourceEventsAfter returns up to limit events of the source's log
	// after seq, oldest first.
	SourceEventsAfter(ctx context.Context, src *model.Source, seq int64, limit int) ([]model.SourceEvent, error)
	// LastSourceEvent is the source's last sequence number (0: none yet).
	LastSourceEvent(ctx context.Context, src *model.Source) (int64, error)
}

var _ Sources = (*Local)(nil)

// UpsertSourceParams is the body of POST /wh/config. TSField nil leaves a
// source's tsField unchanged ("" on creation); "" clears it.
type UpsertSourceParams struct {
	Datasource string  `json:"datasource"`
	Event      string  `json:"event"`
	TSField    *string `json:"tsField,omitempty"`
}

// Token prefixes: an API token and a source token, each followed by 32
// random bytes in lowercase base32 (52 characters, URL-safe).
const (
	APITokenPrefix    = "hka_"
	SourceTokenPrefix = "hks_"
)

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// GenerateToken returns prefix + 256 random bits.
func GenerateToken(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return prefix + tokenEncoding.EncodeToString(b)
}

var (
	datasourceRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	eventRE      = regexp.MustCompile(`^[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,127}$`)
)

// ValidateSourceParams checks a create-or-update request.
func ValidateSourceParams(p UpsertSourceParams) error {
	if p.Datasource == "" || p.Event == "" {
		return apperr.Usagef("datasource and event are required (--datasource github --event push)")
	}
	if !datasourceRE.MatchString(p.Datasource) {
		return apperr.New(apperr.ErrInvalid, "invalid datasource %q: use letters, digits, '_' and '-' (at most 64)", p.Datasource)
	}
	if !eventRE.MatchString(p.Event) {
		return apperr.New(apperr.ErrInvalid, "invalid event %q: use letters, digits, '_', '-', ':' and '.' (at most 128)", p.Event)
	}
	if p.TSField != nil && (len(*p.TSField) > 256 || strings.ContainsAny(*p.TSField, "\n\r")) {
		return apperr.New(apperr.ErrInvalid, "invalid tsField: a JSON path such as commits[0].timestamp, at most 256 characters")
	}
	return nil
}

func (l *Local) UpsertSource(ctx context.Context, tenant string, p UpsertSourceParams) (*model.Source, bool, error) {
	if err := ValidateSourceParams(p); err != nil {
		return nil, false, err
	}
	now := l.now().UTC()
	fresh := &model.Source{
		ID:         ids.New(ids.Source),
		Tenant:     tenant,
		Datasource: p.Datasource,
		Event:      p.Event,
		APIToken:   GenerateToken(APITokenPrefix),
		Token:      GenerateToken(SourceTokenPrefix),
		CreatedAt:  now,
		UpdatedAt:  now,
	}
	return l.store.UpsertSource(ctx, fresh, p.TSField)
}

func (l *Local) ListSources(ctx context.Context, tenant string) ([]model.Source, error) {
	return l.store.ListSources(ctx, tenant)
}

func (l *Local) GetSource(ctx context.Context, tenant, token string) (*model.Source, error) {
	src, err := l.store.SourceByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(src.Tenant), []byte(tenant)) != 1 {
		return nil, apperr.NotFoundf("no source with this token (run \"hookctl source list\")")
	}
	return src, nil
}

func (l *Local) DeleteSource(ctx context.Context, tenant, token string) error {
	src, err := l.GetSource(ctx, tenant, token)
	if err != nil {
		return err
	}
	return l.store.DeleteSource(ctx, src.Tenant, src.ID)
}

// errNoHook is the one answer to unknown hook tokens.
var errNoHook = apperr.NotFoundf("not found")

func (l *Local) HookSource(ctx context.Context, apiToken, token string) (*model.Source, error) {
	src, err := l.store.SourceByToken(ctx, token)
	if apperr.IsKind(err, apperr.ErrNotFound) {
		return nil, errNoHook
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(src.APIToken), []byte(apiToken)) != 1 {
		return nil, errNoHook
	}
	return src, nil
}

func (l *Local) RecordSourceRequest(ctx context.Context, src *model.Source, req *model.ReceivedRequest) (int64, error) {
	req.Tenant, req.Source, req.Datasource, req.RoutingKey = src.Tenant, src.ID, src.Datasource, src.RoutingKey()
	var mark *store.PublishMark
	if l.publish != nil {
		mark = &store.PublishMark{Event: src.Event}
	}
	seq, err := l.store.InsertSourceRequest(ctx, req, mark)
	if err == nil && l.publish != nil {
		l.publish() // wake the publisher: the mark is committed
	}
	return seq, err
}

func (l *Local) SourceEventsAfter(ctx context.Context, src *model.Source, seq int64, limit int) ([]model.SourceEvent, error) {
	return l.store.SourceEventsAfter(ctx, src.ID, seq, limit)
}

func (l *Local) LastSourceEvent(ctx context.Context, src *model.Source) (int64, error) {
	return l.store.LastSourceEvent(ctx, src.ID)
}
