package webhook

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
)

// appendJSONLine appends req as one line of JSON (see model.ReceivedRequest
// for the fields; .payload is the parsed body).
func appendJSONLine(dst []byte, req *model.ReceivedRequest) []byte {
	return req.AppendJSONLine(dst)
}

// renderRequestBlock is the human view of one received request: a header
// line, verification, forwards, the answer, then the body.
func renderRequestBlock(ios *iostreams.IOStreams, req *model.ReceivedRequest, tsField string) string {
	st := ios.Styles()
	var b strings.Builder
	event := req.EventType
	if event == "" {
		event = st.Muted.Render("(unknown event)")
	} else {
		event = st.Accent.Render(esc(event))
	}
	fmt.Fprintf(&b, "%s  %s %s  %s  %s\n",
		st.Muted.Render(req.ReceivedAt.Local().Format("15:04:05.000")),
		st.Bold.Render(esc(req.Method)), st.Bold.Render(requestTarget(req)), event, st.Muted.Render(esc(req.ID)))
	for _, l := range statusLines(st, req, tsField) {
		b.WriteString("  " + l + "\n")
	}
	if req.Rejected == "" || req.Rejected == "invalid_signature" || req.Rejected == "unsupported_media_type" {
		b.WriteString(iostreams.Indent(prettyBody(st, ios.ColourEnabled(), req.Body), "  "))
	}
	b.WriteString("\n")
	return b.String()
}

// esc is the terminal escaping of every received or remote-controlled string
// in human output (see iostreams.Escape).
var esc = iostreams.Escape

// requestTarget is the escaped path and query of req, for human output.
func requestTarget(req *model.ReceivedRequest) string {
	target := req.Path
	if req.Query != "" {
		target += "?" + req.Query
	}
	return esc(target)
}

// renderCompactLine is the one-line view of a request (--format compact),
// for long sessions:
//
//	21:54:47 ✓ device.enrolled POST /webhooks → 200 1.4ms req_…
//
// The mark is ✓ or ✗ when the signature was checked and • when it was not;
// then the event type ("-" when unknown), method and target; then each
// forward ("→ [route] status latency", or "→ error: why latency") or, when
// nothing was forwarded, the answer ("← 200"). A rejected request ends in
// "rejected: <reason>" after the answer, a filtered one in "filtered". Every
// received string is escaped (iostreams.Escape); colours come from the
// styles, so they appear only when colour is on.
func renderCompactLine(ios *iostreams.IOStreams, req *model.ReceivedRequest) string {
	st := ios.Styles()
	var b strings.Builder
	b.WriteString(st.Muted.Render(req.ReceivedAt.Local().Format("15:04:05")))
	switch v := req.Verification; {
	case v == nil:
		b.WriteString(" " + st.Muted.Render("•"))
	case v.OK:
		b.WriteString(" " + st.SuccessIcon())
	default:
		b.WriteString(" " + st.FailureIcon())
	}
	if req.EventType != "" {
		b.WriteString(" " + st.Accent.Render(esc(req.EventType)))
	} else {
		b.WriteString(" " + st.Muted.Render("-"))
	}
	b.WriteString(" " + esc(req.Method) + " " + requestTarget(req))
	status := func(code int) string {
		if code >= 200 && code < 300 {
			return st.Success.Render(fmt.Sprint(code))
		}
		return st.Failure.Render(fmt.Sprint(code))
	}
	if len(req.Forwards) == 0 || req.Rejected != "" {
		b.WriteString(" " + st.Muted.Render("←") + " " + status(req.Status))
	}
	for i, f := range req.Forwards {
		if i == 0 {
			b.WriteString(" →")
		} else {
			b.WriteString(",")
		}
		if f.Route != "" {
			b.WriteString(" " + st.Muted.Render("["+esc(f.Route)+"]"))
		}
		if f.Error != "" {
			b.WriteString(" " + st.Failure.Render("error: "+esc(f.Error)))
		} else {
			b.WriteString(" " + status(f.Status))
		}
		b.WriteString(" " + st.Muted.Render(cmdutil.FormatLatency(f.Latency)))
	}
	switch {
	case req.Rejected != "":
		b.WriteString(" " + st.Failure.Render("rejected: "+esc(strings.ReplaceAll(req.Rejected, "_", " "))))
	case req.Filtered:
		b.WriteString(" " + st.Muted.Render("filtered"))
	}
	if req.ID != "" {
		b.WriteString(" " + st.Muted.Render(esc(req.ID)))
	}
	b.WriteString("\n")
	return b.String()
}

// statusLines: verification, event time, forwards and the answer.
func statusLines(st *iostreams.Styles, req *model.ReceivedRequest, tsField string) []string {
	var out []string
	if v := req.Verification; v != nil {
		scheme := esc(v.Scheme) + " "
		if v.Scheme == "" {
			scheme = ""
		}
		if v.OK {
			out = append(out, fmt.Sprintf("%s %ssignature verified (secret #%d)", st.SuccessIcon(), scheme, v.SecretIndex+1))
		} else {
			msg := v.Message
			if msg == "" {
				msg = v.Cause
			}
			out = append(out, fmt.Sprintf("%s %ssignature invalid: %s", st.FailureIcon(), scheme, esc(msg)))
		}
	}
	if req.EventTime != nil {
		out = append(out, fmt.Sprintf("%s %s %s", st.Key.Render("event time"), req.EventTime.UTC().Format(time.RFC3339Nano),
			st.Muted.Render("("+esc(tsField)+")")))
	}
	for _, f := range req.Forwards {
		lat := st.Muted.Render(cmdutil.FormatLatency(f.Latency))
		url := esc(f.URL)
		if f.Route != "" {
			url = st.Muted.Render("["+esc(f.Route)+"]") + " " + url
		}
		switch {
		case f.Error != "":
			out = append(out, fmt.Sprintf("%s %s %s %s", st.FailureIcon(), url, st.Failure.Render(esc(f.Error)), lat))
		case f.OK():
			out = append(out, fmt.Sprintf("%s %s %s %s", st.Success.Render("→"), url, st.Success.Render(statusText(f.Status)), lat))
		default:
			out = append(out, fmt.Sprintf("%s %s %s %s", st.Failure.Render("→"), url, st.Failure.Render(statusText(f.Status)), lat))
		}
	}
	if req.Rejected != "" {
		out = append(out, fmt.Sprintf("%s answered %s (%s)", st.FailureIcon(), statusText(req.Status), esc(strings.ReplaceAll(req.Rejected, "_", " "))))
	} else if len(req.Forwards) != 1 && req.Status != http.StatusOK {
		out = append(out, fmt.Sprintf("%s answered %s", st.Muted.Render("←"), statusText(req.Status)))
	}
	return out
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// sortedHeaderLines renders headers as "Name: value" lines, sorted by name.
func sortedHeaderLines(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		for _, v := range h[k] {
			out = append(out, k+": "+v)
		}
	}
	return out
}
