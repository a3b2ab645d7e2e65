// Command listrss is the load generator of scripts/bench-list-rss.sh (issue
// 13, point 6: serve's memory stays bounded). Against a running `hookctl
// serve` whose process id it is given, it seeds N deliveries with distinct
// ~900 KB JSON payloads (POST /v1/deliveries, one delivery a request: the
// body limit is 1 MiB), then C concurrent clients each, R rounds, list every
// delivery in maximum pages (GET /v1/deliveries?limit=1000, following
// starting_after while has_more) and fetch a few single deliveries (GET
// /v1/deliveries/{id}, which carries the payload). It samples the server's
// VmRSS from /proc/PID/status every 50 ms and prints the seeded size, the
// requests made, the page latency, and the server's RSS: after start, peak
// while seeding, peak while reading (VmHWM, reset after seeding through
// /proc/PID/clear_refs) and at the end.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const maxLimit = 1000 // backend.MaxListLimit

func main() {
	api := flag.String("api", "", "URL of hookctl serve (http://127.0.0.1:PORT)")
	key := flag.String("key", os.Getenv("HOOKCTL_API_KEY"), "API key")
	pid := flag.Int("pid", 0, "process id of hookctl serve (its RSS is sampled)")
	n := flag.Int("n", 1000, "deliveries to seed")
	size := flag.Int("size", 900_000, "bytes of each delivery's JSON payload (the whole request must stay under the 1 MiB body limit)")
	seeders := flag.Int("seeders", 4, "concurrent seeding requests")
	clients := flag.Int("c", 4, "concurrent reading clients")
	rounds := flag.Int("rounds", 20, "rounds per client (each: every page of the list, then -gets single deliveries)")
	gets := flag.Int("gets", 3, "GET /v1/deliveries/{id} per client and round")
	timeout := flag.Duration("timeout", 15*time.Minute, "give up after this long")
	flag.Parse()
	if *api == "" || *key == "" || *pid <= 0 || *n < 1 || *size < 64 {
		fmt.Fprintln(os.Stderr, "usage: listrss -api URL -key KEY -pid PID [-n 1000] [-size 900000] [-c 4] [-rounds 20] [-gets 3]")
		os.Exit(2)
	}
	if u, err := url.Parse(*api); err != nil || u.Hostname() != "127.0.0.1" {
		fmt.Fprintln(os.Stderr, "listrss: -api must be an http://127.0.0.1:PORT URL")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, *api, *key, *pid, *n, *size, *seeders, *clients, *rounds, *gets); err != nil {
		fmt.Fprintln(os.Stderr, "listrss:", err)
		os.Exit(1)
	}
}

// procStatus reads a kB field (VmRSS, VmHWM) of /proc/PID/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		return kb * 1024, err
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// sampler keeps the highest VmRSS seen since the last reset.
type sampler struct {
	pid  int
	peak atomic.Int64
	n    atomic.Int64
}

