#!/bin/sh
# Installs what a fresh Debian machine lacks: venv support for Python and WeasyPrint's libraries.
set -e
PYTHON="${PYTHON:-python3.11}"
packages=""
if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
  packages="$packages $(basename "$PYTHON")-venv"
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0'; then
  packages="$packages libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1"
fi
# HarfBuzz's subsetter embeds font subsets far faster than WeasyPrint's fontTools fallback.
if ! ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0'; then
  packages="$packages libharfbuzz-subset0"
fi
# The print engine's fallback fonts for Armenian, Georgian, Hebrew, CJK, arrows and symbols.
[ -f /usr/share/fonts/truetype/noto/NotoSansArmenian-Regular.ttf ] || packages="$packages fonts-noto-core"
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || packages="$packages fonts-noto-cjk"
# PyICU (confusable usernames, Unicode TR39) compiles against ICU's headers.
if ! pkg-config --exists icu-i18n 2>/dev/null; then
  packages="$packages libicu-dev pkg-config"
fi
# `system-deps.sh e2e` (and `bench`, for first paint): also Debian's Chromium for the real-browser
# tests (never a downloaded one).
if { [ "${1:-}" = "e2e" ] || [ "${1:-}" = "bench" ]; } && [ ! -x /usr/bin/chromium ]; then
  packages="$packages chromium"
fi
# `system-deps.sh bench`: also wrk, the HTTP load generator of the benchmarks.
if [ "${1:-}" = "bench" ] && ! command -v wrk >/dev/null 2>&1; then
  packages="$packages wrk"
fi
[ -z "$packages" ] && exit 0
echo "Installing Debian packages:$packages"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $packages
