// Command etcd is the etcd server, built from the go.etcd.io/etcd/server/v3 module
// at the version pinned in this directory's go.mod.
//
// This wrapper exists because etcd's own main package lives in a module path that
// cannot be built with `go build <pkg>@<version>` (its go.mod carries replace
// directives); the server's entry point is a plain exported function.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
