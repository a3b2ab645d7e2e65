// Package configinstance implements `hookctl config-instance`: create config
// instances for devices, approve or reject them (by flags or interactively
// with `review`) and deploy the approved ones.
package configinstance

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/prompt"
)

// NewCmdConfigInstance is the `config-instance` group.
func NewCmdConfigInstance(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "config-instance <command>",
		Aliases: []string{"ci"},
		Short:   "Create, validate (approve or reject) and deploy config instances",
		Long: `A config instance is a configuration file (JSON content) proposed for a device
at a file path, as in Miru's custom validation server flow. Its lifecycle:

  create    → validating  waits for a decision (a config_instance.target_status.validated
                          webhook tells validation servers about it)
  approve   → approved    with a message shown to people
  reject    → rejected    with a message and parameter errors; it can never be deployed
  deploy    → deployed    only an approved instance; it replaces the instance deployed on
                          the same device at the same file path or with the same config
                          schema, which becomes removed

"review" walks through the validating instances interactively: it shows the
content and a diff against what the device has now, then approves, rejects or
skips. "approve" and "reject" do the same with flags, for scripts and CI.`,
		Example: `  hookctl config-instance create --config-type cfg_type_motion --device dvc_1 --file motion.json --path /v1/motion.json
  hookctl config-instance list --status validating
  hookctl config-instance review
  hookctl ci approve cfg_inst_01j… --message "Speeds within limits"
  hookctl ci reject cfg_inst_01j… --message "Unsafe speed" --error 'limits.max_speed=must be at most 2.5 m/s'
  hookctl ci deploy cfg_inst_01j… --dry-run`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(
		NewCmdCreate(f, nil),
		NewCmdList(f, nil),
		NewCmdGet(f, nil),
		NewCmdApprove(f, nil),
		NewCmdReject(f, nil),
		NewCmdDeploy(f, nil),
		NewCmdReview(f, nil),
	)
	return cmd
}

// statusStyle colours a status for people.
func statusStyle(st *iostreams.Styles, status string) string {
	switch status {
	case model.ConfigInstanceApproved, model.ConfigInstanceDeployed:
		return st.Success.Render(status)
	case model.ConfigInstanceRejected:
		return st.Failure.Render(status)
	case model.ConfigInstanceValidating:
		return st.Warning.Render(status)
	default:
		return st.Muted.Render(iostreams.Escape(status))
	}
}

// printDetail renders one instance as aligned "Key  value" lines followed by
// its content, pretty-printed.
func printDetail(ios *iostreams.IOStreams, now time.Time, ci *model.ConfigInstance) error {
	st := ios.Styles()
	esc := iostreams.Escape
	type kv struct{ k, v string }
	rows := []kv{
		{"ID", st.Bold.Render(esc(ci.ID))},
		{"Status", statusStyle(st, ci.Status) + st.Muted.Render(fmt.Sprintf("  (target %s, activity %s, error %s)", esc(ci.TargetStatus), esc(ci.ActivityStatus), esc(ci.ErrorStatus)))},
		{"Device", esc(ci.DeviceID)},
		{"Path", esc(ci.RelativeFilepath)},
		{"Config type", esc(ci.ConfigTypeID)},
	}
	if ci.ConfigSchemaID != "" {
		rows = append(rows, kv{"Schema", esc(ci.ConfigSchemaID)})
	}
	if ci.Message != "" {
		rows = append(rows, kv{"Message", esc(ci.Message)})
	}
	for _, e := range ci.Errors {
		rows = append(rows, kv{"Error", st.Failure.Render(esc(model.JoinParameterPath(e.ParameterPath))) + ": " + esc(e.Message)})
	}
	rows = append(rows, kv{"Created", cmdutil.HumanTime(now, ci.CreatedAt)}, kv{"Updated", cmdutil.HumanTime(now, ci.UpdatedAt)})
	if ci.DeployedAt != nil {
		rows = append(rows, kv{"Deployed", cmdutil.HumanTime(now, *ci.DeployedAt)})
	}
	if ci.RemovedAt != nil {
		rows = append(rows, kv{"Removed", cmdutil.HumanTime(now, *ci.RemovedAt)})
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s %s\n", st.Key.Render(fmt.Sprintf("%-12s", r.k)), r.v)
	}
	fmt.Fprintf(&b, "%s\n%s", st.Key.Render("Content"), iostreams.Indent(iostreams.EscapeText(prettyContent(ci.Content)), "  "))
	_, err := fmt.Fprint(ios.Out, b.String())
	return err
}

