// Command coredns is the real stack's cluster DNS: CoreDNS with only the plugins the node's
// Corefile uses (e2e/stack/node_config.py). Nothing is forwarded: names outside the cluster's zones
// get NXDOMAIN from the template plugin, and no query leaves this machine.
package main

import (
	"github.com/coredns/coredns/coremain"

	// each import registers one plugin; CoreDNS runs them in its own fixed directive order
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/template"
)

func main() {
	coremain.Run()
}
