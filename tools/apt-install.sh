#!/usr/bin/env bash
# Makes sure Debian packages that a group of tests needs are installed:
#   tools/apt-install.sh 'CHECK' PACKAGE...
# CHECK is a shell command that succeeds when what the tests need is there. When it fails, the
# packages are installed with apt-get if this runs as root; otherwise this says why not and exits 1,
# and the tests skip with that reason. tools/install-chromium.sh and install-postgresql.sh use it.
set -euo pipefail

check="$1"
shift
if bash -c "$check" >/dev/null 2>&1; then
  exit 0
fi
if [[ $(id -u) != 0 ]]; then
  echo "$* missing, and installing needs root: sudo apt-get install $*" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "$* missing, and this machine has no apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "$@" >&2
bash -c "$check" >/dev/null 2>&1
