//go:build tools

// Package tools pins cyclonus, the NetworkPolicy engine the end-to-end tests evaluate the
// deployed stack's pods and policies with.
package tools

import _ "github.com/mattfenwick/cyclonus/cmd/cyclonus"
