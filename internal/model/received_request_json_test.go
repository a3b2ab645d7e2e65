package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
)

// referenceJSONLine is the encoder AppendJSONLine had before it was written
// by hand: json.Marshal of the request (through MarshalJSON) and a newline.
func referenceJSONLine(r *ReceivedRequest) []byte {
	b, err := json.Marshal(r)
	if err != nil {
		return nil
	}
	return append(b, '\n')
}

func representativeRequests() []*ReceivedRequest {
	at := time.Date(2026, 11, 23, 21, 55, 31, 123456789, time.UTC)
	evt := time.Date(2023, 11, 14, 22, 13, 20, 0, time.FixedZone("x", 3600))
	signed := http.Header{
		"Content-Type":      {"application/json"},
		"Webhook-Id":        {"msg_2Ab"},
		"Webhook-Timestamp": {"1700000000"},
		"Webhook-Signature": {"v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="},
		"User-Agent":        {"Go-http-client/1.1"},
		"Accept-Encoding":   {"gzip"},
		"Content-Length":    {"157"},
	}
	odd := http.Header{
		"X-Html":   {"<a href=\"x\">&amp;</a>", ""},
		"X-Ctl":    {"tab\there\nnew\rline\b\f\x00\x1f\x7f"},
		"X-Utf8":   {"héllo \u2028 \u2029 日本 \U0001F600"},
		"X-Bad":    {"bad \xff\xfe utf8 \xe2\x80"},
		"X-Nil":    nil,
		"X-Empty":  {},
		"x-lower":  {"v"},
		"\xffname": {"key is not utf8"},
	}
	return []*ReceivedRequest{
		{ID: "req_01", ReceivedAt: at, Method: "POST", Host: "localhost:8080", Path: "/", Headers: signed,
			Body:       []byte(`{"type":"device.enrolled","data":{"device":{"id":"d_123","os":"android","name":"Pixel 8"},"user":{"id":"u_9","email":"a@example.com"}},"created":1700000000}`),
			RemoteAddr: "127.0.0.1:51234", EventType: "device.enrolled",
			Verification: &Verification{OK: true, Scheme: "standard"}, Status: 200},
		{ID: "req_02", ReceivedAt: at.Truncate(time.Second), Method: "GET", Path: "/hooks/x", Query: "a=1&b=<2>", Status: 404, Rejected: "path_not_found"},
		{ID: "req_03", ReceivedAt: at, Method: "POST", Path: "/p", Headers: odd,
			Body:         []byte("{ \"html\" : \"<b>&</b>\",\n\t\"ls\": \"\u2028\u2029\", \"esc\": \"\\u003c\\n\", \"n\": [1, 2.5e10, -0, true, null] }\n"),
			Verification: &Verification{Scheme: "stripe", Cause: "mismatch", Message: "signature <mismatch> & \"stale\"", SecretIndex: 2},
			Status:       401, Rejected: "invalid_signature", EventTime: &evt, Filtered: true,
			Source: "src_1", Datasource: "ds", RoutingKey: "event.t.ds.e"},
		{ID: "req_04", ReceivedAt: at.In(time.FixedZone("y", -7*3600)), Method: "PUT", Path: "/", Headers: http.Header{},
			Body: []byte("plain text body with <tags> & \u2028 \"quotes\"\n"), Status: 200,
			Forwards: []ForwardResult{
				{URL: "http://localhost:3000/a?x=<y>", Route: "device.*", Status: 200, LatencyMS: 1.234},
				{URL: "http://localhost:3000/b", Route: "<a>&\"b\"", LatencyMS: 2, Error: "refused"},
				{URL: "http://b", LatencyMS: 0, Error: "dial tcp: connection refused"},
				{URL: "http://c", Status: 502, LatencyMS: 1e-7},
				{URL: "http://d", Status: 204, LatencyMS: 1e21},
				{URL: "http://e", Status: 201, LatencyMS: 12345678.9},
				{URL: "http://f", Status: 200, LatencyMS: 0.000001234},
			}},
		{ID: "req_05", ReceivedAt: at, Method: "POST", Path: "/", Body: []byte{0xff, 0x00, 0x10, 'a'}, Status: 200},
		{ID: "req_06", Method: "POST", Path: "/", Body: []byte{}, Status: 200},
		{ID: "req_07", ReceivedAt: at, Method: "POST", Path: "/", Body: []byte(`"just a string"`), Status: 200},
		{ID: "req_08", ReceivedAt: at, Method: "POST", Path: "/", Body: []byte(`{"broken":`), Status: 200},
		{ID: "req_09", ReceivedAt: at, Method: "POST", Path: "/", Body: []byte(" 42 "), Status: 200},
	}
}

