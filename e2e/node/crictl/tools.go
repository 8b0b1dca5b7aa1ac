//go:build tools

// Package tools pins crictl, which e2e/stack/node.py uses to tear pods down through the CRI
// (network included) when the node stops; it is never compiled itself.
package tools

import _ "sigs.k8s.io/cri-tools/cmd/crictl"
