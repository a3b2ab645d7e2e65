// Package ids makes the prefixed, readable identifiers hookctl uses
// (whc_…, evt_…, req_…, dlv_…, cfg_inst_…).
package ids

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"time"
)

// Prefixes of every kind of id.
const (
	WebhookConfig  = "whc_"
	Event          = "evt_"
	Request        = "req_"
	Delivery       = "dlv_"
	ConfigInstance = "cfg_inst_"
	APIKey         = "key_"
	Message        = "msg_"
	Source         = "src_"
)

var encoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// New returns prefix + 26 lowercase base32 characters: 6 bytes of
// millisecond time (so ids sort by creation) and 10 random bytes.
func New(prefix string) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // only on a broken OS
	}
	return prefix + encoding.EncodeToString(b[:])
}
