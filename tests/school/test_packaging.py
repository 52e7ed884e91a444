"""The wheel is a complete install: every package, the site's files, compiled catalogs, demo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("school", "webinars", "courses", "quizzes", "finance", "brochures")


def checkout_copy(target: Path) -> Path:
    """The checkout's files as git sees them (tracked and new, not ignored): a fresh clone."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet staged is listed too
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def build(hook: str, source: Path, out: Path) -> Path:
    """Call the build backend's hook in ``source``, as pip and ``python -m build`` do."""
    out.mkdir(parents=True, exist_ok=True)
    script = f"from setuptools import build_meta; print(build_meta.{hook}({str(out)!r}))"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=source, check=True, capture_output=True, text=True
    )
    return out / done.stdout.strip().splitlines()[-1]


def names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def files_under(folder: Path) -> set[str]:
    return {
        str(path.relative_to(ROOT))
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".mo"
    }


def assert_complete(wheel: set[str]) -> None:
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
    assert "school/_site/static/print/FOGRA39L.icc" in wheel  # the press files' output intent
    demo = {f for package in PACKAGES for f in files_under(ROOT / package / "demo")}
    assert demo and demo - wheel == set()
    assert not {name for name in wheel if name.startswith(("tests/", "bench/"))}


# Builds in a copy of the checkout, so the checkout's own build/ folder is neither read nor shared
# between workers.
@pytest.mark.slow
def test_the_wheel_built_from_the_sdist_holds_everything_the_site_reads(tmp_path):
    """``python -m build``: an sdist first, then the wheel from the unpacked sdist."""
    source = checkout_copy(tmp_path / "checkout")
    sdist = build("build_sdist", source, tmp_path / "dist")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    assert_complete(names(build("build_wheel", unpacked, tmp_path / "dist")))


@pytest.mark.slow
def test_the_wheel_built_in_the_checkout_holds_everything_and_nothing_stale(tmp_path):
    """``pip install <checkout>`` builds in the checkout, where build/ keeps earlier builds."""
    source = checkout_copy(tmp_path / "checkout")
    first = names(build("build_wheel", source, tmp_path / "first"))
    assert_complete(first)
    gone = source / "school" / "gone_module.py"
    gone.write_text("")
    (source / "templates" / "gone.html").write_text("")
    assert "school/gone_module.py" in names(build("build_wheel", source, tmp_path / "second"))
    gone.unlink()
    (source / "templates" / "gone.html").unlink()
    third = names(build("build_wheel", source, tmp_path / "third"))
    assert_complete(third)
    assert "school/gone_module.py" not in third
    assert "school/_site/templates/gone.html" not in third


@pytest.mark.slow
def test_an_editable_install_compiles_the_checkouts_catalogs(tmp_path):
    """``pip install -e .`` without make: the checkout itself then speaks Russian."""
    source = checkout_copy(tmp_path / "checkout")
    catalogs = [source / p / "translations/ru/LC_MESSAGES/messages.mo" for p in PACKAGES]
    assert not any(mo.exists() for mo in catalogs)
    build("build_editable", source, tmp_path / "dist")
    assert all(mo.stat().st_size > 1000 for mo in catalogs)
    assert not (source / "build" / "lib" / "school" / "_site").exists()


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
