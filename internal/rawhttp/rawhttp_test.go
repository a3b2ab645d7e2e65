package rawhttp

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantBody string
		wantErr  string
		header   [2]string
	}{
		{name: "content-length, trailing newline ignored",
			in: "POST /h HTTP/1.1\r\nHost: x\r\nX-Sig: abc\r\nContent-Length: 5\r\n\r\nhello\n", wantBody: "hello", header: [2]string{"X-Sig", "abc"}},
		{name: "bare LF and no length: rest is body",
			in: "POST /h HTTP/1.1\nX-Sig: abc\n\n{\"a\":1}\n", wantBody: "{\"a\":1}\n", header: [2]string{"X-Sig", "abc"}},
		{name: "chunked", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", wantBody: "hello"},
		{name: "short body", in: "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", wantErr: "Content-Length says 10"},
		{name: "not a request", in: "{\"just\":\"json\"}", wantErr: "not a raw HTTP request"},
		{name: "empty", in: "", wantErr: "not a raw HTTP request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, apperr.ErrUsage) {
					t.Fatalf("err = %v, want usage error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(r.Body) != tt.wantBody {
				t.Errorf("body = %q, want %q", r.Body, tt.wantBody)
			}
			if tt.header[0] != "" && r.Header.Get(tt.header[0]) != tt.header[1] {
				t.Errorf("header %s = %q", tt.header[0], r.Header.Get(tt.header[0]))
			}
		})
	}
}

func TestFormatRoundTrip(t *testing.T) {
	h := http.Header{"Webhook-Id": {"msg_1"}, "Content-Type": {"application/json"}, "Content-Length": {"999"}}
	body := []byte("{\"a\": 1}\n\x00binary")
	raw := Format("POST", "/w?x=1", "", h, body)
	r, err := Parse(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != "POST" || r.Target != "/w?x=1" || !bytes.Equal(r.Body, body) || r.Header.Get("Webhook-Id") != "msg_1" {
		t.Fatalf("round trip lost data: %+v", r)
	}
}
