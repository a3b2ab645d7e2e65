// Package scripttest holds the custom commands and environment of the
// end-to-end testscript files in testdata/script.
package scripttest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hookctl/hookctl/internal/testserver"
	"github.com/hookctl/hookctl/internal/tunnel/ngrokfake"
)

// Setup isolates a script: HOME, XDG_* and HOOKCTL_DATA_DIR live in the work
// dir, and a recording HTTP server on 127.0.0.1 is exported as $SERVER.
func Setup(env *testscript.Env) error {
	home := filepath.Join(env.WorkDir, "home")
	env.Setenv("HOME", home)
	env.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	env.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
	env.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
	env.Setenv("HOOKCTL_DATA_DIR", filepath.Join(env.WorkDir, "data"))
	env.Setenv("NO_COLOR", "")
	env.Setenv("CLICOLOR_FORCE", "")
	srv, err := testserver.Start()
	if err != nil {
		return err
	}
	env.Setenv("SERVER", srv.URL)
	env.Defer(func() { srv.Close() })

	// A fake of ngrok's agent endpoint; hookctl finds it through the
	// HOOKCTL_NGROK_SERVER/HOOKCTL_NGROK_CA test hooks. Token: good-token.
	fake, err := ngrokfake.Start(ngrokfake.Options{AcceptTokens: []string{"good-token"}})
	if err != nil {
		return err
	}
	env.Defer(func() { fake.Close() })
	caFile := filepath.Join(env.WorkDir, ".ngrok-ca.pem")
	if err := os.WriteFile(caFile, fake.CertPEM(), 0o600); err != nil {
		return err
	}
	env.Setenv("HOOKCTL_NGROK_SERVER", fake.Addr())
	env.Setenv("HOOKCTL_NGROK_CA", caFile)
	env.Values[ngrokKey{}] = fake
	return nil
}

type ngrokKey struct{}

// Commands are the extra script commands.
func Commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"http":         cmdHTTP,
		"waitfile":     cmdWaitFile,
		"envfile":      cmdEnvFile,
		"readfile":     cmdReadFile,
		"waitrequests": cmdWaitRequests,
	}
}

type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

// http [-tunnel] [-H 'K: V']... [-d DATA|@FILE] [-repeat N] [-status N] METHOD URL
//
// A small curl: prints "status N" then the response body on stdout. With
// -status, fails unless the response has that status. -repeat sends the
// data N times over (large bodies). With -tunnel, the request goes "through
// the internet": the fake ngrok edge proxies it to the agent that bound the
// URL's host. Negated (! http), it expects a
// connection error.
func cmdHTTP(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("http", flag.ContinueOnError)
	var headers headerList
	fs.Var(&headers, "H", "header")
	data := fs.String("d", "", "body, or @file")
	want := fs.Int("status", 0, "expected status")
	viaTunnel := fs.Bool("tunnel", false, "send through the fake ngrok edge")
	repeat := fs.Int("repeat", 1, "send the data this many times over")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 {
		ts.Fatalf("usage: http [-tunnel] [-H 'K: V']... [-d DATA|@FILE] [-repeat N] [-status N] METHOD URL")
	}
	var body io.Reader
	if *data != "" {
		b := []byte(*data)
		if strings.HasPrefix(*data, "@") {
			b = []byte(ts.ReadFile(strings.TrimPrefix(*data, "@")))
		}
		b = bytes.Repeat(b, max(*repeat, 1))
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(fs.Arg(0), fs.Arg(1), body)
	ts.Check(err)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	client := &http.Client{Timeout: 30 * time.Second}
	if *viaTunnel {
		client = ts.Value(ngrokKey{}).(*ngrokfake.Server).Client()
		client.Timeout = 30 * time.Second
	}
	resp, err := client.Do(req)
	if neg {
		if err == nil {
			resp.Body.Close()
			ts.Fatalf("http: expected a connection error, got status %d", resp.StatusCode)
		}
		return
	}
	ts.Check(err)
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "status %d\n%s", resp.StatusCode, respBody)
	if *want != 0 && resp.StatusCode != *want {
		ts.Fatalf("http: status %d, want %d; body: %s", resp.StatusCode, *want, respBody)
	}
}

// waitfile [-timeout D] FILE: waits until FILE exists and is not empty.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("waitfile", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 20*time.Second, "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		ts.Fatalf("usage: waitfile [-timeout D] FILE")
	}
	path := ts.MkAbs(fs.Arg(0))
	deadline := time.Now().Add(*timeout)
	for time.Now().Before(deadline) {
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond) // polling a ready signal, not waiting for an effect
	}
	ts.Fatalf("waitfile: %s did not appear within %s", fs.Arg(0), *timeout)
}

// envfile NAME FILE: sets the environment variable NAME to FILE's content
// without surrounding white space (e.g. a key printed by a command).
func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile NAME FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// readfile FILE VAR: sets $VAR to the contents of FILE without surrounding
// whitespace (e.g. the URL a listener wrote to its --ready-file).
func cmdReadFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: readfile FILE VAR")
	}
	ts.Setenv(args[1], strings.TrimSpace(ts.ReadFile(args[0])))
}

// waitrequests [-timeout D] N: waits until the recording server ($SERVER)
// has recorded at least N requests.
func cmdWaitRequests(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("waitrequests", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 20*time.Second, "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		ts.Fatalf("usage: waitrequests [-timeout D] N")
	}
	n, err := strconv.Atoi(fs.Arg(0))
	ts.Check(err)
	deadline := time.Now().Add(*timeout)
	got := 0
	for time.Now().Before(deadline) {
		resp, err := http.Get(ts.Getenv("SERVER") + "/_requests")
		ts.Check(err)
		var reqs []json.RawMessage
		err = json.NewDecoder(resp.Body).Decode(&reqs)
		resp.Body.Close()
		ts.Check(err)
		if got = len(reqs); got >= n {
			return
		}
		time.Sleep(10 * time.Millisecond) // polling a ready signal, not waiting for an effect
	}
	ts.Fatalf("waitrequests: %d requests at $SERVER after %s, want %d", got, *timeout, n)
}
