// packages.go holds the required packages and plugins: the package.json manifest,
// the node_modules walk, GetRequiredPackages and GetRequiredPlugins.

package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

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

func decodeBase64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(s)
}
