//go:build tools

// Package tools records the SDK command run.sh builds, so `go mod tidy` keeps its
// dependencies in go.mod/go.sum. It is never compiled (build tag "tools").
package tools

import _ "github.com/cloudstateio/go-support/tck/cmd/tck_eventsourced"
