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
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/blang/semver"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// nodeJSProcessExitedAfterLoggingUserActionableMessage is the exit code with which
// @pulumi/pulumi's `cmd/run` says that it has already shown the error to the user.
const nodeJSProcessExitedAfterLoggingUserActionableMessage = 32

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

// options are the runtime options of a project (Pulumi.yaml `runtime.options`).
type options struct {
	typescript     bool
	tsconfig       string
	nodeargs       string
	packagemanager string
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string
	defaults      options
}

func (h *languageHost) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

func (h *languageHost) options(info *pulumirpc.ProgramInfo) options {
	opts := h.defaults
	if info == nil || info.GetOptions() == nil {
		return opts
	}
	m := info.GetOptions().AsMap()
	if v, ok := m["typescript"].(bool); ok {
		opts.typescript = v
	}
	if v, ok := m["tsconfig"].(string); ok {
		opts.tsconfig = v
	}
	if v, ok := m["nodeargs"].(string); ok {
		opts.nodeargs = v
	}
	if v, ok := m["packagemanager"].(string); ok {
		opts.packagemanager = v
	}
	return opts
}

func (h *languageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: strings.TrimPrefix(version.Version, "v")}, nil
}

func (h *languageHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (h *languageHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// programDir returns the absolute program directory of a request.
func programDir(info *pulumirpc.ProgramInfo, fallback string) (string, error) {
	dir := fallback
	if info != nil && info.GetProgramDirectory() != "" {
		dir = info.GetProgramDirectory()
	}
	if dir == "" {
		return os.Getwd()
	}
	return filepath.Abs(dir)
}

// ---- required plugins -------------------------------------------------------------------

type pulumiManifest struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  *struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
		// Parameterized packages (e.g. generated with `pulumi package add`).
		Parameterization *struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Value   string `json:"value"` // base64
		} `json:"parameterization"`
	} `json:"pulumi"`
}

// findNodeModules returns the node_modules directory nearest to dir (walking up).
func findNodeModules(dir string) string {
	for {
		candidate := filepath.Join(dir, "node_modules")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// resourcePackages walks a node_modules tree and returns the packages that declare a
// Pulumi resource plugin, deduplicated by name and version.
func resourcePackages(nodeModules string) ([]*pulumirpc.PackageDependency, error) {
	seen := map[string]bool{} // real directories visited
	found := map[string]*pulumirpc.PackageDependency{}
	var walkModules func(dir string) error
	var visitPackage func(dir string) error

	visitPackage = func(dir string) error {
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return nil // dangling link: ignore, as node would
		}
		if seen[real] {
			return nil
		}
		seen[real] = true
		data, err := os.ReadFile(filepath.Join(real, "package.json"))
		if err == nil {
			var m pulumiManifest
			if json.Unmarshal(data, &m) == nil && m.Pulumi != nil && m.Pulumi.Resource {
				name := m.Pulumi.Name
				if name == "" {
					name = strings.TrimPrefix(m.Name, "@pulumi/")
				}
				v := m.Pulumi.Version
				if v == "" {
					v = m.Version
				}
				dep := &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: v, Server: m.Pulumi.Server}
				if p := m.Pulumi.Parameterization; p != nil {
					value, err := decodeBase64(p.Value)
					if err != nil {
						return fmt.Errorf("%s: bad pulumi.parameterization.value: %w", filepath.Join(real, "package.json"), err)
					}
					dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: value}
				}
				found[name+"@"+v+"@"+dep.GetParameterization().GetName()] = dep
			}
		}
		return walkModules(filepath.Join(real, "node_modules"))
	}

	walkModules = func(dir string) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
				return nil
			}
			return err
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			p := filepath.Join(dir, name)
			if strings.HasPrefix(name, "@") {
				scoped, err := os.ReadDir(p)
				if err != nil {
					continue
				}
				for _, s := range scoped {
					if err := visitPackage(filepath.Join(p, s.Name())); err != nil {
						return err
					}
				}
				continue
			}
			if err := visitPackage(p); err != nil {
				return err
			}
		}
		return nil
	}

	if err := walkModules(nodeModules); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*pulumirpc.PackageDependency, 0, len(keys))
	for _, k := range keys {
		out = append(out, found[k])
	}
	return out, nil
}

