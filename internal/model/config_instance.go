package model

import (
	"encoding/json"
	"time"
)

// Config instance statuses (the "status" field). An instance is created
// validating; a validation server (or a person) approves or rejects it; an
// approved instance can be deployed; deploying another instance to the same
// device file path or config schema removes it.
const (
	ConfigInstanceValidating = "validating"
	ConfigInstanceApproved   = "approved"
	ConfigInstanceRejected   = "rejected"
	ConfigInstanceDeployed   = "deployed"
	ConfigInstanceRemoved    = "removed"
)

// ConfigInstanceStatuses lists the values of "status", in lifecycle order.
var ConfigInstanceStatuses = []string{
	ConfigInstanceValidating, ConfigInstanceApproved, ConfigInstanceRejected, ConfigInstanceDeployed, ConfigInstanceRemoved,
}

// Values of target_status, activity_status and error_status.
const (
	TargetValidated = "validated"
	TargetDeployed  = "deployed"
	TargetRemoved   = "removed"

	ActivityValidating = "validating"
	ActivityValidated  = "validated"
	ActivityDeployed   = "deployed"
	ActivityRemoved    = "removed"

	ErrorNone   = "none"
	ErrorFailed = "failed"
)

// Codes of the instances a deployment replaces (the provider's "remove" entries).
const (
	ConflictDeviceFilePath     = "device_file_path_conflict"
	ConflictDeviceConfigSchema = "device_config_schema_conflict"
)

// ObjectConfigInstance is the "object" field of a config instance.
const ObjectConfigInstance = "config_instance"

// ConfigInstance is one configuration file proposed for a device, shaped like
// the provider's config_instance object (Miru's custom validation server).
type ConfigInstance struct {
	// Tenant owns the instance; never in JSON (the API key decides it).
	Tenant           string           `json:"-"`
	ID               string           `json:"id"`
	TargetStatus     string           `json:"target_status"`
	ActivityStatus   string           `json:"activity_status"`
	ErrorStatus      string           `json:"error_status"`
	Status           string           `json:"status"`
	RelativeFilepath string           `json:"relative_filepath"`
	CreatedAt        time.Time        `json:"created_at"`
	UpdatedAt        time.Time        `json:"updated_at"`
	DeviceID         string           `json:"device_id"`
	ConfigSchemaID   string           `json:"config_schema_id"`
	ConfigTypeID     string           `json:"config_type_id"`
	Content          json.RawMessage  `json:"content,omitempty"`
	Message          string           `json:"message,omitempty"` // approval or rejection message
	Errors           []ParameterError `json:"errors,omitempty"`  // rejection's parameter errors
	DeployedAt       *time.Time       `json:"deployed_at,omitempty"`
	RemovedAt        *time.Time       `json:"removed_at,omitempty"`
	// ValidationDeliveries, in the answer of a create only, are the
	// validation event's deliveries to the subscribed webhook configs
	// (pending when a server queued them). Not stored with the instance.
	ValidationDeliveries []ValidationDelivery `json:"validation_deliveries,omitempty"`
}

// ValidationDelivery is the validation event of a new instance to one
// webhook config: its delivery, or why it could not be sent at all.
type ValidationDelivery struct {
	URL      string    `json:"url"`
	Delivery *Delivery `json:"delivery,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// ParameterError is one reason a config instance was rejected: the path of
// the parameter inside the content (["a","b"] for content.a.b) and a message
// shown to people.
type ParameterError struct {
	ParameterPath []string `json:"parameter_path"`
	Message       string   `json:"message"`
}

// MarshalJSON adds "object":"config_instance" in front, as the provider does.
func (c ConfigInstance) MarshalJSON() ([]byte, error) {
	type plain ConfigInstance
	return json.Marshal(struct {
		Object string `json:"object"`
		plain
	}{ObjectConfigInstance, plain(c)})
}

// UnmarshalJSON accepts the provider's shape (and ignores "object").
func (c *ConfigInstance) UnmarshalJSON(b []byte) error {
	type plain ConfigInstance
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*c = ConfigInstance(p)
	return nil
}

// EventConfigInstanceValidated is the event type sent when an instance is
// created and waits for a validation server.
const EventConfigInstanceValidated = "config_instance.target_status.validated"

// eventInstance is the config_instance inside a webhook event: exactly the
// fields of the provider's example (no content, message or errors).
type eventInstance struct {
	Object           string `json:"object"`
	ID               string `json:"id"`
	TargetStatus     string `json:"target_status"`
	ActivityStatus   string `json:"activity_status"`
	ErrorStatus      string `json:"error_status"`
	Status           string `json:"status"`
	RelativeFilepath string `json:"relative_filepath"`
	CreatedAt        string `json:"created_at"`
	UpdatedAt        string `json:"updated_at"`
	DeviceID         string `json:"device_id"`
	ConfigSchemaID   string `json:"config_schema_id"`
	ConfigTypeID     string `json:"config_type_id"`
}

// eventTime is the provider's timestamp format: RFC 3339, UTC, seconds.
func eventTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// ValidatedEvent builds the body of the config_instance.target_status.validated
// webhook for ci, timestamped now, exactly like the provider's example:
//
//	{"object":"event","timestamp":"…","type":"config_instance.target_status.validated",
//	 "data":{"config_instance":{"object":"config_instance","id":"cfg_inst_…",…}}}
func ValidatedEvent(ci *ConfigInstance, now time.Time) []byte {
	type data struct {
		ConfigInstance eventInstance `json:"config_instance"`
	}
	ev := struct {
		Object    string `json:"object"`
		Timestamp string `json:"timestamp"`
		Type      string `json:"type"`
		Data      data   `json:"data"`
	}{
		Object:    "event",
		Timestamp: eventTime(now),
		Type:      EventConfigInstanceValidated,
		Data: data{eventInstance{
			Object:           ObjectConfigInstance,
			ID:               ci.ID,
			TargetStatus:     ci.TargetStatus,
			ActivityStatus:   ci.ActivityStatus,
			ErrorStatus:      ci.ErrorStatus,
			Status:           ci.Status,
			RelativeFilepath: ci.RelativeFilepath,
			CreatedAt:        eventTime(ci.CreatedAt),
			UpdatedAt:        eventTime(ci.UpdatedAt),
			DeviceID:         ci.DeviceID,
			ConfigSchemaID:   ci.ConfigSchemaID,
			ConfigTypeID:     ci.ConfigTypeID,
		}},
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic("marshal validated event: " + err.Error()) // only strings: cannot fail
	}
	return b
}
