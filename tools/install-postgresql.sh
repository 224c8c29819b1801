#!/usr/bin/env bash
# Makes sure Debian's PostgreSQL server binaries are installed, for the tests of the store on
# PostgreSQL (io.noctua.testing.TestingPostgres runs this): installed with apt-get when missing and
# this runs as root; otherwise it says why not and exits 1, and the tests skip with that reason.
exec "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" 'compgen -G "/usr/lib/postgresql/*/bin/initdb"' postgresql
