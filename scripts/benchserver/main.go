// Command benchserver is the local receiver of scripts/bench-send.sh: it
// listens on 127.0.0.1 (port 0 unless -addr), prints its URL on stdout and
// answers every request 200 {"message":"ok"}. With -record it is the
// recording internal/testserver instead (for trying retries by hand).
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/hookctl/hookctl/internal/testserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	record := flag.Bool("record", false, "use the recording test server (/status/{code}, /flaky/…, /_requests)")
	flag.Parse()
	if *record {
		s, err := testserver.Start()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(s.URL)
		select {}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("http://" + ln.Addr().String())
	ok := []byte(`{"message":"ok"}` + "\n")
	err = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(ok)
	}))
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
