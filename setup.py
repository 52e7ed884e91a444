"""Build step of the wheel: the site's files and compiled catalogs go inside the packages.

The repository keeps ``templates/``, ``static/`` and ``migrations/`` at its top level (that is
where people look for them); an installed wheel has no top level, so ``build_py`` copies them
into ``school/_site/``, where :mod:`school.config` finds them. It also compiles every
package's message catalogs (``<package>/translations/*/LC_MESSAGES/messages.po``) to ``.mo``,
so an installed site speaks Russian without ``make``. The build folder is emptied first: ``pip
install <checkout>`` builds in the checkout's ``build/``, and a file removed from the sources
must not ship from an earlier build. An editable install uses the checkout itself, so there the
step only compiles the checkout's catalogs. Everything else is in pyproject.toml (and
MANIFEST.in, which puts the same files into the sdist).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SITE_FILES = ("templates", "static", "migrations")


class BuildWithSiteFiles(build_py):
    def run(self) -> None:
        if self.editable_mode:
            super().run()
            compile_catalogs(ROOT)
            return
        build = Path(self.build_lib)
        if build.exists():
            shutil.rmtree(build)
        super().run()
        site = build / "school" / "_site"
        for name in SITE_FILES:
            shutil.copytree(
                ROOT / name, site / name, ignore=shutil.ignore_patterns("__pycache__", "*.py[cod]")
            )
        compile_catalogs(build)


def compile_catalogs(root: Path) -> None:
    """Write ``messages.mo`` beside every package's ``messages.po`` under ``root``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in root.glob("*/translations/*/LC_MESSAGES/messages.po"):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        with po.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)


setup(cmdclass={"build_py": BuildWithSiteFiles})
