package configinstance

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/textdiff"
)

// ReviewOptions are the inputs of `config-instance review`.
type ReviewOptions struct {
	Factory *cmdutil.Factory
	ID      string // empty: pick among the validating instances
}

// Decisions offered by review, in this order (Quit is offered at the pick
// of the next instance too).
const (
	DecisionApprove = "Approve"
	DecisionReject  = "Reject"
	DecisionSkip    = "Skip"
	DecisionQuit    = "Quit" // stop reviewing; the rest stay validating
)

// NewCmdReview builds `config-instance review`.
func NewCmdReview(f *cmdutil.Factory, runF func(context.Context, *ReviewOptions) error) *cobra.Command {
	opts := &ReviewOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "review [ID]",
		Short: "Review validating config instances interactively: approve, reject or skip",
		Long: `Review a validating config instance on a terminal: pick one (or name it), see
its content and a line diff against what is deployed on that device at that
path now, then approve it (with a message; then optionally deploy it), reject
it (with a message and parameter errors, picked from the content's paths),
skip it or quit.

After each decision it goes on to the next validating instance (picked from
a list when there are several) until none remains or you choose Quit; an
instance skipped is not offered again in the same run.

Nothing is written until a decision is complete: Ctrl-C leaves the instance
under review as it was (decisions already made stay) and exits 130. Without a terminal use "approve" and "reject" with flags.`,
		Example: `  hookctl config-instance review
  hookctl ci review cfg_inst_01j…`,
		Args: cmdutil.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ID = args[0]
			}
			if !f.IOStreams.CanPrompt() {
				return apperr.Usagef("review asks questions and needs a terminal: use \"hookctl config-instance approve ID --message M\" or \"hookctl config-instance reject ID --message M --error 'path=message'\" instead")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return reviewRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func reviewRun(ctx context.Context, opts *ReviewOptions) error {
	f := opts.Factory
	ios := f.IOStreams
	be, err := f.Backend()
	if err != nil {
		return err
	}

	// Each instance is offered once per run: a skipped one stays
	// validating but is not offered again.
	offered := map[string]bool{}
	counts := map[string]int{}
	summary := func() {
		if n := counts[DecisionApprove] + counts[DecisionReject] + counts[DecisionSkip]; n > 0 {
			fmt.Fprintf(ios.ErrOut, "Reviewed %s: %d approved, %d rejected, %d skipped.\n", cmdutil.Plural(n, "config instance", "config instances"),
				counts[DecisionApprove], counts[DecisionReject], counts[DecisionSkip])
		}
	}
	for {
		ci, err := nextForReview(ctx, f, be, opts.ID, offered, len(offered) == 0)
		opts.ID = ""
		if err != nil {
			return err
		}
		if ci == nil {
			if len(offered) == 0 {
				fmt.Fprintln(ios.ErrOut, "Nothing to review: no config instance is validating.")
			} else {
				fmt.Fprintln(ios.ErrOut, "No other config instance is validating.")
			}
			summary()
			return nil
		}
		if ci.ID == "" { // quit at the pick
			summary()
			return nil
		}
		offered[ci.ID] = true
		if len(offered) > 1 {
			fmt.Fprintln(ios.Out)
		}
		decision, err := reviewOne(ctx, f, be, ci)
		if err != nil {
			return err
		}
		if decision == DecisionQuit {
			summary()
			return nil
		}
		counts[decision]++
	}
}

// nextForReview returns the instance to review next: the one named by id,
// else the only validating one not offered yet, else the one picked; nil
// when none remains, and an instance without an ID when the person quits
// at the pick.
func nextForReview(ctx context.Context, f *cmdutil.Factory, be backend.Backend, id string, offered map[string]bool, first bool) (*model.ConfigInstance, error) {
	if id != "" {
		ci, err := be.GetConfigInstance(ctx, id)
		if err != nil {
			return nil, err
		}
		if ci.Status != model.ConfigInstanceValidating {
			return nil, apperr.New(apperr.ErrConflict, "%s is %s: only a validating instance can be reviewed", ci.ID, ci.Status)
		}
		return ci, nil
	}
	all, err := be.ListConfigInstances(ctx, backend.ListConfigInstancesParams{Status: model.ConfigInstanceValidating})
	if err != nil {
		return nil, err
	}
	var pending []model.ConfigInstance
	for _, c := range all {
		if !offered[c.ID] {
			pending = append(pending, c)
		}
	}
	switch len(pending) {
	case 0:
		return nil, nil
	case 1:
		return &pending[0], nil
	}
	now := f.Now()
	labels := make([]string, len(pending), len(pending)+1)
	for i, c := range pending {
		labels[i] = fmt.Sprintf("%s  %s  %s  (%s)", c.ID, iostreams.Escape(c.DeviceID), iostreams.Escape(c.RelativeFilepath), cmdutil.FuzzyAgo(now, c.CreatedAt))
	}
	labels = append(labels, DecisionQuit)
	question := fmt.Sprintf("Which config instance? (%d validating)", len(pending))
	if !first {
		question = fmt.Sprintf("Which config instance next? (%d more validating)", len(pending))
	}
	i, err := f.Prompter().Select(question, labels, 0)
	if err != nil {
		return nil, err
	}
	switch {
	case i == len(pending):
		return &model.ConfigInstance{}, nil
	case i < 0 || i > len(pending):
		return nil, fmt.Errorf("select returned %d of %d options", i, len(labels))
	}
	return &pending[i], nil
}

// reviewOne shows ci, asks for the decision and carries it out; it returns
// the decision taken (DecisionQuit: none).
func reviewOne(ctx context.Context, f *cmdutil.Factory, be backend.Backend, ci *model.ConfigInstance) (string, error) {
	ios := f.IOStreams
	est := ios.ErrStyles()
	p := f.Prompter()
	current, err := backend.CurrentDeployment(ctx, be, ci)
	if err != nil {
		return "", err
	}
	if err := printReview(ios, f, ci, current); err != nil {
		return "", err
	}

	decisions := []string{DecisionApprove, DecisionReject, DecisionSkip, DecisionQuit}
	choice, err := p.Select(fmt.Sprintf("Decision for %s:", ci.ID), decisions, 0)
	if err != nil {
		return "", err
	}
	if choice < 0 || choice >= len(decisions) {
		return "", fmt.Errorf("select returned %d of %d options", choice, len(decisions))
	}
	switch decisions[choice] {
	case DecisionApprove:
		msg, err := askRequired(p, ios, "Approval message (shown to people):", "--message")
		if err != nil {
			return "", err
		}
		approved, err := be.ApproveConfigInstance(ctx, ci.ID, backend.ApproveConfigInstanceRequest{Message: msg})
		if err != nil {
			return "", err
		}
		fmt.Fprintf(ios.ErrOut, "%s Approved %s\n", est.SuccessIcon(), approved.ID)
		plan, err := be.DeployConfigInstance(ctx, ci.ID, true)
		if err != nil {
			return "", err
		}
		question := fmt.Sprintf("Deploy %s to %s now?", ci.ID, ci.DeviceID)
		if n := len(plan.Remove); n > 0 {
			ids := make([]string, n)
			for i, r := range plan.Remove {
				ids[i] = r.ConfigInstance.ID
			}
			question = fmt.Sprintf("Deploy %s to %s now? It replaces %s", ci.ID, ci.DeviceID, strings.Join(ids, ", "))
		}
		ok, err := p.Confirm(question, false)
		if err != nil {
			if apperrIsInterrupt(err) {
				fmt.Fprintf(ios.ErrOut, "%s %s stays approved and not deployed\n", est.WarningIcon(), ci.ID)
			}
			return "", err
		}
		if !ok {
			fmt.Fprintf(ios.ErrOut, "Not deployed. Deploy later with: hookctl config-instance deploy %s\n", ci.ID)
			return DecisionApprove, cmdutil.Render(f, approved, func() error { return nil })
		}
		res, err := be.DeployConfigInstance(ctx, ci.ID, false)
		if err != nil {
			return "", err
		}
		return DecisionApprove, cmdutil.Render(f, res, func() error { return printDeployResult(ios, res, false) })
	case DecisionReject:
		msg, err := askRequired(p, ios, "Rejection message (shown to people):", "--message")
		if err != nil {
			return "", err
		}
		errs, err := askParameterErrors(p, ios, ci.Content)
		if err != nil {
			return "", err
		}
		rejected, err := be.RejectConfigInstance(ctx, ci.ID, backend.RejectConfigInstanceRequest{Message: msg, Errors: errs})
		if err != nil {
			return "", err
		}
		fmt.Fprintf(ios.ErrOut, "%s Rejected %s with %s\n", est.FailureIcon(), rejected.ID, cmdutil.Plural(len(errs), "parameter error", "parameter errors"))
		return DecisionReject, cmdutil.Render(f, rejected, func() error { return nil })
	case DecisionSkip:
		fmt.Fprintf(ios.ErrOut, "Skipped %s: it is still validating.\n", ci.ID)
		return DecisionSkip, cmdutil.Render(f, ci, func() error { return nil })
	case DecisionQuit:
		fmt.Fprintf(ios.ErrOut, "Quit: %s and the rest are still validating.\n", ci.ID)
		return DecisionQuit, nil
	}
	return "", fmt.Errorf("no action for decision %q", decisions[choice])
}

// printReview shows the instance, its content and the diff against what is
// deployed now on the same device and path.
func printReview(ios *iostreams.IOStreams, f *cmdutil.Factory, ci, current *model.ConfigInstance) error {
	st := ios.Styles()
	if err := printDetail(ios, f.Now(), ci); err != nil {
		return err
	}
	var b strings.Builder
	esc := iostreams.Escape
	if current == nil {
		fmt.Fprintf(&b, "\n%s\n", st.Muted.Render(fmt.Sprintf("Nothing is deployed on %s at %s: this is a new file.", esc(ci.DeviceID), esc(ci.RelativeFilepath))))
	} else {
		fmt.Fprintf(&b, "\n%s\n", st.Bold.Render(fmt.Sprintf("Changes against %s, deployed on %s at %s:", esc(current.ID), esc(ci.DeviceID), esc(ci.RelativeFilepath))))
		ops := textdiff.Lines(textdiff.SplitLines(prettyContent(current.Content)), textdiff.SplitLines(prettyContent(ci.Content)))
		changed := false
		for _, op := range ops {
			op.Line = iostreams.EscapeText(op.Line)
			switch op.Kind {
			case '-':
				changed = true
				b.WriteString(st.Failure.Render("- "+op.Line) + "\n")
			case '+':
				changed = true
				b.WriteString(st.Success.Render("+ "+op.Line) + "\n")
			default:
				b.WriteString("  " + op.Line + "\n")
			}
		}
		if !changed {
			b.WriteString(st.Muted.Render("(identical content)") + "\n")
		}
	}
	b.WriteString("\n")
	_, err := fmt.Fprint(ios.Out, b.String())
	return err
}

func apperrIsInterrupt(err error) bool { return errors.Is(err, apperr.ErrInterrupted) }
