// Package testserver is a scriptable HTTP receiver on 127.0.0.1 for tests:
// it records every request and answers as the path asks.
//
//	/status/{code}              answer with that status
//	/flaky/{n}/{code}           answer {code} to the first n requests on this path, then 200
//	/retry-after/{secs}         answer 429 with Retry-After: {secs} once, then 200
//	/redirect/{code}            answer {code} with Location: /moved (which answers 200)
//	/echo                       answer 200 with the request body
//	/slow/{duration}            wait, then 200
//	/hold/{name}                wait until /_release/{name} (or the client goes away), then 200
//	/_release/{name}            POST: answer every held and future /hold/{name} request at once
//	/_requests                  GET: the recorded requests as JSON (method, path, headers, body)
//	anything else               200 {"message":"ok"}
package testserver

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Request is one recorded request.
type Request struct {
	Method  string      `json:"method"`
	Path    string      `json:"path"`
	Query   string      `json:"query,omitempty"`
	Headers http.Header `json:"headers"`
	Body    string      `json:"body"`
	Time    time.Time   `json:"time"`
}

// Server records requests. Safe for concurrent use.
type Server struct {
	URL string

	srv      *http.Server
	mu       sync.Mutex
	requests []Request
	counts   map[string]int
	holds    map[string]chan struct{} // closed when released
}

func (s *Server) hold(name string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.holds[name]
	if !ok {
		c = make(chan struct{})
		s.holds[name] = c
	}
	return c
}

// Start listens on 127.0.0.1:0 and serves until Close.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), counts: map[string]int{}, holds: map[string]chan struct{}{}}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Requests returns a copy of what was recorded (excluding /_requests).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_requests" {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.Requests())
		return
	}
	if name, ok := strings.CutPrefix(r.URL.Path, "/_release/"); ok {
		c := s.hold(name)
		s.mu.Lock()
		select {
		case <-c:
		default:
			close(c)
		}
		s.mu.Unlock()
		writeJSON(w, 200, `{"message":"released"}`)
		return
	}
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Headers: r.Header.Clone(), Body: string(body), Time: time.Now().UTC()})
	s.counts[r.URL.Path]++
	n := s.counts[r.URL.Path]
	s.mu.Unlock()

	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case parts[0] == "status" && len(parts) == 2:
		code, _ := strconv.Atoi(parts[1])
		writeJSON(w, code, `{"message":"status `+parts[1]+`"}`)
	case parts[0] == "flaky" && len(parts) == 3:
		limit, _ := strconv.Atoi(parts[1])
		code, _ := strconv.Atoi(parts[2])
		if n <= limit {
			writeJSON(w, code, `{"message":"failing on purpose"}`)
			return
		}
		writeJSON(w, 200, `{"message":"ok"}`)
	case parts[0] == "retry-after" && len(parts) == 2:
		if n == 1 {
			w.Header().Set("Retry-After", parts[1])
			writeJSON(w, http.StatusTooManyRequests, `{"message":"slow down"}`)
			return
		}
		writeJSON(w, 200, `{"message":"ok"}`)
	case parts[0] == "redirect" && len(parts) == 2:
		code, _ := strconv.Atoi(parts[1])
		w.Header().Set("Location", "/moved")
		writeJSON(w, code, `{"message":"moved"}`)
	case parts[0] == "echo":
		if ct := r.Header.Get("Content-Type"); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.Write(body)
	case parts[0] == "hold" && len(parts) == 2:
		select {
		case <-s.hold(parts[1]):
		case <-r.Context().Done():
			return
		}
		writeJSON(w, 200, `{"message":"ok"}`)
	case parts[0] == "slow" && len(parts) == 2:
		d, _ := time.ParseDuration(parts[1])
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		writeJSON(w, 200, `{"message":"ok"}`)
	default:
		writeJSON(w, 200, `{"message":"ok"}`)
	}
}

func writeJSON(w http.ResponseWriter, code int, body string) {
	if code < 100 || code > 999 {
		code = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	io.WriteString(w, body+"\n")
}
