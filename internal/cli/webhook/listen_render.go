package webhook

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

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
	target := req.Path
	if req.Query != "" {
		target += "?" + req.Query
	}
	event := req.EventType
	if event == "" {
		event = st.Muted.Render("(unknown event)")
	} else {
		event = st.Accent.Render(event)
	}
	fmt.Fprintf(&b, "%s  %s %s  %s  %s\n",
		st.Muted.Render(req.ReceivedAt.Local().Format("15:04:05.000")),
		st.Bold.Render(req.Method), st.Bold.Render(target), event, st.Muted.Render(req.ID))
	for _, l := range statusLines(st, req, tsField) {
		b.WriteString("  " + l + "\n")
	}
	if req.Rejected == "" || req.Rejected == "invalid_signature" || req.Rejected == "unsupported_media_type" {
		b.WriteString(iostreams.Indent(prettyBody(st, ios.ColourEnabled(), req.Body), "  "))
	}
	b.WriteString("\n")
	return b.String()
}

// statusLines: verification, event time, forwards and the answer.
func statusLines(st *iostreams.Styles, req *model.ReceivedRequest, tsField string) []string {
	var out []string
	if v := req.Verification; v != nil {
		scheme := v.Scheme + " "
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
			out = append(out, fmt.Sprintf("%s %ssignature invalid: %s", st.FailureIcon(), scheme, msg))
		}
	}
	if req.EventTime != nil {
		out = append(out, fmt.Sprintf("%s %s %s", st.Key.Render("event time"), req.EventTime.UTC().Format(time.RFC3339Nano),
			st.Muted.Render("("+tsField+")")))
	}
	for _, f := range req.Forwards {
		lat := st.Muted.Render(formatLatency(f.Latency))
		switch {
		case f.Error != "":
			out = append(out, fmt.Sprintf("%s %s %s %s", st.FailureIcon(), f.URL, st.Failure.Render(f.Error), lat))
		case f.OK():
			out = append(out, fmt.Sprintf("%s %s %s %s", st.Success.Render("→"), f.URL, st.Success.Render(statusText(f.Status)), lat))
		default:
			out = append(out, fmt.Sprintf("%s %s %s %s", st.Failure.Render("→"), f.URL, st.Failure.Render(statusText(f.Status)), lat))
		}
	}
	if req.Rejected != "" {
		out = append(out, fmt.Sprintf("%s answered %s (%s)", st.FailureIcon(), statusText(req.Status), strings.ReplaceAll(req.Rejected, "_", " ")))
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

func formatLatency(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	default:
		return d.Round(10 * time.Millisecond).String()
	}
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
