#!/usr/bin/env bash
# Makes sure Debian's chromium and chromium-driver are installed, for the web console's browser
# tests (ConsoleBrowserTest runs this): installed with apt-get when missing and this runs as root;
# otherwise it says why not and exits 1, and the tests skip with that reason.
exec "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" 'command -v chromium && command -v chromedriver' chromium chromium-driver
