// Command hookctl builds, receives, verifies and sends webhooks.
package main

import (
	"os"

	"github.com/hookctl/hookctl/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
