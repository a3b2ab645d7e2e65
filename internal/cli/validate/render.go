package validate

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
)

// esc escapes received or remote-controlled text for the terminal
// (iostreams.Escape): instance ids, messages, parameter errors, paths.
var esc = iostreams.Escape

// renderDecision is one decision for people: a line with the mark, the
// instance and the message, then its parameter errors and deployment
// indented below.
//
//	✓ cfg_inst_… approved (motion-control, dvc_1): all 2 rules for motion-control passed: …
//	✗ cfg_inst_… rejected (motion-control, dvc_1): 1 of 2 rules for motion-control failed: speed.max
//	    speed.max: speed.max must be at most 10 (got 12)
//	- req_… skipped: device.enrolled is not config_instance.target_status.validated
func renderDecision(st *iostreams.Styles, d Decision) string {
	var b strings.Builder
	subject := esc(d.InstanceID)
	if subject == "" {
		subject = esc(d.RequestID)
	}
	about := ""
	if d.ConfigTypeID != "" {
		about = " " + st.Muted.Render(fmt.Sprintf("(%s, %s)", esc(d.ConfigTypeID), esc(d.DeviceID)))
	}
	switch d.Decision {
	case DecisionApproved:
		fmt.Fprintf(&b, "%s %s %s%s: %s\n", st.SuccessIcon(), st.Bold.Render(subject), st.Success.Render("approved"), about, esc(d.Message))
	case DecisionRejected:
		fmt.Fprintf(&b, "%s %s %s%s: %s\n", st.FailureIcon(), st.Bold.Render(subject), st.Failure.Render("rejected"), about, esc(d.Message))
		for _, e := range d.Errors {
			fmt.Fprintf(&b, "    %s: %s\n", st.Failure.Render(esc(model.JoinParameterPath(e.ParameterPath))), esc(e.Message))
		}
	case DecisionSkipped:
		fmt.Fprintf(&b, "%s %s %s%s: %s\n", st.Muted.Render("-"), subject, st.Muted.Render("skipped"), about, esc(d.Reason))
	default:
		fmt.Fprintf(&b, "%s %s %s%s: %s\n", st.WarningIcon(), subject, st.Warning.Render("not decided"), about, esc(d.Error))
	}
	if d.Deploy != nil {
		removed := "nothing replaced"
		if n := len(d.Deploy.Remove); n > 0 {
			var ids []string
			for _, r := range d.Deploy.Remove {
				ids = append(ids, fmt.Sprintf("%s (%s)", esc(r.ConfigInstance.ID), esc(r.Code)))
			}
			removed = "removed " + strings.Join(ids, ", ")
		}
		fmt.Fprintf(&b, "    %s %s; %s\n", st.Success.Render("deployed"), esc(d.InstanceID), removed)
	}
	if d.DeployError != "" {
		fmt.Fprintf(&b, "    %s %s: %s\n", st.WarningIcon(), "not deployed", esc(d.DeployError))
	}
	return b.String()
}

// marshalLine is d as one line of JSON.
func marshalLine(d Decision) ([]byte, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode decision: %w", err)
	}
	return append(b, '\n'), nil
}
