package receive

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/tunnel"
)

// WriteTunnelStatus reports a change of the tunnel's state for the
// receiving commands: a status line on stderr and, with jsonOut, a
// {"type":"tunnel"} object on stdout. localToo says that the local socket
// keeps serving while the tunnel reconnects. Error texts come from ngrok's
// servers: escaped for the terminal. Callers serialise calls.
func WriteTunnelStatus(ios *iostreams.IOStreams, s tunnel.Status, localToo, jsonOut bool) {
	st := ios.ErrStyles()
	errText := ""
	if s.Err != nil {
		errText = iostreams.Escape(s.Err.Error())
	}
	switch s.State {
	case tunnel.StateConnecting:
		fmt.Fprintf(ios.ErrOut, "%s\n", st.Muted.Render("Connecting the ngrok tunnel…"))
	case tunnel.StateConnected:
		fmt.Fprintf(ios.ErrOut, "%s Tunnel online: %s\n", st.SuccessIcon(), st.Bold.Render(s.URL.String()))
	case tunnel.StateReconnecting:
		still := ""
		if localToo {
			still = "; still listening locally"
		}
		fmt.Fprintf(ios.ErrOut, "%s Tunnel lost (%s): reconnecting%s\n", st.WarningIcon(), errText, still)
	case tunnel.StateDisconnected:
		if s.Err != nil {
			fmt.Fprintf(ios.ErrOut, "%s Tunnel closed: %s\n", st.FailureIcon(), errText)
		}
	}
	if !jsonOut {
		return
	}
	line := struct {
		Type  string    `json:"type"`
		State string    `json:"state"`
		URL   string    `json:"url,omitempty"`
		Error string    `json:"error,omitempty"`
		Time  time.Time `json:"time"`
	}{Type: "tunnel", State: s.State.String(), Time: time.Now().UTC()}
	if s.URL != nil {
		line.URL = s.URL.String()
	}
	if s.Err != nil {
		line.Error = s.Err.Error()
	}
	b, _ := json.Marshal(line)
	ios.Out.Write(append(b, '\n'))
}
