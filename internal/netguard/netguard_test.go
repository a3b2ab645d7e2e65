package netguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

func prefixes(t *testing.T, ss ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, s := range ss {
		p, err := ParseTarget(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func TestCheck(t *testing.T) {
	self := []netip.AddrPort{netip.MustParseAddrPort("203.0.113.7:8787")}
	tests := []struct {
		addr   string // ip:port
		allow  []string
		reason string // "" = allowed
		flag   string // the suggested --allow-target
	}{
		// Public addresses pass.
		{addr: "93.184.216.34:443"},
		{addr: "[2606:2800:220:1:248:1893:25c8:1946]:443"},
		{addr: "8.8.8.8:53"},
		{addr: "172.32.0.1:80"},    // just outside 172.16.0.0/12
		{addr: "100.128.0.1:80"},   // just outside 100.64.0.0/10
		{addr: "203.0.113.7:8080"}, // the server's address, another port
		// Every blocked range, with the flag that opens it.
		{addr: "127.0.0.1:80", reason: "a loopback address", flag: "127.0.0.0/8"},
		{addr: "127.255.0.9:80", reason: "a loopback address", flag: "127.0.0.0/8"},
		{addr: "[::1]:80", reason: "a loopback address", flag: "::1/128"},
		{addr: "10.1.2.3:80", reason: "a private address", flag: "10.0.0.0/8"},
		{addr: "172.16.0.1:80", reason: "a private address", flag: "172.16.0.0/12"},
		{addr: "172.31.255.255:80", reason: "a private address", flag: "172.16.0.0/12"},
		{addr: "192.168.1.1:80", reason: "a private address", flag: "192.168.0.0/16"},
		{addr: "169.254.169.254:80", reason: "a link-local address", flag: "169.254.0.0/16"},
		{addr: "[fe80::1]:80", reason: "a link-local address", flag: "fe80::/10"},
		{addr: "[fe80::1%eth0]:80", reason: "a link-local address", flag: "fe80::/10"},
		{addr: "100.64.0.1:80", reason: "a CGNAT (shared address space) address", flag: "100.64.0.0/10"},
		{addr: "100.127.255.254:80", reason: "a CGNAT (shared address space) address", flag: "100.64.0.0/10"},
		{addr: "[fc00::1]:80", reason: "a unique-local address", flag: "fc00::/7"},
		{addr: "[fd12:3456::1]:80", reason: "a unique-local address", flag: "fc00::/7"},
		{addr: "224.0.0.1:80", reason: "a multicast address", flag: "224.0.0.1/32"},
		{addr: "239.255.255.250:80", reason: "a multicast address", flag: "239.255.255.250/32"},
		{addr: "[ff02::1]:80", reason: "a multicast address", flag: "ff02::1/128"},
		{addr: "255.255.255.255:80", reason: "a broadcast address", flag: "255.255.255.255/32"},
		{addr: "0.0.0.0:80", reason: "an unspecified address", flag: "0.0.0.0/32"},
		{addr: "[::]:80", reason: "an unspecified address", flag: "::/128"},
		{addr: "0.1.2.3:80", reason: `a "this network" address`, flag: "0.1.2.3/32"},
		{addr: "203.0.113.7:8787", reason: "this server's own listening address", flag: "203.0.113.7/32"},
		// IPv4-mapped IPv6 forms are checked as their IPv4 address.
		{addr: "[::ffff:127.0.0.1]:80", reason: "a loopback address", flag: "127.0.0.0/8"},
		{addr: "[::ffff:7f00:1]:80", reason: "a loopback address", flag: "127.0.0.0/8"},
		{addr: "[::ffff:10.0.0.1]:80", reason: "a private address", flag: "10.0.0.0/8"},
		{addr: "[::ffff:169.254.169.254]:80", reason: "a link-local address", flag: "169.254.0.0/16"},
		{addr: "[::ffff:100.64.0.1]:80", reason: "a CGNAT (shared address space) address", flag: "100.64.0.0/10"},
		{addr: "[::ffff:0.0.0.0]:80", reason: "an unspecified address", flag: "0.0.0.0/32"},
		{addr: "[::ffff:255.255.255.255]:80", reason: "a broadcast address", flag: "255.255.255.255/32"},
		{addr: "[::ffff:203.0.113.7]:8787", reason: "this server's own listening address", flag: "203.0.113.7/32"},
		{addr: "[::ffff:93.184.216.34]:443"},
		// Allowed prefixes open ranges, and only those.
		{addr: "127.0.0.1:80", allow: []string{"127.0.0.0/8"}},
		{addr: "[::ffff:127.0.0.1]:80", allow: []string{"127.0.0.0/8"}},
		{addr: "127.0.0.1:80", allow: []string{"::ffff:127.0.0.0/104"}},
		{addr: "10.9.8.7:80", allow: []string{"10.0.0.0/8"}},
		{addr: "10.9.8.7:80", allow: []string{"10.9.8.7"}},
		{addr: "10.9.8.6:80", allow: []string{"10.9.8.7"}, reason: "a private address", flag: "10.0.0.0/8"},
		{addr: "192.168.1.1:80", allow: []string{"10.0.0.0/8"}, reason: "a private address", flag: "192.168.0.0/16"},
		{addr: "[::1]:80", allow: []string{"127.0.0.0/8"}, reason: "a loopback address", flag: "::1/128"},
		{addr: "[::1]:80", allow: []string{"::1"}},
		{addr: "[fd00::5]:80", allow: []string{"fd00::/8"}},
		{addr: "[fe80::1%eth0]:80", allow: []string{"fe80::/10"}},
		{addr: "203.0.113.7:8787", allow: []string{"203.0.113.7/32"}},
		{addr: "224.0.0.1:80", allow: []string{"224.0.0.0/4"}},
	}
	for _, tt := range tests {
		t.Run(tt.addr+" "+strings.Join(tt.allow, ","), func(t *testing.T) {
			g := New(prefixes(t, tt.allow...), self)
			err := g.Check(netip.MustParseAddrPort(tt.addr))
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Check = %v, want allowed", err)
				}
				return
			}
			var be *BlockedError
			if !errors.As(err, &be) {
				t.Fatalf("Check = %v, want a *BlockedError", err)
			}
			ap := netip.MustParseAddrPort(tt.addr)
			want := "destination " + ap.Addr().Unmap().WithZone("").String() + " is " + tt.reason +
				": hookctl serve does not deliver there unless started with --allow-target " + tt.flag
			if err.Error() != want {
				t.Fatalf("error\n got %s\nwant %s", err, want)
			}
			// The suggested flag opens the address.
			if err := New(prefixes(t, tt.flag), self).Check(ap); err != nil {
				t.Fatalf("with --allow-target %s: %v", tt.flag, err)
			}
		})
	}
}

func TestExactMessage(t *testing.T) {
	err := New(nil, nil).Check(netip.MustParseAddrPort("127.0.0.1:80"))
	const want = "destination 127.0.0.1 is a loopback address: hookctl serve does not deliver there unless started with --allow-target 127.0.0.0/8"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v", err)
	}
}