func (h *languageHost) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	dir, err := programDir(req.GetInfo(), "")
	if err != nil {
		return nil, err
	}
	nm := findNodeModules(dir)
	if nm == "" {
		return &pulumirpc.GetRequiredPackagesResponse{}, nil
	}
	pkgs, err := resourcePackages(nm)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

func (h *languageHost) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	dir, err := programDir(req.GetInfo(), req.GetProgram())
	if err != nil {
		return nil, err
	}
	nm := findNodeModules(dir)
	if nm == "" {
		return &pulumirpc.GetRequiredPluginsResponse{}, nil
	}
	pkgs, err := resourcePackages(nm)
	if err != nil {
		return nil, err
	}
	var plugins []*pulumirpc.PluginDependency
	for _, p := range pkgs {
		if p.GetParameterization() != nil {
			continue
		}
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: p.GetName(), Kind: p.GetKind(), Version: p.GetVersion(), Server: p.GetServer(),
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// ---- running programs and plugins ---------------------------------------------------------

// sdkEntryPoint finds @pulumi/pulumi/cmd/<name> in the node_modules visible from dir.
func sdkEntryPoint(dir, name string) (string, error) {
	for d := dir; ; {
		candidate := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", name)
		if _, err := os.Stat(filepath.Join(candidate, "index.js")); err == nil {
			return candidate, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("it looks like the Pulumi SDK has not been installed: "+
				"no node_modules/@pulumi/pulumi/cmd/%s above %s; have you run `npm install`?", name, dir)
		}
		d = parent
	}
}

func nodeExecutable() (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", errors.New("could not find `node` on PATH; install Node.js and try again")
	}
	return node, nil
}

// nodeEnv returns the environment variables that select TypeScript support.
func nodeEnv(opts options) []string {
	env := []string{fmt.Sprintf("PULUMI_NODEJS_TYPESCRIPT=%t", opts.typescript)}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	return env
}

func exitCode(err error) (int, bool) {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if status, ok := exitErr.Sys().(syscall.WaitStatus); ok {
			if status.Signaled() {
				return 128 + int(status.Signal()), true
			}
			return status.ExitStatus(), true
		}
		return exitErr.ExitCode(), true
	}
	return 0, false
}

