package server

import (
	"bytes"
	"database/sql/driver"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// While the database is away every request fails alike: each gets 503 with
// Retry-After, and the log gets one line per second saying how many it
// did not show.
func TestUnavailableIs503AndLoggedOncePerSecond(t *testing.T) {
	var log bytes.Buffer
	s := &Server{errorLog: &log}
	err := fmt.Errorf("list configs: %w", driver.ErrBadConn)
	for range 50 {
		w := httptest.NewRecorder()
		s.writeError(w, httptest.NewRequest("GET", "/v1/webhook_configs", nil), err)
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), `"code":"unavailable"`) {
			t.Fatalf("answer %d %v %s", w.Code, w.Header(), w.Body)
		}
	}
	if n := strings.Count(log.String(), "database unavailable"); n != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", n, log.String())
	}
	s.unavailAt = s.unavailAt.Add(-unavailableLogEvery) // a second later
	s.writeError(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/deliveries", nil), err)
	if !strings.Contains(log.String(), "(and 49 more such failures since the last line)") {
		t.Fatalf("log:\n%s", log.String())
	}
}
