#!/usr/bin/env bash
# Makes sure Debian's chromium and chromium-driver are installed, for the web console's browser
# tests (ConsoleBrowserTest runs this). Installs them with apt-get when they are missing and this
# runs as root; otherwise says why not and exits 1, and the tests skip with that reason.
set -euo pipefail

if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if [[ $(id -u) != 0 ]]; then
  echo "chromium and chromium-driver are missing and installing them needs root: sudo apt-get install chromium chromium-driver" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "chromium and chromium-driver are missing and this machine has no apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium chromium-driver >&2
command -v chromium >/dev/null && command -v chromedriver >/dev/null