func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	opts := h.options(req.GetInfo())
	dir, err := programDir(req.GetInfo(), req.GetPwd())
	if err != nil {
		return nil, err
	}
	pwd := req.GetPwd()
	if pwd == "" {
		pwd = dir
	}
	node, err := nodeExecutable()
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	runPath, err := sdkEntryPoint(dir, "run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := strings.Fields(opts.nodeargs)
	args = append(args, runPath)
	if req.GetOrganization() != "" {
		args = append(args, "--organization", req.GetOrganization())
	}
	if req.GetProject() != "" {
		args = append(args, "--project", req.GetProject())
	}
	if root := req.GetInfo().GetRootDirectory(); root != "" {
		args = append(args, "--root-directory", root)
	}
	if req.GetStack() != "" {
		args = append(args, "--stack", req.GetStack())
	}
	args = append(args, "--pwd", pwd)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		args = append(args, "--parallel", fmt.Sprint(req.GetParallel()))
	}
	args = append(args, "--monitor", req.GetMonitorAddress())
	if e := h.engine(); e != "" {
		args = append(args, "--engine", e)
	}
	if h.tracing != "" {
		args = append(args, "--tracing", h.tracing)
	}
	entry := req.GetInfo().GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram()
	}
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secrets, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = pwd
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), nodeEnv(opts)...)
	cmd.Env = append(cmd.Env, "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secrets))
	if req.GetQueryMode() {
		cmd.Env = append(cmd.Env, "PULUMI_NODEJS_QUERY_MODE=true")
	}

	if err := cmd.Run(); err != nil {
		code, ok := exitCode(err)
		if !ok {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run node): %v", err)}, nil
		}
		if code == nodeJSProcessExitedAfterLoggingUserActionableMessage {
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// streamWriter sends what is written to it as RunPlugin output.
type streamWriter struct {
	mu     *sync.Mutex
	stream grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...)
	resp := &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	if w.stderr {
		resp = &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.stream.Send(resp); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *languageHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, stream grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	opts := h.options(req.GetInfo())
	dir, err := programDir(req.GetInfo(), req.GetProgram())
	if err != nil {
		return err
	}
	node, err := nodeExecutable()
	if err != nil {
		return err
	}

	args := strings.Fields(opts.nodeargs)
	if req.GetKind() == "analyzer" {
		// A policy pack: `run-policy-pack <engine-address> <program>`; the engine passes
		// its address as the only argument.
		entry, err := sdkEntryPoint(dir, "run-policy-pack")
		if err != nil {
			return err
		}
		args = append(args, entry)
		args = append(args, req.GetArgs()...)
		args = append(args, dir)
	} else {
		// A provider or other plugin written in Node.js: `run-plugin <program> [args...]`.
		entry, err := sdkEntryPoint(dir, "run-plugin")
		if err != nil {
			return err
		}
		args = append(args, entry, dir)
		args = append(args, req.GetArgs()...)
	}

	cmd := exec.CommandContext(stream.Context(), node, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), req.GetEnv()...)
	cmd.Env = append(cmd.Env, nodeEnv(opts)...)
	var mu sync.Mutex
	cmd.Stdout = streamWriter{mu: &mu, stream: stream}
	cmd.Stderr = streamWriter{mu: &mu, stream: stream, stderr: true}

	code := int32(0)
	if err := cmd.Run(); err != nil {
		c, ok := exitCode(err)
		if !ok {
			return fmt.Errorf("could not run plugin %s: %w", dir, err)
		}
		code = int32(c)
	}
	mu.Lock()
	defer mu.Unlock()
	return stream.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}

// ---- dependencies and about ---------------------------------------------------------------

// installWriter sends what is written to it as InstallDependencies output.
type installWriter struct {
	mu     *sync.Mutex
	stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]
	stderr bool
}

func (w installWriter) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...)
	resp := &pulumirpc.InstallDependenciesResponse{Stdout: b}
	if w.stderr {
		resp = &pulumirpc.InstallDependenciesResponse{Stderr: b}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.stream.Send(resp); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *languageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest,
	stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	opts := h.options(req.GetInfo())
	dir, err := programDir(req.GetInfo(), req.GetDirectory())
	if err != nil {
		return err
	}
	var mu sync.Mutex
	stdout := installWriter{mu: &mu, stream: stream}
	stderr := installWriter{mu: &mu, stream: stream, stderr: true}
	name, err := npm.Install(stream.Context(), npm.PackageManagerType(opts.packagemanager), dir, false, stdout, stderr)
	if err != nil {
		return fmt.Errorf("%s install failed in %s: %w", name, dir, err)
	}
	return nil
}

func (h *languageHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	opts := h.options(req.GetInfo())
	dir, err := programDir(req.GetInfo(), req.GetPwd())
	if err != nil {
		return nil, err
	}
	pm, err := npm.ResolvePackageManager(npm.PackageManagerType(opts.packagemanager), dir)
	if err != nil {
		return nil, err
	}
	deps, err := pm.ListPackages(ctx, dir, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	out := make([]*pulumirpc.DependencyInfo, 0, len(deps))
	for _, d := range deps {
		out = append(out, &pulumirpc.DependencyInfo{Name: d.Name, Version: d.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: out}, nil
}

func (h *languageHost) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := nodeExecutable()
	if err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running %s --version: %w", node, err)
	}
	v := strings.TrimSpace(string(out))
	if sv, err := semver.ParseTolerant(v); err == nil {
		v = sv.String()
	}
	return &pulumirpc.AboutResponse{Executable: node, Version: v}, nil
}

// ---- helpers ------------------------------------------------------------------------------

var _ io.Writer = streamWriter{}

func decodeBase64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(s)
}
