package listener

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/hookctl/hookctl/internal/model"
)

// Inject runs a request received elsewhere (the relay of `hookctl serve`)
// through the same pipeline as one arriving on the socket — verify,
// classify, record, forward byte for byte with its headers, emit — and
// returns the status the listener answered. ctx bounds the forwards' start
// (each forward still has ForwardTimeout).
//
// err is nil once the request is committed (or when there is no Recorder:
// nothing to commit); otherwise it says why the request was not recorded
// (the answer is then 503 for a request that would have been
// acknowledged), and the caller should not count it as delivered: the
// relay does not advance its resume point, so the request comes again.
func (l *Listener) Inject(ctx context.Context, rr *model.ReceivedRequest) (status int, err error) {
	u := &url.URL{Path: rr.Path, RawQuery: rr.Query}
	if u.Path == "" || !l.underPath(u.Path) {
		u.Path = l.cfg.Path // the listen path accepts it; the original path is not a local route
	}
	inj := &injected{orig: rr, recordErr: errNotHandled}
	if l.queue == nil {
		inj.recordErr = nil
	}
	ctx = context.WithValue(ctx, injectedKey{}, inj)
	r, err := http.NewRequestWithContext(ctx, rr.Method, u.String(), bytes.NewReader(rr.Body))
	if err != nil {
		l.emit(Event{Kind: KindError, RequestID: rr.ID, Err: err})
		return 0, fmt.Errorf("request %s: %w", rr.ID, err)
	}
	r.RequestURI = u.RequestURI()
	r.Header = rr.Headers.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Host, r.RemoteAddr = rr.Host, rr.RemoteAddr
	r.ContentLength = int64(len(rr.Body))
	w := &discardWriter{header: http.Header{}}
	l.ServeHTTP(w, r)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if inj.recordErr != nil {
		return w.status, fmt.Errorf("request %s not recorded: %w", rr.ID, inj.recordErr)
	}
	return w.status, nil
}

// errNotHandled: the pipeline answered without recording the request.
var errNotHandled = errors.New("the listener did not record it")

// discardWriter is the ResponseWriter of an injected request: nobody waits
// for the answer.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}

func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

// injectedKey carries an *injected: the original request of an injected
// one, whose source fields and event type the listener keeps, and the
// outcome of its recording (set by Listener.commit).
type injectedKey struct{}

type injected struct {
	orig      *model.ReceivedRequest
	recordErr error
}
