"""``flask finance import|export|reindex``, run through the app's CLI runner."""

from __future__ import annotations

import io
import zipfile

import pytest

from finance import services
from tests.finance import factories as f


@pytest.fixture
def entries(make_user):
    staff = make_user("staff")
    pensions = f.topic()
    f.entry(staff, "pension", "Как получать пенсию?", topics=[pensions])
    f.entry(staff, "cut", "Что удерживают из пенсии?", topics=[pensions])


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["finance", *args])


def test_export_import_and_reindex_commands(app, entries, tmp_path):
    archive = tmp_path / "kb.zip"
    result = run(app, "export", str(archive))
    assert result.exit_code == 0 and archive.exists()
    with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as zipped:
        assert "entries/pension.md" in zipped.namelist()
    result = run(app, "import", str(archive))
    assert result.exit_code == 0, result.output
    assert "0 new, 0 updated, 2 unchanged" in result.output

    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    result = run(app, "import", str(broken))
    assert result.exit_code == 1
    assert "nothing was imported" in result.output

    result = run(app, "reindex")
    assert result.exit_code == 0 and "2 entries indexed" in result.output
    assert services.search("пенсия").total == 2
