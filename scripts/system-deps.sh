#!/bin/sh
# Installs the Debian libraries WeasyPrint needs when they are missing (a fresh Debian machine).
set -e
if ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0'; then
  exit 0
fi
echo "Installing WeasyPrint's system libraries (Pango, HarfBuzz) with apt-get..."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1
