// dependencies.go holds dependencies and about: InstallDependencies,
// GetProgramDependencies and About.

package main

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"

	"github.com/blang/semver"
	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

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
