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
	"net/http/cookiejar"
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
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	env.Values[jarKey{}] = jar
	return nil
}

type ngrokKey struct{}

// jarKey: the script's cookie jar (http -cookies).
type jarKey struct{}

// Commands are the extra script commands.
func Commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"http":           cmdHTTP,
		"waitfile":       cmdWaitFile,
		"envfile":        cmdEnvFile,
		"ngrokdrop":      cmdNgrokDrop,
		"readfile":       cmdReadFile,
		"waitrequests":   cmdWaitRequests,
		"waitdeliveries": cmdWaitDeliveries,
	}
}

type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

// http [-tunnel] [-cookies] [-H 'K: V']... [-d DATA|@FILE] [-repeat N] [-status N] METHOD URL
//
// A small curl: prints "status N" then the response body on stdout. With
// -status, fails unless the response has that status. With -cookies, the
// script's cookie jar keeps the cookies servers set (and redirects carry
// them), like a browser. -repeat sends the
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
	cookies := fs.Bool("cookies", false, "keep cookies in the script's jar")
	repeat := fs.Int("repeat", 1, "send the data this many times over")
	wait := fs.Duration("wait", 0, "retry connection errors for this long (e.g. while a tunnel reconnects)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 {
		ts.Fatalf("usage: http [-tunnel] [-cookies] [-wait D] [-H 'K: V']... [-d DATA|@FILE] [-repeat N] [-status N] METHOD URL")
	}
	var b []byte
	if *data != "" {
		b = []byte(*data)
		if strings.HasPrefix(*data, "@") {
			b = []byte(ts.ReadFile(strings.TrimPrefix(*data, "@")))
		}
		b = bytes.Repeat(b, max(*repeat, 1))
	}
	newRequest := func() *http.Request {
		var body io.Reader
		if b != nil {
			body = bytes.NewReader(b)
		}
		req, err := http.NewRequest(fs.Arg(0), fs.Arg(1), body)
		ts.Check(err)
		for _, h := range headers {
			k, v, _ := strings.Cut(h, ":")
			req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		}
		return req
	}
	client := &http.Client{Timeout: 30 * time.Second}
	if *viaTunnel {
		client = ts.Value(ngrokKey{}).(*ngrokfake.Server).Client()
		client.Timeout = 30 * time.Second
	}
	if *cookies {
		client.Jar = ts.Value(jarKey{}).(http.CookieJar)
	}
	resp, err := client.Do(newRequest())
	for deadline := time.Now().Add(*wait); err != nil && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond) // polling until the peer is reachable again
		resp, err = client.Do(newRequest())
	}
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
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: readfile FILE VAR [LINE]")
	}
	text := strings.TrimSpace(ts.ReadFile(args[0]))
	if len(args) == 3 {
		n, err := strconv.Atoi(args[2])
		lines := strings.Split(text, "\n")
		if err != nil || n < 1 || n > len(lines) {
			ts.Fatalf("readfile: %s has no line %s", args[0], args[2])
		}
		text = strings.TrimSpace(lines[n-1])
	}
	ts.Setenv(args[1], text)
}

// ngrokdrop: the fake ngrok edge drops every agent session, as a network
// blip would; agents reconnect by themselves.
func cmdNgrokDrop(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: ngrokdrop")
	}
	if n := ts.Value(ngrokKey{}).(*ngrokfake.Server).DropSessions(); n == 0 {
		ts.Fatalf("ngrokdrop: no session to drop")
	}
}

// waitrequests [-timeout D] [-distinct] PATH N: waits until the recording
// server ($SERVER) has received at least N requests on PATH (with
// -distinct: N different X-Request-Id values), then prints
// "requests R distinct D" for PATH.
func cmdWaitRequests(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("waitrequests", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 20*time.Second, "")
	distinct := fs.Bool("distinct", false, "count distinct request ids")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 || neg {
		ts.Fatalf("usage: waitrequests [-timeout D] [-distinct] PATH N")
	}
	want, err := strconv.Atoi(fs.Arg(1))
	ts.Check(err)
	deadline := time.Now().Add(*timeout)
	for {
		total, ids := recordedRequests(ts, fs.Arg(0))
		got := total
		if *distinct {
			got = ids
		}
		if got >= want {
			fmt.Fprintf(ts.Stdout(), "requests %d distinct %d\n", total, ids)
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitrequests: %d of %d requests on %s within %s", got, want, fs.Arg(0), *timeout)
		}
		time.Sleep(20 * time.Millisecond) // polling a ready signal
	}
}

func recordedRequests(ts *testscript.TestScript, path string) (total, distinct int) {
	resp, err := http.Get(ts.Getenv("SERVER") + "/_requests")
	ts.Check(err)
	defer resp.Body.Close()
	var reqs []testserver.Request
	ts.Check(json.NewDecoder(resp.Body).Decode(&reqs))
	seen := map[string]bool{}
	for _, r := range reqs {
		if r.Path == path {
			total++
			seen[r.Headers.Get("X-Request-Id")] = true
		}
	}
	return total, len(seen)
}

// waitdeliveries [-timeout D] URL N: waits until the API server at URL
// (key in $HOOKCTL_API_KEY) has N deliveries and none pending.
func cmdWaitDeliveries(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("waitdeliveries", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 20*time.Second, "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 || neg {
		ts.Fatalf("usage: waitdeliveries [-timeout D] URL N")
	}
	want, err := strconv.Atoi(fs.Arg(1))
	ts.Check(err)
	deadline := time.Now().Add(*timeout)
	for {
		var body struct{ Total, Succeeded, Failed int }
		req, _ := http.NewRequest(http.MethodGet, fs.Arg(0)+"/v1/deliveries?limit=1", nil)
		req.Header.Set("X-API-Key", ts.Getenv("HOOKCTL_API_KEY"))
		resp, err := http.DefaultClient.Do(req)
		ts.Check(err)
		ts.Check(json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		if body.Total >= want && body.Succeeded+body.Failed == body.Total {
			fmt.Fprintf(ts.Stdout(), "total %d succeeded %d failed %d\n", body.Total, body.Succeeded, body.Failed)
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitdeliveries: total %d, final %d, want %d final within %s", body.Total, body.Succeeded+body.Failed, want, *timeout)
		}
		time.Sleep(20 * time.Millisecond) // polling a ready signal
	}
}
