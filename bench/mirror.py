"""``python -m bench.mirror [--entries 10000]``: how long the offline mirror takes to build.

On a fresh instance with the demo content: a first build, a rebuild with nothing changed, and
a rebuild after one entry changed (with how many files it rewrote); then the same after the
generated knowledge base (``bench/kb.py``) is imported, with the mirror's size.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench.report import Figure, table

SECTION = "Mirror"


def _size(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 2**20


def _change_one_entry(app) -> None:
    from sqlalchemy import select

    from finance.models import Entry
    from school.extensions import db

    with app.app_context():
        entry = db.session.scalars(
            select(Entry).where(Entry.published_revision_id.isnot(None)).order_by(Entry.slug)
        ).first()
        entry.published_revision.short_answer += " (уточнено)"
        db.session.commit()


def measure(app, root: Path, label: str) -> list[Figure]:
    """Three builds of the whole mirror into ``root``: first, unchanged, one entry changed."""
    from mirror.build import build

    def timed(name: str, note) -> Figure:
        started = time.monotonic()
        report = build(app, root)
        seconds = time.monotonic() - started
        return Figure(SECTION, f"{name}, {label}", seconds, "s", note=note(report))

    figures = [timed("First build", lambda r: f"{len(r.files)} files, {_size(root):.1f} MiB")]
    figures.append(timed("Rebuild, nothing changed", lambda r: f"{len(r.written)} files written"))
    _change_one_entry(app)
    figures.append(timed("Rebuild, one entry changed", lambda r: f"{len(r.written)} files written"))
    return figures


def main(argv: list[str] | None = None) -> int:
    from bench import kb
    from bench.database import fresh_database, released
    from bench.server import bench_env, flask

    parser = argparse.ArgumentParser(prog="python -m bench.mirror", description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000, help="generated entries; 0: none")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-mirror-") as scratch:
        instance = Path(scratch) / "instance"
        with fresh_database(args.database_url, instance) as database_url:
            env = bench_env(instance, database_url)
            keys = ("INSTANCE_PATH", "DATABASE_URL", "SECRET_KEY", "RATELIMIT_ENABLED")
            os.environ.update({k: env[k] for k in keys})
            os.environ["PAGE_CACHE_SECONDS"] = "0"
            flask(env, "db", "upgrade")
            flask(env, "seed-demo")
            from bench.wsgi import app

            out: list[Figure] = []
            with released(app):
                out += measure(app, Path(scratch) / "demo", "demo")
                if args.entries:
                    with app.app_context():
                        kb.load(kb.generate_entries(args.entries, kb.demo_entries()))
                    out += measure(app, Path(scratch) / "large", f"{args.entries} more entries")
            print(table(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