// prettyContent is a config's content indented, with a final newline.
func prettyContent(raw []byte) string { return iostreams.PrettyJSON(raw) + "\n" }

// ContentPaths lists the gjson paths of every value in a JSON document, in
// document order (objects before their members): the suggestions offered
// when a person names the parameter a rejection is about.
func ContentPaths(raw []byte) []string {
	var out []string
	var walk func(prefix string, r gjson.Result)
	walk = func(prefix string, r gjson.Result) {
		i := 0
		r.ForEach(func(k, v gjson.Result) bool {
			key := strconv.Itoa(i)
			if r.IsObject() {
				key = model.EscapePathKey(k.String())
			}
			i++
			p := key
			if prefix != "" {
				p = prefix + "." + key
			}
			out = append(out, p)
			if v.IsObject() || v.IsArray() {
				walk(p, v)
			}
			return true
		})
	}
	walk("", gjson.ParseBytes(raw))
	return out
}

// ParseErrorFlag parses --error 'a.b=message' into a parameter error. The
// first '=' not escaped by a backslash separates path and message.
func ParseErrorFlag(s string) (model.ParameterError, error) {
	sep := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == '=' {
			sep = i
			break
		}
	}
	bad := apperr.Usagef("invalid --error %q: use 'path.to.parameter=message', e.g. --error 'limits.max_speed=must be at most 2.5'", s)
	if sep <= 0 {
		return model.ParameterError{}, bad
	}
	path, msg := strings.TrimSpace(s[:sep]), strings.TrimSpace(s[sep+1:])
	parts := model.SplitParameterPath(path)
	for _, p := range parts {
		if p == "" {
			return model.ParameterError{}, bad
		}
	}
	if msg == "" {
		return model.ParameterError{}, bad
	}
	return model.ParameterError{ParameterPath: parts, Message: msg}, nil
}

// askRequired asks until the answer is not blank (three tries).
func askRequired(p prompt.Prompter, ios *iostreams.IOStreams, question, flag string) (string, error) {
	for range 3 {
		v, err := p.Input(question, "")
		if err != nil {
			return "", err
		}
		if v = strings.TrimSpace(v); v != "" {
			return v, nil
		}
		fmt.Fprintf(ios.ErrOut, "%s An answer is required: it is shown to people next to the config.\n", ios.ErrStyles().WarningIcon())
	}
	return "", apperr.Usagef("no answer given: pass %s", flag)
}

// Options of the parameter question.
const (
	optionOther = "other path…"
	optionDone  = "done"
)

// askParameterErrors asks for parameter errors one by one — path (picked from
// the content's paths or typed) and message — until the person says done.
func askParameterErrors(p prompt.Prompter, ios *iostreams.IOStreams, content []byte) ([]model.ParameterError, error) {
	paths := ContentPaths(content)
	var errs []model.ParameterError
	for {
		options := []string{}
		if len(errs) > 0 {
			options = append(options, optionDone)
		}
		options = append(options, paths...)
		options = append(options, optionOther)
		q := "Which parameter is wrong?"
		if len(errs) > 0 {
			q = fmt.Sprintf("Another parameter error? (%s so far; pick %q to finish)", cmdutil.Plural(len(errs), "error", "errors"), optionDone)
		}
		i, err := p.Select(q, options, 0)
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= len(options) {
			return nil, fmt.Errorf("select returned %d of %d options", i, len(options))
		}
		path := options[i]
		switch path {
		case optionDone:
			return errs, nil
		case optionOther:
			for {
				path, err = askRequired(p, ios, "Parameter path (dots between keys, e.g. limits.max_speed):", "--error 'path=message'")
				if err != nil {
					return nil, err
				}
				if !strings.Contains("."+path+".", "..") {
					break
				}
				fmt.Fprintf(ios.ErrOut, "%s %q has an empty key\n", ios.ErrStyles().WarningIcon(), path)
			}
		}
		msg, err := askRequired(p, ios, fmt.Sprintf("What is wrong with %s?", path), "--error 'path=message'")
		if err != nil {
			return nil, err
		}
		errs = append(errs, model.ParameterError{ParameterPath: model.SplitParameterPath(path), Message: msg})
	}
}