func TestSelfAnyPort(t *testing.T) {
	g := New(nil, []netip.AddrPort{netip.MustParseAddrPort("198.51.100.1:0")})
	if err := g.Check(netip.MustParseAddrPort("198.51.100.1:9")); err == nil {
		t.Fatal("port 0 in self should refuse every port")
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct{ in, want string }{
		{"127.0.0.0/8", "127.0.0.0/8"},
		{"10.1.2.3/8", "10.0.0.0/8"}, // masked
		{"10.1.2.3", "10.1.2.3/32"},
		{"::1", "::1/128"},
		{"fd00::/8", "fd00::/8"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"::ffff:10.0.0.1", "10.0.0.1/32"},
		{" 192.168.0.0/16 ", "192.168.0.0/16"},
	}
	for _, tt := range tests {
		p, err := ParseTarget(tt.in)
		if err != nil || p.String() != tt.want {
			t.Errorf("ParseTarget(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
		}
	}
	for _, bad := range []string{"", "localhost", "10.0.0.0/33", "10.0.0/8", "1.2.3.4/", "http://10.0.0.1"} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("ParseTarget(%q): no error", bad)
		}
	}
}

func TestCheckURL(t *testing.T) {
	g := New(prefixes(t, "10.0.0.0/8"), []netip.AddrPort{netip.MustParseAddrPort("203.0.113.7:8787")})
	tests := []struct {
		url     string
		blocked bool
	}{
		{"http://127.0.0.1:8080/hook", true},
		{"http://[::1]/hook", true},
		{"http://[::ffff:127.0.0.1]/hook", true},
		{"https://169.254.169.254/latest/meta-data", true},
		{"http://[fe80::1%25eth0]:80/", true},
		{"http://192.168.0.10/", true},
		{"http://203.0.113.7:8787/v1/events", true},
		{"http://203.0.113.7/v1/events", false}, // port 80, not the server's
		{"http://10.0.0.1/", false},             // allowed
		{"https://93.184.216.34/", false},
		{"http://localhost:8080/", false}, // a hostname: checked when dialled
		{"https://example.com/hook", false},
		{"::not a url", false},
	}
	for _, tt := range tests {
		err := g.CheckURL(tt.url)
		var be *BlockedError
		if got := errors.As(err, &be); got != tt.blocked {
			t.Errorf("CheckURL(%q) = %v, want blocked %v", tt.url, err, tt.blocked)
		}
	}
}

