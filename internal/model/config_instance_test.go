package model

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"
)

// referenceEvent is the example event of the provider's documentation
// (/work/shared/reference/providers.md, "Config instance validation").
const referenceEvent = `{"object":"event","timestamp":"2021-01-01T00:00:00Z","type":"config_instance.target_status.validated",
 "data":{"config_instance":{"object":"config_instance","id":"cfg_inst_123","target_status":"validated",
 "activity_status":"validating","error_status":"none","status":"validating",
 "relative_filepath":"/v1/motion-control.json","created_at":"2021-01-01T00:00:00Z",
 "updated_at":"2021-01-01T00:00:00Z","device_id":"dvc_123","config_schema_id":"cfg_sch_123",
 "config_type_id":"cfg_type_123"}}}`

func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

func TestValidatedEventMatchesReference(t *testing.T) {
	ts := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	ci := &ConfigInstance{
		ID: "cfg_inst_123", TargetStatus: TargetValidated, ActivityStatus: ActivityValidating,
		ErrorStatus: ErrorNone, Status: ConfigInstanceValidating, RelativeFilepath: "/v1/motion-control.json",
		CreatedAt: ts, UpdatedAt: ts, DeviceID: "dvc_123", ConfigSchemaID: "cfg_sch_123", ConfigTypeID: "cfg_type_123",
		Content: json.RawMessage(`{"speed":3}`), Message: "not in events",
	}
	var got, want map[string]any
	if err := json.Unmarshal(ValidatedEvent(ci, ts), &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(referenceEvent), &want); err != nil {
		t.Fatal(err)
	}
	if g, w := keys(got), keys(want); !slices.Equal(g, w) {
		t.Errorf("event keys = %v, want %v", g, w)
	}
	gi := got["data"].(map[string]any)["config_instance"].(map[string]any)
	wi := want["data"].(map[string]any)["config_instance"].(map[string]any)
	if g, w := keys(gi), keys(wi); !slices.Equal(g, w) {
		t.Errorf("config_instance keys = %v, want %v", g, w)
	}
	// With the reference's values the whole event is equal, not just its keys.
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("event =\n%s\nwant\n%s", gb, wb)
	}
}

func TestConfigInstanceJSON(t *testing.T) {
	ci := ConfigInstance{ID: "cfg_inst_1", Status: ConfigInstanceRejected,
		Errors: []ParameterError{{ParameterPath: []string{"a", "b"}, Message: "too big"}}}
	b, err := json.Marshal(ci)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["object"] != "config_instance" || m["id"] != "cfg_inst_1" {
		t.Errorf("json = %s", b)
	}
	var back ConfigInstance
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != ci.ID || len(back.Errors) != 1 || back.Errors[0].ParameterPath[1] != "b" {
		t.Errorf("round trip = %+v", back)
	}
}
