package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
)

// ConfigInstanceFilter narrows ListConfigInstances. Zero value: everything.
type ConfigInstanceFilter struct {
	Status           string
	DeviceID         string
	RelativeFilepath string
}

const configInstanceColumns = `tenant, id, config_type_id, device_id, relative_filepath, config_schema_id, content,
	target_status, activity_status, error_status, status, message, errors, created_at, updated_at, deployed_at, removed_at`

// InsertConfigInstance stores a new config instance.
func (s *Store) InsertConfigInstance(ctx context.Context, ci *model.ConfigInstance) error {
	args, err := configInstanceArgs(ci)
	if err != nil {
		return err
	}
	defer s.lockWrites()()
	_, err = s.db.ExecContext(ctx, `INSERT INTO config_instances (`+configInstanceColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, args...)
	if isKeyViolation(err) {
		return apperr.New(apperr.ErrConflict, "config instance %s already exists", ci.ID)
	}
	return err
}

// GetConfigInstance returns one instance of the tenant or an
// apperr.ErrNotFound error.
func (s *Store) GetConfigInstance(ctx context.Context, tenant, id string) (*model.ConfigInstance, error) {
	return getConfigInstance(ctx, s.db, tenant, id)
}

// ListConfigInstances returns the tenant's instances matching f, oldest first.
func (s *Store) ListConfigInstances(ctx context.Context, tenant string, f ConfigInstanceFilter) ([]model.ConfigInstance, error) {
	return listConfigInstances(ctx, s.db, tenant, f)
}

// ConfigInstanceTx is a write transaction over config instances: every read
// and write inside it sees one consistent state, and either all writes land
// or none does.
type ConfigInstanceTx struct {
	ctx    context.Context
	tx     *txHandle
	tenant string
}

// Get reads one instance of the transaction's tenant.
func (t *ConfigInstanceTx) Get(id string) (*model.ConfigInstance, error) {
	return getConfigInstance(t.ctx, t.tx, t.tenant, id)
}

// List reads the tenant's instances inside the transaction.
func (t *ConfigInstanceTx) List(f ConfigInstanceFilter) ([]model.ConfigInstance, error) {
	return listConfigInstances(t.ctx, t.tx, t.tenant, f)
}

// Save writes back an instance read in this transaction.
func (t *ConfigInstanceTx) Save(ci *model.ConfigInstance) error {
	if ci.Tenant != t.tenant {
		return notFoundConfigInstance(ci.ID)
	}
	args, err := configInstanceArgs(ci)
	if err != nil {
		return err
	}
	res, err := t.tx.ExecContext(t.ctx, `UPDATE config_instances SET config_type_id=?, device_id=?, relative_filepath=?,
		config_schema_id=?, content=?, target_status=?, activity_status=?, error_status=?, status=?, message=?, errors=?,
		created_at=?, updated_at=?, deployed_at=?, removed_at=? WHERE tenant=? AND id=?`, append(args[2:], ci.Tenant, ci.ID)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFoundConfigInstance(ci.ID)
	}
	return nil
}

// UpdateConfigInstances runs fn in one IMMEDIATE (write) transaction over
// the tenant's instances and commits when it returns nil; an error rolls
// everything back.
func (s *Store) UpdateConfigInstances(ctx context.Context, tenant string, fn func(*ConfigInstanceTx) error) error {
	return s.writeTx(ctx, func(tx *txHandle) error {
		if err := tx.lock(ctx, "config_instances/"+tenant); err != nil {
			return err
		}
		return fn(&ConfigInstanceTx{ctx: ctx, tx: tx, tenant: tenant})
	})
}

func notFoundConfigInstance(id string) error {
	return apperr.NotFoundf("no config instance %s (run \"hookctl config-instance list\")", id)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func getConfigInstance(ctx context.Context, q querier, tenant, id string) (*model.ConfigInstance, error) {
	return scanConfigInstance(q.QueryRowContext(ctx, `SELECT `+configInstanceColumns+` FROM config_instances WHERE tenant = ? AND id = ?`, tenant, id), id)
}

func listConfigInstances(ctx context.Context, q querier, tenant string, f ConfigInstanceFilter) ([]model.ConfigInstance, error) {
	query := `SELECT ` + configInstanceColumns + ` FROM config_instances WHERE tenant = ?`
	args := []any{tenant}
	if f.Status != "" {
		query += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.DeviceID != "" {
		query += ` AND device_id = ?`
		args = append(args, f.DeviceID)
	}
	if f.RelativeFilepath != "" {
		query += ` AND relative_filepath = ?`
		args = append(args, f.RelativeFilepath)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.ConfigInstance{}
	for rows.Next() {
		ci, err := scanConfigInstance(rows, "")
		if err != nil {
			return nil, err
		}
		out = append(out, *ci)
	}
	return out, rows.Err()
}

func configInstanceArgs(ci *model.ConfigInstance) ([]any, error) {
	if err := needTenant(ci.Tenant, ci.ID); err != nil {
		return nil, err
	}
	errs := ci.Errors
	if errs == nil {
		errs = []model.ParameterError{}
	}
	errsJSON, err := json.Marshal(errs)
	if err != nil {
		return nil, err
	}
	return []any{ci.Tenant, ci.ID, ci.ConfigTypeID, ci.DeviceID, ci.RelativeFilepath, ci.ConfigSchemaID, string(ci.Content),
		ci.TargetStatus, ci.ActivityStatus, ci.ErrorStatus, ci.Status, ci.Message, string(errsJSON),
		formatTime(ci.CreatedAt), formatTime(ci.UpdatedAt), nullTime(ci.DeployedAt), nullTime(ci.RemovedAt)}, nil
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}

func scanConfigInstance(row scanner, id string) (*model.ConfigInstance, error) {
	var ci model.ConfigInstance
	var content, errs, created, updated string
	var deployed, removed sql.NullString
	err := row.Scan(&ci.Tenant, &ci.ID, &ci.ConfigTypeID, &ci.DeviceID, &ci.RelativeFilepath, &ci.ConfigSchemaID, &content,
		&ci.TargetStatus, &ci.ActivityStatus, &ci.ErrorStatus, &ci.Status, &ci.Message, &errs,
		&created, &updated, &deployed, &removed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundConfigInstance(id)
	}
	if err != nil {
		return nil, err
	}
	ci.Content = json.RawMessage(content)
	if err := json.Unmarshal([]byte(errs), &ci.Errors); err != nil {
		return nil, fmt.Errorf("config instance %s: corrupt stored errors: %w", ci.ID, err)
	}
	if len(ci.Errors) == 0 {
		ci.Errors = nil
	}
	if ci.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if ci.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		s   sql.NullString
		dst **time.Time
	}{{deployed, &ci.DeployedAt}, {removed, &ci.RemovedAt}} {
		if p.s.Valid {
			t, err := parseTime(p.s.String)
			if err != nil {
				return nil, err
			}
			*p.dst = &t
		}
	}
	return &ci, nil
}
