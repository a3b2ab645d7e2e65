// Package ngrokfake is a local stand-in for ngrok's agent endpoint
// (connect.ngrok-agent.com:443), good enough for the ngrok Go SDK to connect,
// authenticate, bind an HTTPS endpoint and receive proxied connections.
//
// It listens with TLS on 127.0.0.1 with a self-signed certificate (hand
// CertPool to the client as its connect CA) and speaks the agent protocol the
// way the SDK's client does: a muxado session with typed streams and
// heartbeats, one JSON request and one JSON response per RPC stream (Auth=0,
// Bind=1, Unbind=2, StartTunnelWithLabel=7, SrvInfo=8, PatchTunnelState=10),
// and server-opened Proxy=3 streams that start with an int64 little-endian
// length and a JSON proxy header, followed by the raw connection bytes.
//
// Tests send traffic "through the internet" with Dial or Client, and test
// reconnect handling with DropSessions.
//
// The wire structs are copied from the SDK's internal proto package (which
// cannot be imported); only the fields the fake uses are kept, under the same
// JSON names.
package ngrokfake

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.ngrok.com/muxado/v2"
)

// Stream types of the agent protocol (golang.ngrok.com/ngrok/v2/internal/tunnel/proto).
const (
	typeAuth                 muxado.StreamType = 0
	typeBind                 muxado.StreamType = 1
	typeUnbind               muxado.StreamType = 2
	typeProxy                muxado.StreamType = 3
	typeStartTunnelWithLabel muxado.StreamType = 7
	typeSrvInfo              muxado.StreamType = 8
	typePatchTunnelState     muxado.StreamType = 10
)

// DefaultDomainSuffix is the parent domain of the random public hostnames the
// fake hands out.
const DefaultDomainSuffix = "ngrok.test"

// AuthErrorMessage is what the fake answers to an authtoken it does not
// accept, modelled on ngrok's own ERR_NGROK_105 message.
const AuthErrorMessage = "The authtoken you specified does not look like a proper ngrok authtoken.\n" +
	"Instructions to install your authtoken are on your ngrok dashboard:\n" +
	"https://dashboard.ngrok.com/get-started/your-authtoken\n\nERR_NGROK_105"

// Options configures a fake.
type Options struct {
	// AcceptTokens are the authtokens the fake accepts; any other token gets
	// AuthErrorMessage. Change them later with SetAcceptTokens.
	AcceptTokens []string
	// DomainSuffix is the parent domain of generated hostnames; default DefaultDomainSuffix.
	DomainSuffix string
	// Logger receives the fake's debug logs; default discards.
	Logger *slog.Logger
}

// Server is a running fake agent endpoint. Its methods are safe for concurrent use.
type Server struct {
	ln       net.Listener
	pool     *x509.CertPool
	certPEM  []byte
	suffix   string
	log      *slog.Logger
	wg       sync.WaitGroup
	mu       sync.Mutex
	tokens   []string
	sessions map[*session]struct{}
	binds    map[string]*binding // by lower-case public hostname
	tokenURL map[string]string   // bind token → public URL, so a rebind after a reconnect keeps its URL
	closed   bool
}

type session struct {
	mux    muxado.TypedStreamSession
	remote string
	authed bool
}

type binding struct {
	sess   *session
	bindID string
	url    string
	proto  string
}

// Start listens on 127.0.0.1:0 and serves until Close.
func Start(opts Options) (*Server, error) {
	cert, pool, err := selfSigned()
	if err != nil {
		return nil, err
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
	})
	if err != nil {
		return nil, fmt.Errorf("ngrokfake: listen: %w", err)
	}
	s := &Server{
		ln:       ln,
		pool:     pool,
		certPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}),
		suffix:   opts.DomainSuffix,
		log:      opts.Logger,
		tokens:   slices.Clone(opts.AcceptTokens),
		sessions: map[*session]struct{}{},
		binds:    map[string]*binding{},
		tokenURL: map[string]string{},
	}
	if s.suffix == "" {
		s.suffix = DefaultDomainSuffix
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Addr is the host:port to give the client as its connect address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// CertPool holds the fake's self-signed certificate; give it to the client as its connect CA.
func (s *Server) CertPool() *x509.CertPool { return s.pool }

// CertPEM is the fake's certificate in PEM, for a client in another process
// (an end-to-end test writes it to a file and points the CLI at it).
func (s *Server) CertPEM() []byte { return slices.Clone(s.certPEM) }

// SetAcceptTokens replaces the set of accepted authtokens.
func (s *Server) SetAcceptTokens(tokens ...string) {
	s.mu.Lock()
	s.tokens = slices.Clone(tokens)
	s.mu.Unlock()
}

// AcceptTokens returns the accepted authtokens.
func (s *Server) AcceptTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tokens)
}

// Sessions is the number of connected agent sessions (authenticated or not).
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// URLs lists the public URLs currently bound.
func (s *Server) URLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, b := range s.binds {
		out = append(out, b.url)
	}
	slices.Sort(out)
	return out
}