func (s *sampler) loop(ctx context.Context) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if rss, err := procStatus(s.pid, "VmRSS"); err == nil {
			s.n.Add(1)
			for {
				old := s.peak.Load()
				if rss <= old || s.peak.CompareAndSwap(old, rss) {
					break
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }

// payload is delivery i's JSON body: size bytes, distinct per i (payloads
// are content-addressed: identical ones would be stored once).
func payload(i, size int) []byte {
	head := fmt.Sprintf(`{"seq":%d,"kind":"bench.list_rss","blob":"`, i)
	tail := `"}`
	nhex := size - len(head) - len(tail)
	raw := make([]byte, (nhex+1)/2)
	r := rand.NewChaCha8([32]byte{byte(i), byte(i >> 8), byte(i >> 16), byte(i >> 24), 'l', 'i', 's', 't', 'r', 's', 's'})
	r.Read(raw)
	b := make([]byte, 0, size)
	b = append(b, head...)
	b = append(b, hex.EncodeToString(raw)[:nhex]...)
	return append(b, tail...)
}

func run(ctx context.Context, api, key string, pid, n, size, seeders, clients, rounds, gets int) error {
	tr := &http.Transport{MaxIdleConnsPerHost: 2 * max(seeders, clients)}
	client := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	// call does one request; it returns the status, the body size, and
	// decodes a 2xx answer into out.
	call := func(method, path string, body []byte, out any) (int, int, error) {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, api+path, rd)
		if err != nil {
			return 0, 0, err
		}
		req.Header.Set("X-API-Key", key)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0, err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return resp.StatusCode, len(data), err
		}
		if resp.StatusCode >= 300 {
			if len(data) > 300 {
				data = data[:300]
			}
			return resp.StatusCode, len(data), fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(data))
		}
		if out != nil {
			return resp.StatusCode, len(data), json.Unmarshal(data, out)
		}
		return resp.StatusCode, len(data), nil
	}

	baseline, err := procStatus(pid, "VmRSS")
	if err != nil {
		return err
	}
	smp := &sampler{pid: pid}
	smp.peak.Store(baseline)
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go smp.loop(sctx)

	// The limits first: limit=0 and limit=1001 are refused, no limit is 50.
	var codes []string
	for _, l := range []string{"0", strconv.Itoa(maxLimit + 1)} {
		code, _, _ := call("GET", "/v1/deliveries?limit="+l, nil, nil)
		codes = append(codes, fmt.Sprintf("limit=%s: %d", l, code))
		if code != http.StatusBadRequest {
			fmt.Printf("odd: GET /v1/deliveries?limit=%s answered %d, not 400\n", l, code)
		}
	}
	fmt.Printf("bounds: GET /v1/deliveries %s (want 400)\n", strings.Join(codes, ", "))

	// Seed.
	fmt.Printf("seeding %d deliveries, payloads of %d bytes each (distinct), %d at a time\n", n, size, seeders)
	t0 := time.Now()
	base := time.Now().UTC().Add(-time.Duration(n) * time.Second).Truncate(time.Second)
	var (
		next     atomic.Int64
		seeded   atomic.Int64
		seedByte atomic.Int64
		maxBody  atomic.Int64
		firstErr error
		errMu    sync.Mutex
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
	}
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("dlv_listrss%06d", i)
	}
	for range seeders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				p := payload(i, size)
				at := base.Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano)
				d := map[string]any{
					"id": ids[i], "request_id": fmt.Sprintf("req_listrss%06d", i), "event_type": "bench.list_rss",
					"url": "https://example.invalid/hook", "state": "succeeded", "status_code": 200,
					"created_at": at, "updated_at": at, "payload": json.RawMessage(p),
				}
				body, err := json.Marshal(map[string]any{"data": []any{d}})
				if err != nil {
					fail(err)
					return
				}
				for {
					old := maxBody.Load()
					if int64(len(body)) <= old || maxBody.CompareAndSwap(old, int64(len(body))) {
						break
					}
				}
				if _, _, err := call("POST", "/v1/deliveries", body, nil); err != nil {
					fail(fmt.Errorf("seed %s: %w", ids[i], err))
					return
				}
				seeded.Add(1)
				seedByte.Add(int64(len(p)))
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	seedTime := time.Since(t0)
	afterSeed, _ := procStatus(pid, "VmRSS")
	seedPeak := smp.peak.Load()
	seedHWM, _ := procStatus(pid, "VmHWM")
	fmt.Printf("seeded %d deliveries in %s: %s of payloads (largest request body %d bytes)\n",
		seeded.Load(), seedTime.Round(time.Millisecond), mb(seedByte.Load()), maxBody.Load())

	// Reset the peak for the reading phase: VmHWM through clear_refs (5),
	// the sampler's own peak at the current RSS.
	hwmReset := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
	readStart, _ := procStatus(pid, "VmRSS")
	smp.peak.Store(readStart)

	// Read.
	var (
		pageLat  []time.Duration
		getLat   []time.Duration
		latMu    sync.Mutex
		reqs     atomic.Int64
		errs     atomic.Int64
		pageB    atomic.Int64
		maxPageB atomic.Int64
		getB     atomic.Int64
		listed   atomic.Int64
		odd      atomic.Value
	)
	t1 := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 13))
			var myPages, myGets []time.Duration
			defer func() {
				latMu.Lock()
				pageLat = append(pageLat, myPages...)
				getLat = append(getLat, myGets...)
				latMu.Unlock()
			}()
			for range rounds {
				after, seen := "", 0
				for ctx.Err() == nil {
					path := fmt.Sprintf("/v1/deliveries?limit=%d", maxLimit)
					if after != "" {
						path += "&starting_after=" + url.QueryEscape(after)
					}
					var page struct {
						Total   int               `json:"total"`
						Data    []json.RawMessage `json:"data"`
						HasMore bool              `json:"has_more"`
					}
					t := time.Now()
					_, nb, err := call("GET", path, nil, &page)
					reqs.Add(1)
					if err != nil {
						errs.Add(1)
						fail(err)
						break
					}
					myPages = append(myPages, time.Since(t))
					pageB.Add(int64(nb))
					for {
						old := maxPageB.Load()
						if int64(nb) <= old || maxPageB.CompareAndSwap(old, int64(nb)) {
							break
						}
					}
					seen += len(page.Data)
					if len(page.Data) > 0 {
						var last struct {
							ID      string          `json:"id"`
							Payload json.RawMessage `json:"payload"`
						}
						json.Unmarshal(page.Data[len(page.Data)-1], &last)
						if len(last.Payload) > 2 { // "" is what an absent payload looks like
							odd.CompareAndSwap(nil, fmt.Sprintf("a listed delivery (%s) carries a payload of %d bytes", last.ID, len(last.Payload)))
						}
						after = last.ID
					}
					if !page.HasMore || len(page.Data) == 0 {
						break
					}
				}
				listed.Add(int64(seen))
				if seen != n {
					odd.CompareAndSwap(nil, fmt.Sprintf("a client's round listed %d deliveries, not %d", seen, n))
				}
				for range gets {
					id := ids[rng.IntN(n)]
					var d struct {
						ID      string          `json:"id"`
						Payload json.RawMessage `json:"payload"`
					}
					t := time.Now()
					_, nb, err := call("GET", "/v1/deliveries/"+id, nil, &d)
					reqs.Add(1)
					if err != nil {
						errs.Add(1)
						fail(err)
						continue
					}
					myGets = append(myGets, time.Since(t))
					getB.Add(int64(nb))
					if len(d.Payload) != size {
						odd.CompareAndSwap(nil, fmt.Sprintf("GET %s: payload of %d bytes, not %d", id, len(d.Payload), size))
					}
				}
			}
		}()
	}
	wg.Wait()
	readTime := time.Since(t1)
	time.Sleep(100 * time.Millisecond) // one more sample
	stop()
	readPeak := smp.peak.Load()
	hwm, hwmErr := procStatus(pid, "VmHWM")
	end, _ := procStatus(pid, "VmRSS")

	stats := func(ds []time.Duration) string {
		if len(ds) == 0 {
			return "none"
		}
		slices.Sort(ds)
		var sum time.Duration
		for _, d := range ds {
			sum += d
		}
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		return fmt.Sprintf("mean %.1f ms, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
			ms(sum/time.Duration(len(ds))), ms(ds[len(ds)/2]), ms(ds[min(len(ds)-1, len(ds)*99/100)]), ms(ds[len(ds)-1]))
	}
	fmt.Printf("reading: %d clients x %d rounds in %s: %d requests (%d list pages of limit=%d, %d single GETs), errors %d\n",
		clients, rounds, readTime.Round(time.Millisecond), reqs.Load(), len(pageLat), maxLimit, len(getLat), errs.Load())
	if len(pageLat) > 0 {
		fmt.Printf("  list page (limit=%d): %s; %d deliveries listed, largest page %d bytes (%.0f bytes a listed delivery)\n",
			maxLimit, stats(pageLat), listed.Load(), maxPageB.Load(), float64(pageB.Load())/float64(max(1, listed.Load())))
	}
	if len(getLat) > 0 {
		fmt.Printf("  GET one (with payload): %s; %.0f bytes an answer\n", stats(getLat), float64(getB.Load())/float64(len(getLat)))
	}
	if firstErr != nil {
		fmt.Println("first error:", firstErr)
	}
	if o := odd.Load(); o != nil {
		fmt.Println("odd:", o)
	}
	fmt.Printf("serve RSS: after start %s; seeding peak %s (sampled; VmHWM %s), after seeding %s\n",
		mb(baseline), mb(seedPeak), mb(seedHWM), mb(afterSeed))
	hwmNote := "reset after seeding"
	if !hwmReset {
		hwmNote = "NOT reset (clear_refs refused): the lifetime peak, seeding included"
	}
	if hwmErr != nil {
		return errors.Join(firstErr, hwmErr)
	}
	fmt.Printf("serve RSS while reading: at start %s, peak %s (sampled every 50 ms, %d samples in all), peak VmHWM %s (%s); at the end %s\n",
		mb(readStart), mb(readPeak), smp.n.Load(), mb(hwm), hwmNote, mb(end))
	fmt.Printf("RESULT n=%d payload_mb=%.1f requests=%d page_mean_ms=%.1f peak_rss_mb=%.1f baseline_rss_mb=%.1f\n",
		seeded.Load(), float64(seedByte.Load())/1e6, reqs.Load(), meanMS(pageLat), float64(hwm)/1e6, float64(baseline)/1e6)
	return firstErr
}

func meanMS(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return float64(sum.Microseconds()) / 1000 / float64(len(ds))
}
