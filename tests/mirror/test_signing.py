"""Signed manifests: made off the server, checked by the CLI and by minisign itself."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mirror import signing
from mirror.build import MANIFEST, write_tree
from mirror.checks import sign_tree, verify_tree

FILES = {"index.html": b"<!doctype html>\n", "ru/a.html": b"a\n", "static/x.css": b"x{}\n"}


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "mirror"
    write_tree(root, dict(FILES))
    return root


@pytest.fixture
def key():
    return signing.generate()


def _public(key):
    return signing.PublicKey.of(key.public_key())


def test_a_signed_tree_verifies_and_one_changed_byte_fails_naming_the_file(tree, key):
    sign_tree(tree, key)
    assert verify_tree(tree, _public(key)) == []
    page = tree / "ru/a.html"
    page.write_bytes(b"b\n")
    assert verify_tree(tree, _public(key)) == ["ru/a.html: changed"]


def test_missing_added_and_forged_files_fail(tree, key):
    sign_tree(tree, key)
    (tree / "static/x.css").unlink()
    (tree / "ru/extra.html").write_text("planted")
    assert verify_tree(tree, _public(key)) == [
        "static/x.css: missing",
        "ru/extra.html: not in SHA256SUMS",
    ]


def test_a_changed_manifest_or_another_key_fails(tree, key):
    sign_tree(tree, key)
    manifest = tree / MANIFEST
    manifest.write_bytes(manifest.read_bytes().replace(b"a", b"b", 1))
    assert verify_tree(tree, _public(key))[0].startswith("SHA256SUMS.minisig:")
    other = signing.generate()
    sign_tree(tree, other)  # a forger re-signs the whole copy with a key of their own
    problems = verify_tree(tree, _public(key))
    assert problems and "does not vouch for" in problems[0]


def test_an_unsigned_tree_fails(tree, key):
    assert verify_tree(tree, _public(key)) == [
        "SHA256SUMS.minisig: missing (the copy is not signed)"
    ]


def test_a_rotated_key_is_accepted_through_the_chain(tree, key):
    new = signing.generate()
    link = signing.rotation_link(key, _public(new))
    sign_tree(tree, new, [link])
    assert verify_tree(tree, _public(key)) == []
    assert verify_tree(tree, _public(new)) == []
    # A link signed by a key the reader does not trust vouches for nothing.
    stranger = signing.generate()
    sign_tree(tree, new, [signing.rotation_link(stranger, _public(new))])
    assert "does not vouch for" in verify_tree(tree, _public(key))[0]


def test_rebuilding_with_changes_drops_the_old_signature(tree, key):
    sign_tree(tree, key)
    write_tree(tree, dict(FILES))
    assert (tree / "SHA256SUMS.minisig").exists()
    write_tree(tree, {**FILES, "ru/a.html": b"new\n"})
    assert not (tree / "SHA256SUMS.minisig").exists()


def test_the_secret_key_needs_its_passphrase(key):
    pem = signing.private_pem(key, "correct horse")
    assert b"ENCRYPTED PRIVATE KEY" in pem
    assert _public(signing.load_private(pem, "correct horse")) == _public(key)
    with pytest.raises(signing.SignatureError):
        signing.load_private(pem, "wrong")
    with pytest.raises(signing.SignatureError):
        signing.private_pem(key, "")


def test_public_key_text_reads_back(key):
    public = _public(key)
    assert signing.PublicKey.parse(public.text()) == public
    assert public.text().startswith(f"untrusted comment: minisign public key {public.id_text}\n")
    assert len(public.fingerprint.replace(" ", "")) == 64
    with pytest.raises(signing.SignatureError):
        signing.PublicKey.parse("untrusted comment: x\nnot base64!\n")


@pytest.mark.skipif(shutil.which("minisign") is None, reason="minisign is not installed")
def test_minisign_verifies_what_we_sign(tree, key):
    sign_tree(tree, key)
    command = ["minisign", "-V", "-m", str(tree / MANIFEST), "-p", str(tree / "public-key.pub")]
    assert subprocess.run(command, capture_output=True).returncode == 0
    (tree / MANIFEST).write_bytes((tree / MANIFEST).read_bytes() + b"\n")
    assert subprocess.run(command, capture_output=True).returncode != 0


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="sha256sum is not installed")
def test_sha256sum_checks_the_manifest(tree):
    result = subprocess.run(["sha256sum", "-c", MANIFEST], cwd=tree, capture_output=True)
    assert result.returncode == 0, result.stdout


def test_the_cli_makes_keys_signs_and_verifies(app, tree, tmp_path, monkeypatch):
    monkeypatch.setenv("MIRROR_KEY_PASSPHRASE", "a long passphrase")
    runner = app.test_cli_runner()
    keyfile = tmp_path / "staff.key"
    made = runner.invoke(args=["mirror", "keygen", "--out", str(keyfile)])
    assert made.exit_code == 0, made.output
    assert "fingerprint" in made.output and (tmp_path / "staff.key.pub").is_file()
    assert runner.invoke(args=["mirror", "keygen", "--out", str(keyfile)]).exit_code != 0
    signed = runner.invoke(args=["mirror", "sign", str(tree), "--key", str(keyfile)])
    assert signed.exit_code == 0, signed.output
    public = str(tmp_path / "staff.key.pub")
    ok = runner.invoke(args=["mirror", "verify", str(tree), "--public-key", public])
    assert ok.exit_code == 0, ok.output
    (tree / "index.html").write_bytes(b"<!doctype html>\r\n")
    bad = runner.invoke(args=["mirror", "verify", str(tree), "--public-key", public])
    assert bad.exit_code != 0 and "index.html: changed" in bad.output
    monkeypatch.setenv("MIRROR_KEY_PASSPHRASE", "wrong")
    refused = runner.invoke(args=["mirror", "sign", str(tree), "--key", str(keyfile)])
    assert refused.exit_code != 0 and "wrong passphrase" in refused.output


def test_the_site_shows_the_configured_public_key(make_app, client, key, tmp_path):
    path = tmp_path / "public.pub"
    path.write_text(_public(key).text())
    assert "No signing key" in client.get("/mirror/", headers={"Accept-Language": "en"}).text
    with_key = make_app(MIRROR_PUBLIC_KEY=str(path)).test_client()
    page = with_key.get("/mirror/", headers={"Accept-Language": "en"}).text
    assert _public(key).fingerprint in page
    assert with_key.get("/mirror/public-key.pub").text == _public(key).text()


def test_staff_download_the_mirror_zip(app, login, tmp_path):
    staff = login("staff")
    assert "mirror publish" in staff.get("/mirror/mirror.zip").text
    result = app.test_cli_runner().invoke(args=["mirror", "publish"])
    assert result.exit_code == 0, result.output
    response = staff.get("/mirror/mirror.zip")
    assert response.mimetype == "application/zip" and response.data.startswith(b"PK")
    response.close()
    assert login("student").get("/mirror/mirror.zip").status_code in (403, 404)
