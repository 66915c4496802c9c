//go:build tools

// Package tools pins Kueue's manager (sigs.k8s.io/kueue/cmd/kueue) for bin/cluster, which builds
// it with `go build sigs.k8s.io/kueue/cmd/kueue` in this module. It is a module of its own
// because Kueue v0.17.0 needs k8s.io modules v0.35, older than the control plane's v0.37.
package tools

import _ "sigs.k8s.io/kueue/cmd/kueue"
