package signature

import (
	"crypto/sha1" //nolint:gosec // GitHub's legacy X-Hub-Signature and generic hmac sha1 need it.
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"sync"
)

// algo is a hash algorithm used for HMAC.
type algo uint8

const (
	algoSHA256 algo = iota
	algoSHA1
	algoSHA512
	numAlgos
)

func (a algo) String() string {
	switch a {
	case algoSHA1:
		return "sha1"
	case algoSHA512:
		return "sha512"
	default:
		return "sha256"
	}
}

func (a algo) size() int {
	switch a {
	case algoSHA1:
		return sha1.Size
	case algoSHA512:
		return sha512.Size
	default:
		return sha256.Size
	}
}

func (a algo) blockSize() int {
	if a == algoSHA512 {
		return sha512.BlockSize
	}
	return sha256.BlockSize // sha1 and sha256 share a 64-byte block
}

func (a algo) newHash() hash.Hash {
	switch a {
	case algoSHA1:
		return sha1.New()
	case algoSHA512:
		return sha512.New()
	default:
		return sha256.New()
	}
}

func parseAlgo(s string) (algo, bool) {
	switch s {
	case "", "sha256", "SHA256", "sha-256", "SHA-256":
		return algoSHA256, true
	case "sha1", "SHA1", "sha-1", "SHA-1":
		return algoSHA1, true
	case "sha512", "SHA512", "sha-512", "SHA-512":
		return algoSHA512, true
	}
	return 0, false
}

// encoding is how a signature is written in a header.
type encoding uint8

const (
	encHex encoding = iota
	encBase64
)

func (e encoding) String() string {
	if e == encBase64 {
		return "base64"
	}
	return "hex"
}

func (e encoding) other() encoding { return 1 - e }

func parseEncoding(s string) (encoding, bool) {
	switch s {
	case "", "hex", "HEX":
		return encHex, true
	case "base64", "BASE64", "b64":
		return encBase64, true
	}
	return 0, false
}

// decodeInto decodes src into dst without allocating (tmp holds a copy of a
// base64 text). It reports false if src is not valid in the encoding or does
// not fit.
func (e encoding) decodeInto(dst []byte, src string, tmp []byte) (int, bool) {
	if e == encHex {
		if len(src)%2 != 0 || len(src)/2 > len(dst) {
			return 0, false
		}
		for i := 0; i < len(src)/2; i++ {
			hi, ok1 := fromHexChar(src[2*i])
			lo, ok2 := fromHexChar(src[2*i+1])
			if !ok1 || !ok2 {
				return 0, false
			}
			dst[i] = hi<<4 | lo
		}
		return len(src) / 2, true
	}
	if base64.StdEncoding.DecodedLen(len(src)) > len(dst) || len(src) > len(tmp) {
		return 0, false
	}
	n := copy(tmp, src)
	n, err := base64.StdEncoding.Decode(dst, tmp[:n])
	if err != nil {
		return 0, false
	}
	return n, true
}

func (e encoding) encode(b []byte) string {
	if e == encBase64 {
		return base64.StdEncoding.EncodeToString(b)
	}
	return hex.EncodeToString(b)
}

func fromHexChar(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// macState computes HMAC (RFC 2104) with hash states that are created once per
// pooled scratch and reset for every use, so a verification does not allocate
// the hmac.New machinery each time. Output is identical to crypto/hmac; the
// tests check that for every algorithm and key length class.
type macState struct {
	inner, outer [numAlgos]hash.Hash
	ipad, opad   [sha512.BlockSize]byte
	keySum       [sha512.Size]byte
	innerSum     [sha512.Size]byte
	a            algo
}

// start keys the MAC and returns the inner hash, ready for the message.
func (m *macState) start(a algo, key []byte) hash.Hash {
	if m.inner[a] == nil {
		m.inner[a], m.outer[a] = a.newHash(), a.newHash()
	}
	m.a = a
	bs := a.blockSize()
	if len(key) > bs {
		o := m.outer[a]
		o.Reset()
		o.Write(key)
		key = o.Sum(m.keySum[:0])
	}
	for i := 0; i < bs; i++ {
		var b byte
		if i < len(key) {
			b = key[i]
		}
		m.ipad[i] = b ^ 0x36
		m.opad[i] = b ^ 0x5c
	}
	h := m.inner[a]
	h.Reset()
	h.Write(m.ipad[:bs])
	return h
}

// sum finishes the MAC started by start and appends it to dst.
func (m *macState) sum(dst []byte) []byte {
	a := m.a
	in := m.inner[a].Sum(m.innerSum[:0])
	o := m.outer[a]
	o.Reset()
	o.Write(m.opad[:a.blockSize()])
	o.Write(in)
	return o.Sum(dst)
}

const (
	maxHeaderLen = 8 << 10 // longest header value we parse
	maxSigs      = 32      // most signature entries we look at in one header
	maxSigLen    = 64      // longest decoded signature (sha512 / ed25519)
	sigBufLen    = 72      // room for a padded base64 decode of maxSigLen bytes
)

// scratch holds every buffer a verification needs. It is pooled so that a
// Verify call allocates nothing on the success path once the pool is warm.
type scratch struct {
	mac    macState
	p      parsed
	def    schemeDef
	prefix [320]byte // message bytes before the body (id, timestamp, separators)
	key    [256]byte // decoded key bytes
	sum    [maxSigLen]byte
	text   [512]byte // copy of a base64 text being decoded
	sigs   [maxSigs][sigBufLen]byte
	sigLen [maxSigs]uint8
	nsig   int
	msg    []byte // ed25519 needs the message in one piece
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	s.p = parsed{}
	s.def = schemeDef{}
	if cap(s.msg) > 1<<20 {
		s.msg = nil
	}
	s.msg = s.msg[:0]
	scratchPool.Put(s)
}
