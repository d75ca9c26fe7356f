// run.go holds running programs and plugins: Run, RunPlugin and their process helpers
// (the SDK entry points, the node executable, its environment and exit codes).

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"google.golang.org/grpc"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// nodeJSProcessExitedAfterLoggingUserActionableMessage is the exit code with which
// @pulumi/pulumi's `cmd/run` says that it has already shown the error to the user.
const nodeJSProcessExitedAfterLoggingUserActionableMessage = 32

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

var _ io.Writer = streamWriter{}

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
