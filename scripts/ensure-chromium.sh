#!/usr/bin/env bash
# Make the browser test suite runnable: Debian's Chromium (+ emoji and Arabic-capable fonts) and the
# Playwright Python package in the project's virtualenv. Idempotent; does nothing when both exist.
# Playwright drives /usr/bin/chromium through executable_path, so `playwright install` (which
# downloads its own browsers from a CDN) is never run.
#
# Usage: scripts/ensure-chromium.sh [VENV_DIR]   (default: .venv next to this script's parent)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-$root/.venv}"
packages=(chromium fonts-noto-color-emoji fonts-noto-core)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [[ ! -x /usr/bin/chromium ]] || (( ${#missing[@]} )); then
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "ensure-chromium: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "ensure-chromium: installing ${missing[*]:-chromium} with apt-get" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

if ! "$venv/bin/python" -c "import playwright.sync_api" 2>/dev/null; then
  echo "ensure-chromium: installing playwright into $venv" >&2
  "$venv/bin/python" -m pip install -q "playwright>=1.49,<2"
fi

echo "ensure-chromium: $(/usr/bin/chromium --version 2>/dev/null | tail -n 1);" \
  "playwright $("$venv/bin/python" -c 'from importlib.metadata import version; print(version("playwright"))')"
