package source

import (
	"context"
	"errors"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdtest"
)

func TestCreateFlags(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		args    []string
		wantTS  *string
		wantErr string
	}{
		{[]string{"--datasource", "github", "--event", "push"}, nil, ""},
		{[]string{"--datasource", "github", "--event", "push", "--ts-field", ""}, str(""), ""},
		{[]string{"--datasource", "github", "--event", "push", "--ts-field", "commits[0].timestamp"}, str("commits[0].timestamp"), ""},
		{[]string{"--datasource", "github"}, nil, "--datasource and --event are required"},
	}
	for _, tt := range tests {
		env := cmdtest.New(t, false)
		var got *CreateOptions
		cmd := NewCmdCreate(env.Factory, func(_ context.Context, o *CreateOptions) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(env.Out)
		cmd.SetErr(env.ErrOut)
		err := cmd.Execute()
		if tt.wantErr != "" {
			if err == nil || !errors.Is(err, apperr.ErrUsage) {
				t.Fatalf("%v: err %v, want usage error", tt.args, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if (got.Params.TSField == nil) != (tt.wantTS == nil) || (got.Params.TSField != nil && *got.Params.TSField != *tt.wantTS) {
			t.Fatalf("%v: TSField %v, want %v", tt.args, got.Params.TSField, tt.wantTS)
		}
	}
}

func TestNeedsAServer(t *testing.T) {
	env := cmdtest.New(t, false)
	err := listRun(context.Background(), &ListOptions{Factory: env.Factory})
	if !errors.Is(err, apperr.ErrUsage) {
		t.Fatalf("err = %v, want a usage error", err)
	}
}