// DropSessions closes every agent session abruptly, as a network failure
// would, and returns how many it closed. The clients' bindings are forgotten
// until they reconnect and bind again.
func (s *Server) DropSessions() int {
	s.mu.Lock()
	var muxes []muxado.TypedStreamSession
	for sess := range s.sessions {
		muxes = append(muxes, sess.mux)
		s.forgetLocked(sess)
	}
	s.mu.Unlock()
	for _, m := range muxes {
		_ = m.Close()
	}
	return len(muxes)
}

// Close stops listening, drops every session and waits for the fake's goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	err := s.ln.Close()
	s.DropSessions()
	s.wg.Wait()
	return err
}

// Dial opens a connection to the agent that bound publicURL (its scheme, port
// and path are ignored; the host selects the endpoint), as ngrok's edge does
// for a visitor: it opens a Proxy stream to the agent and writes the proxy
// header. The returned conn carries the visitor's plain bytes (for an https
// endpoint the edge has already terminated TLS, so this is plain HTTP).
func (s *Server) Dial(ctx context.Context, publicURL string) (net.Conn, error) {
	host := publicURL
	if u, err := url.Parse(publicURL); err == nil && u.Host != "" {
		host = u.Host
	}
	return s.dialHost(ctx, host, "198.51.100.7:43210")
}

// Client returns an HTTP client whose requests to a bound public URL (http
// or https) travel through the fake to the agent. Keep-alives are off, so a
// request after DropSessions never reuses a dead stream.
func (s *Server) Client() *http.Client {
	dial := func(ctx context.Context, _, addr string) (net.Conn, error) {
		return s.dialHost(ctx, addr, "198.51.100.7:43210")
	}
	return &http.Client{Transport: &http.Transport{
		DialContext:       dial,
		DialTLSContext:    dial, // the edge terminates TLS; the agent sees plain HTTP
		DisableKeepAlives: true,
		ForceAttemptHTTP2: false,
	}}
}

func (s *Server) dialHost(ctx context.Context, hostport, clientAddr string) (net.Conn, error) {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	s.mu.Lock()
	b := s.binds[host]
	s.mu.Unlock()
	if b == nil {
		return nil, fmt.Errorf("ngrokfake: endpoint %s is offline (ERR_NGROK_3200)", host)
	}
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := openProxy(b, clientAddr)
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		return r.c, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// proxyHeader is proto.ProxyHeader.
type proxyHeader struct {
	ID             string `json:"Id"`
	ClientAddr     string
	Proto          string
	EdgeType       string
	PassthroughTLS bool
}

func openProxy(b *binding, clientAddr string) (net.Conn, error) {
	str, err := b.sess.mux.OpenTypedStream(typeProxy)
	if err != nil {
		return nil, fmt.Errorf("ngrokfake: open proxy stream: %w", err)
	}
	hdr, err := json.Marshal(proxyHeader{ID: b.bindID, ClientAddr: clientAddr, Proto: b.proto})
	if err != nil {
		str.Close()
		return nil, err
	}
	buf := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	buf = append(buf, hdr...)
	if _, err := str.Write(buf); err != nil {
		str.Close()
		return nil, fmt.Errorf("ngrokfake: write proxy header: %w", err)
	}
	return str, nil
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handleConn(c)
		}()
	}
}

func (s *Server) handleConn(c net.Conn) {
	mux := muxado.NewTypedStreamSession(muxado.Server(c, &muxado.Config{}))
	hb := muxado.NewHeartbeat(mux, func(_ time.Duration, timeout bool) {
		if timeout {
			mux.Close()
		}
	}, muxado.NewHeartbeatConfig())
	sess := &session{mux: hb, remote: c.RemoteAddr().String()}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close()
		return
	}
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()
	hb.Start()
	s.log.Debug("agent connected", "remote", sess.remote)

	var wg sync.WaitGroup
	for {
		str, err := hb.AcceptTypedStream()
		if err != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer str.Close()
			s.handleStream(sess, str)
		}()
	}
	hb.Close()
	s.mu.Lock()
	s.forgetLocked(sess)
	s.mu.Unlock()
	wg.Wait()
	s.log.Debug("agent disconnected", "remote", sess.remote)
}

// forgetLocked removes a session and its bindings. s.mu must be held.
func (s *Server) forgetLocked(sess *session) {
	delete(s.sessions, sess)
	for host, b := range s.binds {
		if b.sess == sess {
			delete(s.binds, host)
		}
	}
}

// Wire messages (proto.Auth, proto.AuthResp, proto.Bind, …), reduced to what the fake reads or writes.
type (
	authReq struct {
		Version  []string
		ClientID string `json:"ClientId"`
		Extra    struct {
			Authtoken  string
			ClientType string
			Version    string
			LegNumber  uint32
		}
	}
	authResp struct {
		Version  string
		ClientID string `json:"ClientId"`
		Error    string
		Extra    struct {
			Version        string
			Region         string
			Cookie         string
			AccountName    string
			PlanName       string
			AgentSessionID string
		}
	}
	bindReq struct {
		ClientID      string `json:"Id"`
		Proto         string
		ForwardsTo    string
		ForwardsProto string
		Opts          map[string]any
		Extra         struct {
			Token string
		}
	}
	bindResp struct {
		ClientID string `json:"Id"`
		URL      string
		Proto    string
		Opts     map[string]any
		Error    string
		Extra    struct {
			Token    string
			TunnelID string
		}
	}
	unbindReq struct {
		ClientID string `json:"Id"`
	}
	errorResp struct {
		Error string
	}
)

