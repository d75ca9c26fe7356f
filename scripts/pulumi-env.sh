#!/usr/bin/env bash
# Source this file (bash) to get the project's Pulumi toolchain on PATH:
#
#   source scripts/pulumi-env.sh
#
# - Node.js 22 through scripts/node-env.sh.
# - The Pulumi CLI and its Node.js language host: if a `pulumi` of the pinned version
#   (tools/pulumi/build.txt) is already on PATH, that one is used and nothing is built;
#   otherwise the `pulumi` family is built (or taken from the cache) by
#   scripts/toolchain.sh and its bin directory is put first on PATH.
# - The Pulumi YAML language host (pulumi-language-yaml, tools/pulumi-yaml), for `runtime: yaml`
#   programs such as examples/yaml: with the project's CLI the `pulumi-yaml` family is built (or
#   taken from the cache) after the `pulumi` family, whose compiled packages it reuses, and put
#   on PATH, where the CLI looks for language hosts; a user's CLI keeps the host it came with
#   when one is on PATH.
# - The Kubernetes provider (pulumi-resource-kubernetes) of the pinned version
#   (tools/pulumi-kubernetes/build.txt), installed as a plugin into the CLI's plugin cache
#   (${PULUMI_HOME:-~/.pulumi}/plugins) with `pulumi plugin install --file`. With a user's
#   CLI that already has that version installed, nothing is built; otherwise the
#   `pulumi-kubernetes` family is built (or taken from the cache) and installed, and
#   reinstalled when the installed binary differs from the project's build.
# - PULUMI_SKIP_UPDATE_CHECK=true and PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true, so a
#   missing plugin fails at once instead of trying to download one.
#
# It sets no backend URL and no passphrase: callers set PULUMI_BACKEND_URL and
# PULUMI_CONFIG_PASSPHRASE per use. K8S_ML_BUILD_PULUMI=1 ignores a pulumi on PATH and
# uses the project's build. Exports PULUMI_ENV_CLI_VERSION and
# PULUMI_ENV_KUBERNETES_VERSION (the pinned versions).

# pulumi_is_project_build PATH: true for a binary from scripts/toolchain.sh's cache.
pulumi_is_project_build() {
  [ -f "$(dirname "$1")/../build-info.txt" ]
}

_pulumi_env_main() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1

  # shellcheck source=scripts/node-env.sh
  source "$root/scripts/node-env.sh" || return 1

  local cli_version k8s_version
  cli_version="$(grep -o 'sdk/v3/go/common/version.Version=[^ ]*' "$root/tools/pulumi/build.txt" | head -1 | cut -d= -f2)"
  k8s_version="$(grep -o 'provider/v4/pkg/version.Version=[^ ]*' "$root/tools/pulumi-kubernetes/build.txt" | head -1 | cut -d= -f2)"
  if [ -z "$cli_version" ] || [ -z "$k8s_version" ]; then
    echo "pulumi-env: could not read the pinned versions from tools/*/build.txt" >&2
    return 1
  fi
  cli_version="v${cli_version#v}"
  k8s_version="${k8s_version#v}"
  export PULUMI_ENV_CLI_VERSION="$cli_version" PULUMI_ENV_KUBERNETES_VERSION="$k8s_version"
  export PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

  local families=() found using_own_cli=1
  found="$(pulumi version 2>/dev/null || true)"
  if [ "${K8S_ML_BUILD_PULUMI:-}" != "1" ] && [ "$found" = "$cli_version" ] &&
    ! pulumi_is_project_build "$(command -v pulumi)"; then
    echo "pulumi-env: using $(command -v pulumi) ($found)" >&2
    using_own_cli=0
  else
    [ -z "$found" ] || [ "$found" = "$cli_version" ] ||
      echo "pulumi-env: $(command -v pulumi) is $found, not $cli_version; using the project's build" >&2
    families+=(pulumi)
  fi

  if [ ${#families[@]} -gt 0 ]; then
    local dirs
    dirs="$("$root/scripts/toolchain.sh" --print-path "${families[@]}")" || {
      echo "pulumi-env: building ${families[*]} failed" >&2
      return 1
    }
    case ":$PATH:" in
      *":$dirs:"*) ;;
      *) export PATH="$dirs:$PATH" ;;
    esac
    hash -r
  fi

  found="$(pulumi version 2>/dev/null || true)"
  if [ "$found" != "$cli_version" ]; then
    echo "pulumi-env: pulumi on PATH is '${found:-missing}', expected $cli_version" >&2
    return 1
  fi

  # The YAML language host, after the CLI's family so that its build reuses the CLI's compiled
  # packages (the same pulumi sdk/pkg and dependency versions, see tools/README.md). On PATH,
  # since the CLI refuses `pulumi plugin install` of a host it bundles; it then warns "using
  # pulumi-language-yaml from $PATH" on each run of a YAML program (it expects bundled hosts
  # next to its own binary, and this one is built by a family of its own).
  if [ "$using_own_cli" = 1 ] || ! command -v pulumi-language-yaml >/dev/null 2>&1; then
    local yaml_dir
    yaml_dir="$("$root/scripts/toolchain.sh" --print-path pulumi-yaml)" || {
      echo "pulumi-env: building pulumi-yaml failed" >&2
      return 1
    }
    case ":$PATH:" in
      *":$yaml_dir:"*) ;;
      *) export PATH="$yaml_dir:$PATH" ;;
    esac
    hash -r
  fi

  # The provider goes into the CLI's plugin cache (PULUMI_HOME) rather than on PATH: the CLI
  # takes a plugin on PATH whatever version a program asks for, and warns about it on every
  # run. A user's CLI that already has the pinned version installed keeps it; with the
  # project's CLI, the installed plugin must be the project's build.
  local plugin_bin
  plugin_bin="${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-kubernetes-v$k8s_version/pulumi-resource-kubernetes"
  if [ -x "$plugin_bin" ] && [ "$using_own_cli" = 0 ]; then
    echo "pulumi-env: using the installed kubernetes $k8s_version plugin" >&2
    return 0
  fi
  local provider_dir
  provider_dir="$("$root/scripts/toolchain.sh" --print-path pulumi-kubernetes)" || {
    echo "pulumi-env: building pulumi-kubernetes failed" >&2
    return 1
  }
  if [ -x "$plugin_bin" ] && cmp -s "$plugin_bin" "$provider_dir/pulumi-resource-kubernetes"; then
    return 0
  fi
  echo "pulumi-env: installing the kubernetes $k8s_version plugin into ${PULUMI_HOME:-$HOME/.pulumi}" >&2
  pulumi plugin install resource kubernetes "$k8s_version" --reinstall \
    --file "$provider_dir/pulumi-resource-kubernetes" >&2 || {
    echo "pulumi-env: pulumi plugin install resource kubernetes $k8s_version failed" >&2
    return 1
  }
}

_pulumi_env_main
_pulumi_env_rc=$?
unset -f _pulumi_env_main pulumi_is_project_build
if [ "$_pulumi_env_rc" -ne 0 ]; then
  unset _pulumi_env_rc
  return 1 2>/dev/null || exit 1
fi
unset _pulumi_env_rc
