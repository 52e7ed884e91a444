"""A brochure build killed with SIGKILL while it renders leaves no broken PDF behind."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from bench.server import PROJECT

SLUG = "money-family-pension"
BUILD_TIMEOUT = 240
# Seconds from the start of rendering to the kill; shorter ones are tried if a build wins the race.
DELAYS = (1.0, 0.4, 0.1, 0.0)


def _whole(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def _readable(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def _check_cache(cache: Path) -> None:
    for path in cache.glob("*.pdf"):
        data = path.read_bytes()
        assert _whole(data), f"broken file in the cache: {path.name}"
        assert _readable(data) > 0


def _check_output(out: Path) -> None:
    if out.exists():
        data = out.read_bytes()
        assert _whole(data), "the output is half-written"
        assert _readable(data) > 0


def _build(env: dict[str, str], out: Path, stderr) -> subprocess.Popen:
    command = [sys.executable, "-m", "flask", "--app", "school", "brochures", "build", SLUG,
               "--format", "a5", "-o", str(out)]  # fmt: skip
    return subprocess.Popen(command, env=env, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=stderr)


def _kill_while_rendering(env, out: Path, cache: Path, log: Path, delay: float) -> bool:
    """Start a build and kill it ``delay`` s after it starts rendering, or as soon as it writes
    a temporary file into the cache; False when it finished first."""
    with log.open("wb") as stderr:
        process = _build(env, out, stderr)
    try:
        deadline = time.monotonic() + BUILD_TIMEOUT
        while b"Rendering PDFs" not in log.read_bytes():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the build never started rendering"
            time.sleep(0.01)
        kill_at = time.monotonic() + delay
        while process.poll() is None:
            if time.monotonic() >= kill_at or any(cache.glob("*.part")):
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
        return process.wait(timeout=60) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=60)


@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
def test_killed_build_leaves_no_broken_file_and_the_next_build_succeeds(site, tmp_path):
    cache = tmp_path / "pdf-cache"
    env = {**site.env, "PDF_CACHE_DIR": str(cache)}
    out = tmp_path / "brochure-a5.pdf"
    for attempt, delay in enumerate(DELAYS):
        killed = _kill_while_rendering(env, out, cache, tmp_path / f"build-{attempt}.log", delay)
        _check_cache(cache)
        _check_output(out)
        if killed:
            break
        # It finished before the kill: start again from nothing with an earlier kill.
        for path in [*cache.glob("*"), out]:
            path.unlink(missing_ok=True)
    else:
        pytest.fail("every build finished before it could be killed")

    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "school", "brochures", "build", SLUG,
         "--format", "a5", "-o", str(out)],
        env=env, cwd=PROJECT, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert _whole(data)
    assert _readable(data) > 1
    _check_cache(cache)
    assert any(cache.glob("*.pdf"))