func (s *Server) handleStream(sess *session, str muxado.TypedStream) {
	dec := json.NewDecoder(str)
	reply := func(v any) {
		if err := json.NewEncoder(str).Encode(v); err != nil {
			s.log.Debug("write response", "err", err)
		}
	}
	s.mu.Lock()
	authed := sess.authed
	s.mu.Unlock()
	if !authed && str.StreamType() != typeAuth {
		reply(errorResp{Error: "the session is not authenticated"})
		return
	}

	switch str.StreamType() {
	case typeAuth:
		var req authReq
		if err := dec.Decode(&req); err != nil {
			return
		}
		var resp authResp
		resp.Version = "3"
		s.mu.Lock()
		ok := slices.Contains(s.tokens, req.Extra.Authtoken)
		if ok {
			sess.authed = true
		}
		s.mu.Unlock()
		if !ok {
			s.log.Debug("auth rejected", "remote", sess.remote)
			resp.Error = AuthErrorMessage
			reply(resp)
			// The real service closes the session after a rejection; let the
			// client read the answer first (it closes the stream when done).
			_ = str.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, _ = io.Copy(io.Discard, str)
			sess.mux.Close()
			return
		}
		resp.ClientID = req.ClientID
		if resp.ClientID == "" {
			resp.ClientID = randomHex(8)
		}
		resp.Extra.Version = "ngrokfake"
		resp.Extra.Region = "local"
		resp.Extra.Cookie = randomHex(8)
		resp.Extra.AccountName = "ngrokfake"
		resp.Extra.PlanName = "Free"
		resp.Extra.AgentSessionID = "ags_" + randomHex(8)
		reply(resp)

	case typeBind:
		var req bindReq
		if err := dec.Decode(&req); err != nil {
			return
		}
		reply(s.bind(sess, req))

	case typeUnbind:
		var req unbindReq
		if err := dec.Decode(&req); err != nil {
			return
		}
		s.mu.Lock()
		for host, b := range s.binds {
			if b.sess == sess && b.bindID == req.ClientID {
				delete(s.binds, host)
			}
		}
		s.mu.Unlock()
		reply(errorResp{})

	case typeSrvInfo:
		reply(struct{ Region string }{"local"})

	case typePatchTunnelState:
		reply(errorResp{})

	case typeStartTunnelWithLabel:
		reply(struct {
			ID    string `json:"Id"`
			Error string
		}{Error: "ngrokfake: labeled tunnels are not supported"})

	default:
		s.log.Debug("unknown stream type", "type", str.StreamType())
	}
}

func (s *Server) bind(sess *session, req bindReq) bindResp {
	var resp bindResp
	resp.Proto = req.Proto
	switch req.Proto {
	case "http", "https":
	default:
		resp.Error = fmt.Sprintf("ngrokfake: %s endpoints are not supported", req.Proto)
		return resp
	}
	resp.ClientID = req.ClientID
	if resp.ClientID == "" {
		resp.ClientID = randomHex(8)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	public := s.tokenURL[req.Extra.Token]
	if public == "" {
		public = requestedURL(req.Opts, req.Proto)
	}
	if public == "" {
		public = req.Proto + "://" + randomHex(6) + "." + s.suffix
	}
	u, err := url.Parse(public)
	if err != nil || u.Hostname() == "" {
		resp.Error = fmt.Sprintf("ngrokfake: invalid endpoint URL %q", public)
		return resp
	}
	host := strings.ToLower(u.Hostname())
	if b := s.binds[host]; b != nil && b.sess != sess {
		if _, live := s.sessions[b.sess]; live {
			resp.Error = fmt.Sprintf("The endpoint '%s' is already online.\n\nERR_NGROK_334", public)
			return resp
		}
	}
	token := randomHex(12)
	s.tokenURL[token] = public
	s.binds[host] = &binding{sess: sess, bindID: resp.ClientID, url: public, proto: req.Proto}
	resp.URL = public
	resp.Opts = map[string]any{"URL": public, "Hostname": host}
	resp.Extra.Token = token
	resp.Extra.TunnelID = "tn_" + randomHex(8)
	s.log.Debug("bound", "url", public, "id", resp.ClientID)
	return resp
}

// requestedURL reads the endpoint URL or domain a Bind asks for, if any.
func requestedURL(opts map[string]any, scheme string) string {
	str := func(k string) string { v, _ := opts[k].(string); return v }
	if v := str("URL"); v != "" {
		if !strings.Contains(v, "://") {
			v = scheme + "://" + v
		}
		return v
	}
	for _, k := range []string{"Domain", "Hostname"} {
		if v := str(k); v != "" {
			return scheme + "://" + v
		}
	}
	return ""
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// selfSigned makes a certificate for 127.0.0.1, ::1 and localhost that is its own CA.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "ngrokfake"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
