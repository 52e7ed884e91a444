"""Build step of the wheel: the site's files and compiled catalogs go inside the packages.

The repository keeps ``templates/``, ``static/`` and ``migrations/`` at its top level (that is
where people look for them); an installed wheel has no top level, so ``build_py`` copies them
into ``school/_site/``, where :mod:`school.config` finds them. It also compiles every
package's message catalogs (``<package>/translations/*/LC_MESSAGES/messages.po``) to ``.mo``,
so an installed site speaks Russian without ``make``. Everything else is in pyproject.toml.
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
        super().run()
        build = Path(self.build_lib)
        site = build / "school" / "_site"
        for name in SITE_FILES:
            target = site / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(
                ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        self._compile_catalogs(build)

    def _compile_catalogs(self, build: Path) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in build.glob("*/translations/*/LC_MESSAGES/messages.po"):
            with po.open("rb") as fh:
                catalog = read_po(fh)
            with po.with_suffix(".mo").open("wb") as fh:
                write_mo(fh, catalog, use_fuzzy=False)


setup(cmdclass={"build_py": BuildWithSiteFiles})
