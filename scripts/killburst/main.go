// Command killburst is the client of scripts/kill-burst.sh (issue 14 point
// 5: acknowledge only what is recorded).
//
//	killburst burst -url URL -n 2000 -c 32 -kill-after 500 -pid PID -run R -acked FILE
//
// sends n POSTs from c workers, each with a unique X-Request-Id (R-i) and
// body {"id":"R-i"}; once kill-after of them were answered 2xx it SIGKILLs
// pid (the listener), mid-burst, and goes on until every request has an
// answer or an error. The ids answered 2xx go to FILE, one a line; a
// summary goes to stdout.
//
//	hookctl webhook requests list --limit 0 -o json | killburst check -acked FILE
//
// reads the recorded history (a JSON array) and reports the acknowledged
// ids missing from it; it exits 1 if there is any.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: killburst burst|check [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "burst":
		err = burst(os.Args[2:])
	case "check":
		err = check(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "killburst:", err)
		os.Exit(1)
	}
}

func burst(args []string) error {
	fs := flag.NewFlagSet("burst", flag.ExitOnError)
	url := fs.String("url", "", "listener URL")
	n := fs.Int("n", 2000, "requests")
	c := fs.Int("c", 32, "concurrent senders")
	killAfter := fs.Int("kill-after", 500, "SIGKILL pid after this many 2xx answers (0: never)")
	pid := fs.Int("pid", 0, "the listener's process id")
	run := fs.String("run", "r", "prefix of the request ids")
	ackedPath := fs.String("acked", "", "file to write the ids answered 2xx to")
	fs.Parse(args)
	if *url == "" || *ackedPath == "" {
		return fmt.Errorf("-url and -acked are required")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = *c
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	var mu sync.Mutex
	var acked []string
	var ok, refused, other, failed atomic.Int64
	var killOnce sync.Once
	killedAt := time.Time{}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *c {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(*n) {
					return
				}
				id := fmt.Sprintf("%s-%d", *run, i)
				req, _ := http.NewRequest("POST", *url, strings.NewReader(`{"type":"kill.burst","id":"`+id+`"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Request-Id", id)
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch {
				case resp.StatusCode/100 == 2:
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
					if ok.Add(1) == int64(*killAfter) && *pid > 0 {
						killOnce.Do(func() {
							killedAt = time.Now()
							syscall.Kill(*pid, syscall.SIGKILL)
						})
					}
				case resp.StatusCode == http.StatusServiceUnavailable:
					refused.Add(1)
				default:
					other.Add(1)
				}
			}
		})
	}
	wg.Wait()
	f, err := os.Create(*ackedPath)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, id := range acked {
		fmt.Fprintln(w, id)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	killed := "not killed"
	if !killedAt.IsZero() {
		killed = fmt.Sprintf("SIGKILL after %s", killedAt.Sub(start).Round(time.Millisecond))
	}
	fmt.Printf("sent %d: %d answered 2xx, %d answered 503, %d other, %d without answer (%s)\n",
		*n, ok.Load(), refused.Load(), other.Load(), failed.Load(), killed)
	return nil
}

func check(args []string) error {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	ackedPath := fs.String("acked", "", "file of the ids answered 2xx")
	fs.Parse(args)
	b, err := os.ReadFile(*ackedPath)
	if err != nil {
		return err
	}
	var history []struct {
		Headers map[string][]string `json:"headers"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&history); err != nil {
		return fmt.Errorf("read the history: %w", err)
	}
	recorded := map[string]bool{}
	for _, r := range history {
		if v := r.Headers["X-Request-Id"]; len(v) > 0 {
			recorded[v[0]] = true
		}
	}
	var missing []string
	acked := strings.Fields(string(b))
	for _, id := range acked {
		if !recorded[id] {
			missing = append(missing, id)
		}
	}
	fmt.Printf("recorded %d, answered 2xx %d, answered 2xx and missing %d\n", len(recorded), len(acked), len(missing))
	if len(missing) > 0 {
		fmt.Printf("missing: %s\n", strings.Join(missing, " "))
		os.Exit(1)
	}
	return nil
}
