// Package netguard keeps the outbound connections of `hookctl serve` away
// from addresses a tenant must not reach through the server: loopback,
// private (RFC 1918), link-local, CGNAT, unique-local, multicast, broadcast
// and unspecified addresses (also in their IPv4-mapped IPv6 forms), and the
// server's own listening addresses, unless an allowed prefix
// (`--allow-target`) contains them.
//
// The check runs where connections are made: Guard.Control is a
// net.Dialer.Control, called with the resolved address of every connection
// attempt, so a DNS answer that changes between a check and the dial cannot
// get around it. CheckURL is the early check of a URL whose host is a
// literal IP (an API can answer 422 at once); hostnames pass it and are
// checked when dialled.
//
// Typical use:
//
//	g := netguard.New(allow, netguard.SelfAddrs(ln.Addr()))
//	client := &http.Client{Transport: g.Transport(nil)}
package netguard

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// BlockedError is the refusal of a destination. It reaches the caller
// wrapped in a *net.OpError (and a *url.Error from http.Client): use
// errors.As.
type BlockedError struct {
	Addr   netip.Addr   // the destination, unmapped and without zone
	Reason string       // "a loopback address", …
	Allow  netip.Prefix // the --allow-target value that would let it through
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("destination %s is %s: hookctl serve does not deliver there unless started with --allow-target %s",
		e.Addr, e.Reason, e.Allow)
}

// blockedRange is a range refused by default.
type blockedRange struct {
	prefix  netip.Prefix
	reason  string
	suggest bool // suggest the range itself rather than the single address
}

// blocked are checked in order; the first that contains an address names
// it. The well-known ranges suggest themselves as --allow-target; the
// others (multicast, broadcast, unspecified) suggest the single address,
// since opening all of them is never what is meant.
var blocked = []blockedRange{
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address", true},
	{netip.MustParsePrefix("::1/128"), "a loopback address", true},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address", true},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address", true},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address", true},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address", true},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address", true},
	{netip.MustParsePrefix("100.64.0.0/10"), "a CGNAT (shared address space) address", true},
	{netip.MustParsePrefix("fc00::/7"), "a unique-local address", true},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address", false},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address", false},
	{netip.MustParsePrefix("255.255.255.255/32"), "a broadcast address", false},
	{netip.MustParsePrefix("0.0.0.0/32"), "an unspecified address", false},
	{netip.MustParsePrefix("::/128"), "an unspecified address", false},
	// 0.0.0.0/8 ("this network"): Linux connects 0.x.x.x to the local host.
	{netip.MustParsePrefix("0.0.0.0/8"), `a "this network" address`, false},
}

// Guard decides which destinations may be dialled. The zero value refuses
// the blocked ranges and allows everything else; use New. A Guard is
// immutable and safe for concurrent use.
type Guard struct {
	allow []netip.Prefix
	self  []netip.AddrPort
}

// New returns a guard that opens the prefixes in allow and also refuses
// the addresses in self (the server's listening addresses; a port of 0
// refuses every port of that address). IPv4-mapped IPv6 prefixes and
// addresses are taken as their IPv4 forms.
func New(allow []netip.Prefix, self []netip.AddrPort) *Guard {
	g := &Guard{}
	for _, p := range allow {
		g.allow = append(g.allow, unmapPrefix(p))
	}
	for _, ap := range self {
		g.self = append(g.self, netip.AddrPortFrom(unmap(ap.Addr()), ap.Port()))
	}
	return g
}

