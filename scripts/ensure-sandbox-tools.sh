#!/usr/bin/env bash
# Install what the local sandbox needs on the host, only when it is missing (idempotent, quiet):
# bubblewrap for namespaces, util-linux for setpriv. With --typescript also Debian's TypeScript
# compiler, which the sandbox uses to run .ts programs.
set -euo pipefail

packages=()
command -v bwrap >/dev/null 2>&1 || packages+=(bubblewrap)
command -v setpriv >/dev/null 2>&1 || packages+=(util-linux)
if [[ "${1:-}" == "--typescript" ]] && ! command -v tsc >/dev/null 2>&1; then
  packages+=(node-typescript)
fi
[[ ${#packages[@]} -eq 0 ]] && exit 0

sudo=()
[[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >/dev/null
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
command -v bwrap >/dev/null 2>&1
