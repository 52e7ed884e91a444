#!/usr/bin/env bash
# The wheel is a complete install: in a fresh venv outside the checkout, `pip install <repo>`,
# a fresh instance folder, `db upgrade`, `seed-demo`, then the installed app serves a Russian
# home page, every feature's pages and a Russian workbook PDF (scripts/check_install.py).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3.11}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
"$PYTHON" -m venv venv
venv/bin/pip install --quiet --upgrade pip
venv/bin/pip install --quiet "$REPO"
export INSTANCE_PATH="$WORK/instance" SECRET_KEY=check-install
unset DATABASE_URL REDIS_URL PUBLIC_URL
venv/bin/flask --app school db upgrade
venv/bin/flask --app school seed-demo > /dev/null
venv/bin/python "$REPO/scripts/check_install.py" "$REPO"
# Without INSTANCE_PATH the installed app keeps its instance folder in the current directory.
mkdir "$WORK/elsewhere"
(cd "$WORK/elsewhere" && env -u INSTANCE_PATH ../venv/bin/python -c '
import pathlib, sys
from school import create_app
found = pathlib.Path(create_app().instance_path)
sys.exit(None if found == pathlib.Path.cwd() / "instance" else f"instance folder at {found}")
')