func unmap(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

func unmapPrefix(p netip.Prefix) netip.Prefix {
	a := p.Addr()
	if a.Is4In6() {
		bits := p.Bits() - 96
		if bits < 0 {
			bits = 0
		}
		return netip.PrefixFrom(a.Unmap(), bits).Masked()
	}
	return netip.PrefixFrom(a.WithZone(""), p.Bits()).Masked()
}

// ParseTarget parses an --allow-target value: a CIDR (10.0.0.0/8,
// fd00::/8) or a bare IP, taken as its /32 or /128.
func ParseTarget(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or an IP address", s)
		}
		return unmapPrefix(p), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or an IP address", s)
	}
	a = unmap(a)
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Check reports whether ap may be dialled: nil, or a *BlockedError.
func (g *Guard) Check(ap netip.AddrPort) error {
	a := unmap(ap.Addr())
	for _, p := range g.allow {
		if p.Contains(a) {
			return nil
		}
	}
	for _, s := range g.self {
		if s.Addr() == a && (s.Port() == 0 || s.Port() == ap.Port()) {
			return &BlockedError{Addr: a, Reason: "this server's own listening address", Allow: single(a)}
		}
	}
	for _, r := range blocked {
		if r.prefix.Contains(a) {
			allow := single(a)
			if r.suggest {
				allow = r.prefix
			}
			return &BlockedError{Addr: a, Reason: r.reason, Allow: allow}
		}
	}
	return nil
}

func single(a netip.Addr) netip.Prefix { return netip.PrefixFrom(a, a.BitLen()) }

// Control is a net.Dialer.Control: it refuses a connection to a blocked
// resolved address before it is made. address is "ip:port" as the dialer
// passes it.
func (g *Guard) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		// The dialer always passes a resolved address; refuse what cannot
		// be checked rather than let it through.
		return fmt.Errorf("netguard: cannot check %s address %q: %v", network, address, err)
	}
	return g.Check(ap)
}

// CheckURL refuses at once a URL whose host is a literal blocked IP
// (http://127.0.0.1:8080/, http://[::ffff:10.0.0.1]/): nil or a
// *BlockedError. Hostnames pass (they are checked when dialled), and so
// do URLs that do not parse: validating them is the caller's job.
func (g *Guard) CheckURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil
	}
	host := u.Hostname()
	a, err := netip.ParseAddr(host)
	if err != nil {
		return nil
	}
	var port uint16
	if p := u.Port(); p != "" {
		if ap, err := netip.ParseAddrPort(net.JoinHostPort(a.String(), p)); err == nil {
			port = ap.Port()
		}
	} else if u.Scheme == "https" {
		port = 443
	} else {
		port = 80
	}
	return g.Check(netip.AddrPortFrom(a, port))
}

// Transport returns a clone of base (nil: http.DefaultTransport) whose
// connections are checked by g. Its Proxy is nil, since a proxy would make
// the connection on the transport's behalf and bypass the check, and a
// DialTLSContext of base is dropped for the same reason.
func (g *Guard) Transport(base *http.Transport) *http.Transport {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	tr := base.Clone()
	tr.Proxy = nil
	tr.DialTLSContext = nil
	tr.DialTLS = nil //nolint:staticcheck // cleared so nothing dials around the guard
	tr.Dial = nil    //nolint:staticcheck
	tr.DialContext = g.Dialer().DialContext
	return tr
}

// Dialer returns a net.Dialer with g's Control (and the timeouts of
// http.DefaultTransport's dialer).
func (g *Guard) Dialer() *net.Dialer {
	return &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: g.Control}
}

// SelfAddrs returns the addresses a server listening on addr answers on:
// addr itself, or, when it listens on an unspecified address (0.0.0.0,
// ::), every address of the host's interfaces, with addr's port.
func SelfAddrs(addr net.Addr) ([]netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return nil, fmt.Errorf("netguard: listening address %q: %v", addr, err)
	}
	a := unmap(ap.Addr())
	if !a.IsUnspecified() {
		return []netip.AddrPort{netip.AddrPortFrom(a, ap.Port())}, nil
	}
	ifAddrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("netguard: interface addresses: %w", err)
	}
	out := []netip.AddrPort{netip.AddrPortFrom(a, ap.Port())}
	for _, ia := range ifAddrs {
		var ip net.IP
		switch v := ia.(type) {
		case *net.IPNet:
			ip = v.IP
		case *net.IPAddr:
			ip = v.IP
		}
		if x, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, netip.AddrPortFrom(unmap(x), ap.Port()))
		}
	}
	return out, nil
}

// IsBlocked reports whether err is (or wraps) a *BlockedError.
func IsBlocked(err error) bool {
	var be *BlockedError
	return errors.As(err, &be)
}
