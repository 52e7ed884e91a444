"""What the figures were measured on: the machine, its load, the database and the versions."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import subprocess
import time
from importlib.metadata import version
from pathlib import Path


def _proc(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def parse_meminfo(text: str) -> float | None:
    """Total memory in GiB from the text of /proc/meminfo."""
    match = re.search(r"^MemTotal:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) / 1024 / 1024 if match else None


def parse_cpu_model(text: str) -> str:
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return match.group(1).strip() if match else platform.processor() or "unknown CPU"


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _wrk_version() -> str:
    try:
        output = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    except OSError:
        return "missing"
    match = re.search(r"wrk (\S+)", output)
    return match.group(1) if match else "?"


def database_version(url: str) -> str:
    if url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version}"
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return "PostgreSQL " + conn.execute(text("SHOW server_version")).scalar_one().split()[0]
    finally:
        engine.dispose()


def describe(database_url: str) -> list[str]:
    """Lines saying where and with what the figures were taken."""
    memory = parse_meminfo(_proc("/proc/meminfo"))
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in ("flask", "sqlalchemy", "weasyprint", "gunicorn", "jinja2")
    )
    return [
        f"machine: {os.cpu_count()} cores ({parse_cpu_model(_proc('/proc/cpuinfo'))}), "
        + (f"{memory:.1f} GiB memory" if memory else "memory unknown"),
        f"database: {database_version(database_url)}",
        f"versions: Python {platform.python_version()}, {packages}, wrk {_wrk_version()}",
    ]


def _spin(iterations: int) -> None:
    total = 0
    for number in range(iterations):
        total += number * number


def _wall(processes: int, iterations: int) -> float:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_spin, args=(iterations,)) for _ in range(processes)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start


def parallel_capacity(iterations: int = 20_000_000, rounds: int = 2) -> float:
    """How much work two CPU-bound processes do at once, relative to one alone (ideally 2).

    The ceiling for any two-process speed-up on this machine, measured alongside it.
    """
    alone, pair = [], []
    for _ in range(rounds):
        alone.append(_wall(1, iterations))
        pair.append(_wall(2, iterations))
    return 2 * min(alone) / min(pair)
