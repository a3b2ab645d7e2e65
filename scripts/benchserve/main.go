// Command benchserve is the load generator of scripts/bench-serve.sh: C
// concurrent clients, for a duration, each create a webhook config through
// the API of a running `hookctl serve` and send an event to it (POST
// /v1/events, no wait: the deliveries are queued). A receiver on 127.0.0.1
// counts distinct X-Request-Id values. It prints API requests/s, p50/p99
// latency and errors, then waits until every queued delivery is final and
// prints deliveries per second and how many were lost (queued but never
// received).
//
// -api takes a comma-separated list of replicas of one server (on one
// database): the requests go to them in turn, and the one receiver counts
// the deliveries of all. -summary FILE writes the row of the comparison
// table. `benchserve createdb SERVER_URL` prints the URL of a fresh
// PostgreSQL database on that server, `benchserve dropdb SERVER_URL DB_URL`
// drops it (package pgtest).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookctl/hookctl/internal/pgtest"
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "createdb" || os.Args[1] == "dropdb") {
		os.Exit(database(os.Args[1], os.Args[2:]))
	}
	api := flag.String("api", "", "URL of hookctl serve, or a comma-separated list of replicas")
	key := flag.String("key", os.Getenv("HOOKCTL_API_KEY"), "API key")
	clients := flag.Int("c", 200, "concurrent clients")
	dur := flag.Duration("d", 10*time.Second, "how long to send")
	burst := flag.Int("burst", 5000, "then queue this many deliveries at once (fan-out to 100 configs) and time the workers alone")
	summary := flag.String("summary", "", "write the figures, tab-separated, to this file")
	flag.Parse()
	if *api == "" || *key == "" {
		fmt.Fprintln(os.Stderr, "usage: benchserve -api URL[,URL…] -key KEY [-c 200] [-d 10s] [-summary FILE]")
		os.Exit(2)
	}
	apis := strings.Split(*api, ",")
	var next atomic.Uint64

	// The receiver: counts distinct request ids (at-least-once: duplicates are fine).
	var mu sync.Mutex
	seen := map[string]bool{}
	var lastRecv atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen[r.Header.Get("X-Request-Id")] = true
		mu.Unlock()
		lastRecv.Store(time.Now().UnixNano())
		w.Write([]byte(`{"message":"ok"}`))
	}))
	recv := "http://" + ln.Addr().String() + "/hook"

	tr := &http.Transport{MaxIdleConns: *clients * 2, MaxIdleConnsPerHost: *clients * 2}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	call := func(method, path string, body any, out any) (int, error) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		base := apis[(next.Add(1)-1)%uint64(len(apis))] // round-robin over the replicas
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("X-API-Key", *key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 && resp.StatusCode != http.StatusAccepted {
			return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
		}
		if out != nil {
			return resp.StatusCode, json.Unmarshal(data, out)
		}
		return resp.StatusCode, nil
	}

	var (
		latMu    sync.Mutex
		lats     []time.Duration
		errs     atomic.Int64
		queued   atomic.Int64
		firstErr atomic.Value
		seq      atomic.Int64
		wg       sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(*dur)
	for range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) {
				n := seq.Add(1)
				t := time.Now()
				var cfg struct{ ID string }
				_, err := call("POST", "/v1/webhook_configs", map[string]any{"url": fmt.Sprintf("%s?c=%d", recv, n), "events": []string{"device.*"}}, &cfg)
				mine = append(mine, time.Since(t))
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				t = time.Now()
				var res struct{ Data []json.RawMessage }
				_, err = call("POST", "/v1/events", map[string]any{"type": "device.enrolled", "config_id": cfg.ID}, &res)
				mine = append(mine, time.Since(t))
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				queued.Add(int64(len(res.Data)))
			}
			latMu.Lock()
			lats = append(lats, mine...)
			latMu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	mu.Lock()
	atEnd := len(seen)
	mu.Unlock()
	endOfLoad := time.Now()
	slices.Sort(lats)
	pct := func(p float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		return lats[min(len(lats)-1, int(float64(len(lats))*p))]
	}
	reqRate := float64(len(lats)) / elapsed.Seconds()
	p50, p99 := float64(pct(0.50).Microseconds())/1000, float64(pct(0.99).Microseconds())/1000
	fmt.Printf("API: %d clients, %s: %d requests, %.0f req/s, p50 %.1f ms, p99 %.1f ms, errors %d\n",
		*clients, dur.String(), len(lats), reqRate, p50, p99, errs.Load())
	if e := firstErr.Load(); e != nil {
		fmt.Printf("first error: %s\n", e)
	}

	// Drain: wait until every delivery is final.
	var tot struct{ Total, Succeeded, Failed int }
	drainDeadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(drainDeadline) {
		if _, err := call("GET", "/v1/deliveries?limit=1", nil, &tot); err == nil && tot.Total >= int(queued.Load()) && tot.Succeeded+tot.Failed == tot.Total {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	got := len(seen)
	mu.Unlock()
	last := time.Unix(0, lastRecv.Load())
	span := last.Sub(start)
	fmt.Printf("deliveries: queued %d, succeeded %d, failed %d, received (distinct request ids) %d, lost %d, %.0f deliveries/s (first send to last receipt, %s)\n",
		queued.Load(), tot.Succeeded, tot.Failed, got, queued.Load()-int64(got), float64(got)/span.Seconds(), span.Round(time.Millisecond))
	// the summary row: req/s p50 p99 errors deliveries/s lost burst-deliveries/s burst-lost
	row := []any{reqRate, p50, p99, errs.Load(), float64(got) / span.Seconds(), queued.Load() - int64(got)}
	writeSummary := func(burstRate float64, burstLost int64) {
		if *summary == "" {
			return
		}
		row = append(row, burstRate, burstLost)
		f := "%.0f\t%.1f\t%.1f\t%d\t%.0f\t%d\t%.0f\t%d\n"
		if err := os.WriteFile(*summary, fmt.Appendf(nil, f, row...), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "summary:", err)
		}
	}
	defer func() {
		if *burst <= 0 {
			writeSummary(0, 0)
			return
		}
		// Burst: 100 configs subscribed to "ping", then events to all of them.
		const fan = 100
		for i := range fan {
			if _, err := call("POST", "/v1/webhook_configs", map[string]any{"url": fmt.Sprintf("%s?burst=%d", recv, i), "events": []string{"ping"}}, nil); err != nil {
				fmt.Println("burst:", err)
				writeSummary(0, 0)
				return
			}
		}
		mu.Lock()
		before := len(seen)
		mu.Unlock()
		t0 := time.Now()
		var bwg sync.WaitGroup
		var bq atomic.Int64
		for range 4 {
			bwg.Add(1)
			go func() {
				defer bwg.Done()
				for bq.Load() < int64(*burst) {
					var res struct{ Data []json.RawMessage }
					if _, err := call("POST", "/v1/events", map[string]any{"type": "ping"}, &res); err != nil {
						fmt.Println("burst:", err)
						return
					}
					bq.Add(int64(len(res.Data)))
				}
			}()
		}
		bwg.Wait()
		queuedIn := time.Since(t0)
		want := before + int(bq.Load())
		for time.Since(t0) < 5*time.Minute {
			mu.Lock()
			n := len(seen)
			mu.Unlock()
			if n >= want {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		lastB := time.Unix(0, lastRecv.Load())
		mu.Lock()
		n := len(seen) - before
		mu.Unlock()
		fmt.Printf("burst: %d deliveries queued in %s, all %d received %s after the first was queued: %.0f deliveries/s, lost %d\n",
			bq.Load(), queuedIn.Round(time.Millisecond), n, lastB.Sub(t0).Round(time.Millisecond), float64(n)/lastB.Sub(t0).Seconds(), bq.Load()-int64(n))
		writeSummary(float64(n)/lastB.Sub(t0).Seconds(), bq.Load()-int64(n))
	}()
	if backlog := got - atEnd; backlog > 0 && last.After(endOfLoad) {
		fmt.Printf("drain after the load stopped (workers only): %d deliveries in %s, %.0f deliveries/s\n",
			backlog, last.Sub(endOfLoad).Round(time.Millisecond), float64(backlog)/last.Sub(endOfLoad).Seconds())
	}
}

// database runs `createdb SERVER_URL` (prints the new database's URL) or
// `dropdb SERVER_URL DB_URL`.
func database(cmd string, args []string) int {
	var err error
	switch {
	case cmd == "createdb" && len(args) == 1:
		var u string
		if u, err = pgtest.CreateDatabase(args[0]); err == nil {
			fmt.Println(u)
		}
	case cmd == "dropdb" && len(args) == 2:
		err = pgtest.DropDatabase(args[0], args[1])
	default:
		fmt.Fprintln(os.Stderr, "usage: benchserve createdb SERVER_URL | benchserve dropdb SERVER_URL DB_URL")
		return 2
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchserve:", err)
		return 1
	}
	return 0
}