func TestSelfAddrs(t *testing.T) {
	got, err := SelfAddrs(&net.TCPAddr{IP: net.ParseIP("203.0.113.7"), Port: 8787})
	if err != nil || len(got) != 1 || got[0].String() != "203.0.113.7:8787" {
		t.Fatalf("SelfAddrs = %v, %v", got, err)
	}
	got, err = SelfAddrs(&net.TCPAddr{IP: net.IPv4zero, Port: 8787})
	if err != nil {
		t.Fatal(err)
	}
	var loop bool
	for _, ap := range got {
		if ap.Port() != 8787 {
			t.Fatalf("port of %v", ap)
		}
		loop = loop || ap.Addr().IsLoopback()
	}
	if !loop {
		t.Fatalf("SelfAddrs(0.0.0.0) = %v: want the interfaces' addresses, loopback included", got)
	}
}

func TestTransportHasNoProxy(t *testing.T) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.Proxy = http.ProxyFromEnvironment
	tr := New(nil, nil).Transport(base)
	if tr.Proxy != nil || tr.DialContext == nil {
		t.Fatal("the guarded transport must dial itself, without a proxy")
	}
	if base.Proxy == nil {
		t.Fatal("base was modified")
	}
}

// TestDial makes real connections: a receiver on 127.0.0.1 is refused
// without an allowed prefix, by address and by a name that resolves to
// loopback, and reached with --allow-target 127.0.0.0/8.
func TestDial(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	_, port, _ := net.SplitHostPort(u.Host)
	byName := "http://localhost:" + port + "/"

	get := func(g *Guard, target string) error {
		client := &http.Client{Transport: g.Transport(nil), Timeout: 10 * time.Second}
		defer client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	for _, target := range []string{srv.URL, byName} {
		err := get(New(nil, nil), target)
		var be *BlockedError
		if !errors.As(err, &be) {
			t.Fatalf("GET %s without allow: %v, want a *BlockedError", target, err)
		}
		var ue *url.Error
		var oe *net.OpError
		if !errors.As(err, &ue) || !errors.As(err, &oe) {
			t.Fatalf("want the error wrapped as url.Error and net.OpError: %T %v", err, err)
		}
		if !strings.Contains(err.Error(), "--allow-target") || !be.Addr.IsLoopback() {
			t.Fatalf("error %v", err)
		}
	}
	if err := get(New(prefixes(t, "127.0.0.0/8", "::1/128"), nil), srv.URL); err != nil {
		t.Fatalf("with --allow-target 127.0.0.0/8: %v", err)
	}
	if err := get(New(prefixes(t, "127.0.0.0/8", "::1/128"), nil), byName); err != nil {
		t.Fatalf("localhost with --allow-target 127.0.0.0/8: %v", err)
	}
	// The server's own address stays refused even on loopback… unless allowed.
	self := netip.MustParseAddrPort(u.Host)
	if err := get(New(nil, []netip.AddrPort{self}), srv.URL); !IsBlocked(err) {
		t.Fatalf("own address: %v", err)
	}
}
