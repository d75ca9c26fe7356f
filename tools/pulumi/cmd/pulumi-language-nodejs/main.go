// Command pulumi-language-nodejs is a Node.js language host for the Pulumi CLI, written
// for this project.
//
// Upstream's host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) that has no version
// tags and that the Go module proxy reachable from this project does not serve at any
// version, so it cannot be built from Go modules here. This host implements the part of
// the LanguageRuntime protocol that running programs and policy packs needs, against the
// sdk/v3 module of the same Pulumi release as the CLI (see ../../go.mod):
//
//   - Run: runs the program with @pulumi/pulumi's own `cmd/run` entry point, as upstream does
//     (TypeScript through the SDK's bundled ts-node, config in PULUMI_CONFIG).
//   - RunPlugin: runs policy packs (`cmd/run-policy-pack`) and Node.js provider plugins
//     (`cmd/run-plugin`); since CLI 3.221 the engine starts Node.js policy packs this way.
//   - GetRequiredPackages/GetRequiredPlugins: resource plugins declared by installed
//     packages (`"pulumi": {"resource": true, ...}` in their package.json).
//   - InstallDependencies, GetProgramDependencies, About, GetPluginInfo, Handshake.
//
// Code generation (GenerateProject, GeneratePackage, GenerateProgram, Pack, Link) and
// `pulumi new` templates are not implemented: `pulumi convert`, `pulumi import
// --generate-code` and `pulumi package gen-sdk` for Node.js are not available.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// This file holds main: the command-line flags and the start of the gRPC server. The
// languageHost type and its small methods are in host.go, the required packages and
// plugins in packages.go, Run and RunPlugin in run.go, and InstallDependencies,
// GetProgramDependencies and About in dependencies.go.

func main() {
	// Flags that older CLIs pass (runtime options used to be flags); newer CLIs pass only
	// the engine address and send options in ProgramInfo. Flags act as defaults.
	flags := flag.NewFlagSet(os.Args[0], flag.ContinueOnError)
	tracing := flags.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	typescript := flags.Bool("typescript", true, "Use ts-node at runtime to support TypeScript source natively")
	tsconfig := flags.String("tsconfig", "", "Path to tsconfig.json to use")
	nodeargs := flags.String("nodeargs", "", "Arguments for the Node process")
	packagemanager := flags.String("packagemanager", "", "Package manager to use (npm, yarn, pnpm, bun)")
	_ = flags.String("root", "", "Project root path to use (ignored)")
	if err := flags.Parse(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(2)
	}
	engineAddress := ""
	if args := flags.Args(); len(args) > 0 {
		engineAddress = args[len(args)-1]
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	host := &languageHost{
		engineAddress: engineAddress,
		tracing:       *tracing,
		defaults: options{
			typescript:     *typescript,
			tsconfig:       *tsconfig,
			nodeargs:       *nodeargs,
			packagemanager: *packagemanager,
		},
	}

	stop := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start the language host RPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)

	go func() {
		<-ctx.Done()
		close(stop)
	}()
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: language host RPC server stopped: %v\n", err)
		os.Exit(1)
	}
}
