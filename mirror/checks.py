"""Sign and check a mirror's folder: the manifest of SHA-256 sums, and its minisign signature.

No Flask, no database: a reader's copy is checked the same way on any machine.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path, PurePosixPath

from mirror.build import MANIFEST, SIGNATURE_FILES
from mirror.signing import (
    PublicKey,
    Signature,
    SignatureError,
    chain_text,
    read_chain,
    sign,
    trusted_keys,
)

SIGNATURE = MANIFEST + ".minisig"
PUBLIC_KEY = "public-key.pub"
CHAIN = "key-chain.json"
# Zip entries carry this date (the earliest a zip can hold): the same mirror, the same bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def sign_tree(root: Path, key, chain: list[dict[str, str]] | None = None) -> PublicKey:
    """Sign ``root``'s manifest; the signer's public key and the key chain go beside it."""
    manifest = root / MANIFEST
    if not manifest.is_file():
        raise SignatureError(f"{MANIFEST} is missing: build the mirror first")
    public = PublicKey.of(key.public_key())
    comment = f"{MANIFEST} sha256 {hashlib.sha256(manifest.read_bytes()).hexdigest()}"
    (root / SIGNATURE).write_text(sign(key, manifest.read_bytes(), comment), encoding="utf-8")
    (root / PUBLIC_KEY).write_text(public.text(), encoding="utf-8")
    if chain:
        (root / CHAIN).write_text(chain_text(chain), encoding="utf-8")
    return public


def verify_tree(root: Path, trusted: PublicKey | None = None) -> list[str]:
    """Problems found in ``root`` (empty: the copy is genuine and complete).

    ``trusted`` is the key the reader trusts; without one, the key inside the copy is used
    (which proves only that the copy is intact: compare its fingerprint with a printed one).
    """
    manifest = root / MANIFEST
    if not manifest.is_file():
        return [f"{MANIFEST}: missing"]
    data = manifest.read_bytes()
    problems = _signature_problems(root, data, trusted)
    listed: set[str] = set()
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        digest, _sep, name = line.partition("  ")
        if len(digest) != 64 or not name or _unsafe(name):
            problems.append(f"{MANIFEST}: line {number} cannot be read")
            continue
        listed.add(name)
        path = root / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: changed")
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_file() and name not in listed and name not in (MANIFEST, *SIGNATURE_FILES):
            problems.append(f"{name}: not in {MANIFEST}")
    return problems


def _signature_problems(root: Path, manifest: bytes, trusted: PublicKey | None) -> list[str]:
    try:
        if not (root / SIGNATURE).is_file():
            return [f"{SIGNATURE}: missing (the copy is not signed)"]
        signature = Signature.parse((root / SIGNATURE).read_text(encoding="utf-8"))
        if trusted is None:
            if not (root / PUBLIC_KEY).is_file():
                return [f"{PUBLIC_KEY}: missing, and no public key was given"]
            trusted = PublicKey.parse((root / PUBLIC_KEY).read_text(encoding="utf-8"))
        keys = trusted_keys(trusted, read_chain(root / CHAIN))
        signer = keys.get(signature.key_id)
        if signer is None:
            return [f"{SIGNATURE}: signed by a key that {trusted.id_text} does not vouch for"]
        signature.verify(signer, manifest)
    except (SignatureError, UnicodeDecodeError) as error:
        return [f"{SIGNATURE}: {error}"]
    return []


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name)
    return path.is_absolute() or ".." in path.parts or "\\" in name


def zip_bytes(root: Path) -> bytes:
    """The folder as a zip whose bytes depend only on the files (sorted, fixed dates)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"mirror/{path.relative_to(root).as_posix()}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()
