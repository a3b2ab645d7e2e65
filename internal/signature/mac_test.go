package signature

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // the reference for the sha1 MAC mac.go computes.
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"testing"
)

// referenceHMAC is crypto/hmac: what macState must compute, byte for byte.
func referenceHMAC(a algo, key, msg []byte) []byte {
	newHash := map[algo]func() hash.Hash{algoSHA1: sha1.New, algoSHA256: sha256.New, algoSHA512: sha512.New}[a]
	m := hmac.New(newHash, key)
	m.Write(msg)
	return m.Sum(nil)
}

// FuzzHMAC checks the hand-written, pooled HMAC against crypto/hmac on random
// keys (short, a block long, longer than a block: hashed first), messages and
// algorithms, reusing one macState across inputs as the scratch pool does.
// The message is written in two parts, as Verify writes a prefix and a body.
func FuzzHMAC(f *testing.F) {
	f.Add([]byte("secret"), []byte("hello"), uint8(0), uint8(0))
	f.Add([]byte{}, []byte{}, uint8(1), uint8(0))
	f.Add(bytes.Repeat([]byte("k"), 64), bytes.Repeat([]byte("m"), 1000), uint8(0), uint8(7))
	f.Add(bytes.Repeat([]byte("k"), 65), []byte("x"), uint8(1), uint8(1))
	f.Add(bytes.Repeat([]byte("k"), 128), []byte("msg"), uint8(2), uint8(2))
	f.Add(bytes.Repeat([]byte("k"), 129), []byte("msg"), uint8(2), uint8(3))
	var m macState
	f.Fuzz(func(t *testing.T, key, msg []byte, algoByte, split uint8) {
		a := algo(algoByte % uint8(numAlgos))
		cut := min(int(split), len(msg))
		h := m.start(a, key)
		h.Write(msg[:cut])
		h.Write(msg[cut:])
		got := m.sum([]byte("dst:"))
		want := append([]byte("dst:"), referenceHMAC(a, key, msg)...)
		if !bytes.Equal(got, want) {
			t.Fatalf("%v key %x msg %x: got %x, want %x", a, key, msg, got, want)
		}
		if got := hmacSum(a, key, msg[:cut], msg[cut:]); !bytes.Equal(got, want[4:]) {
			t.Fatalf("hmacSum %v key %x msg %x: got %x, want %x", a, key, msg, got, want[4:])
		}
	})
}

// BenchmarkHMAC sets the hand-written MAC (a pooled macState, as Verify uses
// it) beside crypto/hmac (hmac.New per request, as a request's key is only
// known once its secret is decoded) on the bodies a webhook carries.
func BenchmarkHMAC(b *testing.B) {
	key := []byte("whsec-decoded-32-byte-secret-key")
	for _, size := range []struct {
		name string
		n    int
	}{{"1KiB", 1 << 10}, {"1MiB", 1 << 20}} {
		body := bytes.Repeat([]byte("x"), size.n)
		for _, a := range []algo{algoSHA256, algoSHA1, algoSHA512} {
			newHash := map[algo]func() hash.Hash{algoSHA1: sha1.New, algoSHA256: sha256.New, algoSHA512: sha512.New}[a]
			b.Run(a.String()+"/"+size.name+"/hand-written", func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(size.n))
				var sum [maxSigLen]byte
				for b.Loop() {
					s := getScratch()
					h := s.mac.start(a, key)
					h.Write(body)
					copy(sum[:], s.mac.sum(s.sum[:0]))
					putScratch(s)
				}
			})
			b.Run(a.String()+"/"+size.name+"/crypto-hmac", func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(size.n))
				var sum [maxSigLen]byte
				for b.Loop() {
					m := hmac.New(newHash, key)
					m.Write(body)
					m.Sum(sum[:0])
				}
			})
		}
	}
}
