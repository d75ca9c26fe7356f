//go:build tools

// Package tools pins actionlint in this wrapper module's go.mod/go.sum; build.txt names
// the binary that scripts/toolchain.sh builds from it.
package tools

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
