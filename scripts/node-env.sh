#!/usr/bin/env bash
# Source this file to put Node.js 22 first on PATH.
# Where the machine's node is older than 22, Node 22 is installed once from the npm
# registry's `node` package into a cache directory outside the repository.
K8S_ML_CACHE="${K8S_ML_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/k8s-ml-patterns}"
export K8S_ML_CACHE
_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_node_major)" -lt 22 ]; then
  _node_dir="$K8S_ML_CACHE/node22"
  if [ ! -x "$_node_dir/node_modules/node/bin/node" ]; then
    echo "node-env: installing Node.js 22 into $_node_dir" >&2
    mkdir -p "$_node_dir"
    npm install --no-save --no-audit --no-fund --prefix "$_node_dir" node@22 >&2
  fi
  export PATH="$_node_dir/node_modules/node/bin:$PATH"
  hash -r
  if [ "$(_node_major)" -lt 22 ]; then
    echo "node-env: could not provide Node.js 22 (found $(node --version 2>/dev/null))" >&2
    return 1 2>/dev/null || exit 1
  fi
fi
unset -f _node_major
