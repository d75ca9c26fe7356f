// Command pulumi-resource-kubernetes serves the pulumi-kubernetes provider pinned in
// ../../go.mod.
//
// Upstream's main embeds schema-embed.json and terraform-mapping-embed.json, which its
// release build generates and which the Go module does not ship. The `go generate`
// directive below writes them here from the schema.json and terraform-mapping.json that
// the module does ship, stamping the provider version taken from ../../build.txt.
// scripts/toolchain.sh runs it in a scratch copy of this folder, so the generated files
// never land in the repository.
package main

//go:generate go run ../../internal/gen -build-file ../../build.txt -out .

import (
	_ "embed"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	if version.Version == "" {
		fmt.Fprintln(os.Stderr, "pulumi-resource-kubernetes: built without a version; "+
			"build it with scripts/toolchain.sh (it passes -X .../pkg/version.Version from build.txt)")
		os.Exit(1)
	}
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
