package replay

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
)

func TestTarget(t *testing.T) {
	rec := &model.ReceivedRequest{ID: "req_1"}
	if _, err := Target(rec, ""); !apperr.IsKind(err, apperr.ErrUsage) || !strings.Contains(err.Error(), "not forwarded anywhere") {
		t.Errorf("no forward: %v", err)
	}
	rec.Forwards = []model.ForwardResult{{URL: "http://a/"}, {URL: "http://b/"}}
	if _, err := Target(rec, ""); err == nil || !strings.Contains(err.Error(), "forwarded to 2 targets") {
		t.Errorf("two forwards: %v", err)
	}
	if to, _ := Target(rec, "http://c/"); to != "http://c/" {
		t.Errorf("to = %q", to)
	}
}

// An edited body re-signed with a given secret verifies at the target; an
// edit without re-signing warns; a refused connection is a SendError.
func TestRunEditResign(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	var got *http.Request
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, gotBody = r, must(io.ReadAll(r.Body))
		w.WriteHeader(201)
		io.WriteString(w, "made")
	}))
	defer srv.Close()
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	body := []byte(`{"n":1}`)
	h, err := signature.Sign("standard", []signature.Secret{{Value: secret}}, body, signature.Options{Now: old, ID: "msg_1"})
	if err != nil {
		t.Fatal(err)
	}
	rec := &model.ReceivedRequest{ID: "req_1", Method: "POST", Headers: h, Body: body,
		Forwards: []model.ForwardResult{{URL: srv.URL}}}
	now := time.Now()
	res, err := Run(context.Background(), Params{Request: rec, Edit: func([]byte) ([]byte, error) { return []byte(`{"n":2}`), nil },
		Resign: true, Secrets: []string{secret}, Now: now, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 201 || res.Body != "made" || !res.Edited || !res.Resigned || len(res.Warnings) != 0 {
		t.Errorf("result %+v", res)
	}
	if string(gotBody) != `{"n":2}` || got.Header.Get("Webhook-Id") != "msg_1" {
		t.Errorf("sent %s %v", gotBody, got.Header)
	}
	if v := signature.Verify("standard", []signature.Secret{{Value: secret}}, got.Header, gotBody, signature.Options{Now: now}); !v.OK {
		t.Errorf("does not verify: %v", v.Err)
	}

	res, err = Run(context.Background(), Params{Request: rec, Sets: []string{"n=3"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || string(gotBody) != `{"n":3}` {
		t.Errorf("unsigned edit: %+v %s", res, gotBody)
	}

	if _, err := Run(context.Background(), Params{Request: rec, Resign: true}); !apperr.IsKind(err, apperr.ErrUsage) {
		t.Errorf("resign without a secret: %v", err)
	}
	srv.Close()
	_, err = Run(context.Background(), Params{Request: rec})
	var se *SendError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "replay req_1 to "+srv.URL+" failed") {
		t.Errorf("closed target: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
