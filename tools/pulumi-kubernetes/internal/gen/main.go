// Command gen writes the files that the provider's main embeds: the provider schema with
// its version set, and the compacted Terraform mapping. It reads both from the
// pulumi-kubernetes provider module in the module cache (cmd/pulumi-resource-kubernetes/
// schema.json and terraform-mapping.json), as upstream's generate.go does at release time.
//
// The version is the value that build.txt passes to
// -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version, so that the
// schema and the binary cannot disagree.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const (
	providerModule = "github.com/pulumi/pulumi-kubernetes/provider/v4"
	versionVar     = providerModule + "/pkg/version.Version"
)

func main() {
	buildFile := flag.String("build-file", "build.txt", "build.txt that stamps "+versionVar)
	out := flag.String("out", ".", "directory to write schema-embed.json and terraform-mapping-embed.json to")
	flag.Parse()
	if err := run(*buildFile, *out); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

func run(buildFile, out string) error {
	version, err := versionFromBuildFile(buildFile)
	if err != nil {
		return err
	}
	dir, err := moduleDir(providerModule)
	if err != nil {
		return err
	}
	src := filepath.Join(dir, "cmd", "pulumi-resource-kubernetes")

	// The schema: set "version" and re-serialize compactly. A map of raw values keeps
	// every field of the schema as it is.
	raw, err := os.ReadFile(filepath.Join(src, "schema.json"))
	if err != nil {
		return err
	}
	var schema map[string]json.RawMessage
	if err := json.Unmarshal(raw, &schema); err != nil {
		return fmt.Errorf("parsing schema.json: %w", err)
	}
	v, err := json.Marshal(version)
	if err != nil {
		return err
	}
	schema["version"] = v
	schemaOut, err := json.Marshal(schema)
	if err != nil {
		return err
	}

	// The Terraform mapping: compacted.
	raw, err = os.ReadFile(filepath.Join(src, "terraform-mapping.json"))
	if err != nil {
		return err
	}
	var mapping bytes.Buffer
	if err := json.Compact(&mapping, raw); err != nil {
		return fmt.Errorf("parsing terraform-mapping.json: %w", err)
	}

	if err := os.WriteFile(filepath.Join(out, "schema-embed.json"), schemaOut, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "terraform-mapping-embed.json"), mapping.Bytes(), 0o644)
}

// versionFromBuildFile finds `-X <versionVar>=<version>` in a build.txt.
func versionFromBuildFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, word := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(word, versionVar+"="); ok && v != "" {
				return strings.TrimPrefix(v, "v"), nil
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s: no -X %s=<version>", path, versionVar)
}

// moduleDir returns the directory of a module of the main module's build list,
// downloading it if needed.
func moduleDir(module string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", module)
	cmd.Stderr = os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", module, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(outb, &info); err != nil {
		return "", err
	}
	if info.Error != "" || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", module, info.Error)
	}
	return info.Dir, nil
}