func TestAppendJSONLineMatchesJSONMarshal(t *testing.T) {
	for _, r := range representativeRequests() {
		want := referenceJSONLine(r)
		if got := r.AppendJSONLine(nil); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", r.ID, got, want)
		}
		prefix := []byte("prefix")
		if got := r.AppendJSONLine(prefix); !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Errorf("%s: appending to a prefix:\n got %s", r.ID, got)
		}
	}
}

// TestAppendJSONLineRandomStrings compares the encoders on random strings
// in every field (control characters, HTML, invalid UTF-8, U+2028).
func TestAppendJSONLineRandomStrings(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", "0", " ", "\"", "\\", "/", "<", ">", "&", "\n", "\t", "\x00", "\x1f", "\x7f",
		"é", "日", "\U0001F600", "\u2028", "\u2029", "\xff", "\xe2\x80", "\xc3", "{", "}", "[", "]", ":", ","}
	str := func() string {
		var b []byte
		for range rnd.IntN(12) {
			b = append(b, alphabet[rnd.IntN(len(alphabet))]...)
		}
		return string(b)
	}
	for i := range 3000 {
		r := &ReceivedRequest{ID: str(), ReceivedAt: time.Unix(rnd.Int64N(4e9), rnd.Int64N(1e9)).UTC(), Method: str(), Host: str(),
			Path: str(), Query: str(), Headers: http.Header{str(): {str(), str()}, str(): {str()}}, Body: []byte(str()),
			RemoteAddr: str(), EventType: str(), Status: rnd.IntN(600), Rejected: str(), Source: str(), Datasource: str(), RoutingKey: str()}
		if i%2 == 0 {
			r.Verification = &Verification{OK: i%4 == 0, Scheme: str(), Cause: str(), Message: str(), SecretIndex: rnd.IntN(3)}
			r.Forwards = []ForwardResult{{URL: str(), Route: str(), Status: rnd.IntN(600), LatencyMS: rnd.Float64() * 1000, Error: str()}}
		}
		if i%3 == 0 {
			r.Body = []byte(`{"k":` + string(must(json.Marshal(str()))) + `, "n": [1, 2]}`)
		}
		want := referenceJSONLine(r)
		if got := r.AppendJSONLine(nil); !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got %s\nwant %s", r.ID, got, want)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestAppendJSONLineFallsBackLikeJSONMarshal(t *testing.T) {
	for _, r := range []*ReceivedRequest{
		{ID: "req_year", ReceivedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Method: "POST", Path: "/"},
		{ID: "req_nan", Method: "POST", Path: "/", Forwards: []ForwardResult{{URL: "x", LatencyMS: math.NaN()}}},
	} {
		_, err := json.Marshal(r)
		want := fmt.Sprintf(`{"id":%q,"error":%q}`+"\n", r.ID, err.Error())
		if got := string(r.AppendJSONLine(nil)); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}

func TestAppendHeaderJSONManyHeaders(t *testing.T) {
	h := http.Header{}
	for i := range 40 {
		h.Set(fmt.Sprintf("X-H-%02d", 40-i), fmt.Sprint(i))
	}
	if got, want := AppendHeaderJSON(nil, h), must(json.Marshal(h)); !bytes.Equal(got, want) {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func BenchmarkAppendJSONLine(b *testing.B) {
	r := representativeRequests()[0]
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = r.AppendJSONLine(buf[:0])
	}
}

func BenchmarkReferenceJSONLine(b *testing.B) {
	r := representativeRequests()[0]
	b.ReportAllocs()
	for b.Loop() {
		referenceJSONLine(r)
	}
}

// A list's entry (BodyOmitted) has no body fields, and reads back as one;
// an empty body is still a body.
func TestReceivedRequestWithoutBody(t *testing.T) {
	listed := ReceivedRequest{ID: "req_1", Method: "POST", Path: "/", Body: nil, BodyOmitted: true}
	b, err := json.Marshal(listed)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"body`) || strings.Contains(string(b), `"payload"`) {
		t.Fatalf("a listed request carries its body: %s", b)
	}
	var back ReceivedRequest
	if err := json.Unmarshal(b, &back); err != nil || !back.BodyOmitted {
		t.Fatalf("read back: %+v, %v", back, err)
	}
	var empty ReceivedRequest
	if err := json.Unmarshal([]byte(`{"id":"req_2","body":""}`), &empty); err != nil || empty.BodyOmitted {
		t.Fatalf("an empty body read as omitted: %+v, %v", empty, err)
	}
}
