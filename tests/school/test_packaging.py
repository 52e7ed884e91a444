"""The wheel is a complete install: every package, the site's files, compiled catalogs, demo."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("school", "webinars", "courses", "quizzes", "finance", "brochures")


def build_wheel(out: Path) -> set[str]:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(out)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (built,) = out.glob("*.whl")
    with zipfile.ZipFile(built) as archive:
        return set(archive.namelist())


def files_under(folder: Path) -> set[str]:
    return {
        str(path.relative_to(ROOT))
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".mo"
    }


# One test builds the wheel once (setuptools builds in the checkout's build/ folder, which two
# workers must not share).
@pytest.mark.slow
def test_the_wheel_holds_everything_the_site_reads(tmp_path):
    wheel = build_wheel(tmp_path)
    modules = {f for package in PACKAGES for f in files_under(ROOT / package) if f.endswith(".py")}
    assert modules - wheel == set()
    for folder in ("templates", "static", "migrations"):
        files = files_under(ROOT / folder)
        assert files, folder
        assert {f"school/_site/{name}" for name in files} - wheel == set(), folder
    for package in PACKAGES:
        for locale in ("ru", "en"):
            assert f"{package}/translations/{locale}/LC_MESSAGES/messages.mo" in wheel
            assert f"{package}/translations/{locale}/LC_MESSAGES/messages.po" in wheel
    demo = {f for package in PACKAGES for f in files_under(ROOT / package / "demo")}
    assert demo and demo - wheel == set()


def test_a_checkout_without_make_compiles_the_catalogs_it_lacks(tmp_path):
    from school import catalogs

    source = ROOT / "school/translations/ru/LC_MESSAGES/messages.po"
    po = tmp_path / "school/translations/ru/LC_MESSAGES/messages.po"
    po.parent.mkdir(parents=True)
    po.write_bytes(source.read_bytes())
    mo = po.with_suffix(".mo")
    assert catalogs.compile_all(tmp_path, only_stale=True) == [mo]
    assert mo.stat().st_size > 1000
    assert catalogs.compile_all(tmp_path, only_stale=True) == []  # up to date: nothing written
    os.utime(po, (mo.stat().st_mtime + 10, mo.stat().st_mtime + 10))
    assert catalogs.compile_all(tmp_path, only_stale=True) == [mo]
