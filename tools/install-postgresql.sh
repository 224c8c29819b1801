#!/usr/bin/env bash
# Makes sure Debian's PostgreSQL server binaries are installed, for the tests of the store on
# PostgreSQL (io.noctua.testing.TestingPostgres runs this). Installs the postgresql package with
# apt-get when they are missing and this runs as root; otherwise says why not and exits 1, and the
# tests skip with that reason.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
if [[ $(id -u) != 0 ]]; then
  echo "PostgreSQL's server binaries are missing and installing them needs root: sudo apt-get install postgresql" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "PostgreSQL's server binaries are missing and this machine has no apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends postgresql >&2
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
