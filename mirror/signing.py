"""Ed25519 signatures of a mirror's manifest, in minisign's file formats.

Pure: no Flask, no database. A public key file and a ``.minisig`` file made here are read by
``minisign -V`` (and signify-compatible tools that read minisign's format), so readers can
check a copy without this platform. The secret key stays in an encrypted PEM file (PKCS#8)
on a staff machine; the server only ever holds the public key.

Key rotation: a new public key is signed by the old one, and the mirror carries the chain
(``key-chain.json``); verification starts from a key the reader trusts and follows it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PUBLIC_ALG = b"Ed"
PREHASHED = b"ED"  # minisign's default: the BLAKE2b-512 of the file is signed
LEGACY = b"Ed"


class SignatureError(ValueError):
    """A key or signature that cannot be read, or that does not verify."""


@dataclass(frozen=True)
class PublicKey:
    key_id: bytes  # 8 bytes, as minisign stores them
    raw: bytes  # 32 bytes

    @classmethod
    def of(cls, key: Ed25519PublicKey) -> PublicKey:
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return cls(hashlib.sha256(raw).digest()[:8], raw)

    @property
    def key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.raw)

    @property
    def id_text(self) -> str:
        """The key id as minisign prints it (the little-endian number in hexadecimal)."""
        return self.key_id[::-1].hex().upper()

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the raw key, in groups of four hex digits, for print and for the site."""
        digest = hashlib.sha256(self.raw).hexdigest().upper()
        return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))

    def text(self) -> str:
        """The minisign public key file."""
        blob = base64.b64encode(PUBLIC_ALG + self.key_id + self.raw).decode()
        return f"untrusted comment: minisign public key {self.id_text}\n{blob}\n"

    @classmethod
    def parse(cls, text: str) -> PublicKey:
        lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
        line = lines[-1] if lines else ""
        try:
            blob = base64.b64decode(line, validate=True)
        except ValueError as error:
            raise SignatureError("not a minisign public key") from error
        if len(blob) != 42 or blob[:2] != PUBLIC_ALG:
            raise SignatureError("not a minisign Ed25519 public key")
        return cls(blob[2:10], blob[10:])


def generate() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_pem(key: Ed25519PrivateKey, passphrase: str) -> bytes:
    """The secret key as an encrypted PKCS#8 PEM (``openssl pkey`` reads it)."""
    if not passphrase:
        raise SignatureError("a passphrase is needed to protect the secret key")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode()),
    )


def load_private(data: bytes, passphrase: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, passphrase.encode() or None)
    except (ValueError, TypeError) as error:
        raise SignatureError("cannot open the secret key: wrong passphrase or not a key") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError("the secret key is not an Ed25519 key")
    return key


def sign(key: Ed25519PrivateKey, message: bytes, trusted_comment: str) -> str:
    """A minisign signature file (prehashed, "ED") of ``message``."""
    public = PublicKey.of(key.public_key())
    if "\n" in trusted_comment:
        raise SignatureError("a trusted comment is one line")
    signature = key.sign(hashlib.blake2b(message, digest_size=64).digest())
    comment = trusted_comment.encode()
    global_signature = key.sign(signature + comment)
    return (
        f"untrusted comment: signature from minisign secret key {public.id_text}\n"
        f"{base64.b64encode(PREHASHED + public.key_id + signature).decode()}\n"
        f"trusted comment: {trusted_comment}\n"
        f"{base64.b64encode(global_signature).decode()}\n"
    )


@dataclass(frozen=True)
class Signature:
    algorithm: bytes
    key_id: bytes
    signature: bytes
    trusted_comment: str
    global_signature: bytes

    @classmethod
    def parse(cls, text: str) -> Signature:
        lines = text.splitlines()
        if len(lines) < 4 or not lines[2].startswith("trusted comment: "):
            raise SignatureError("not a minisign signature file")
        try:
            blob = base64.b64decode(lines[1], validate=True)
            global_signature = base64.b64decode(lines[3], validate=True)
        except ValueError as error:
            raise SignatureError("not a minisign signature file") from error
        if len(blob) != 74 or blob[:2] not in (PREHASHED, LEGACY) or len(global_signature) != 64:
            raise SignatureError("not a minisign Ed25519 signature")
        comment = lines[2][len("trusted comment: ") :]
        return cls(blob[:2], blob[2:10], blob[10:], comment, global_signature)

    def verify(self, key: PublicKey, message: bytes) -> None:
        if key.key_id != self.key_id:
            raise SignatureError(
                f"signed by key {self.key_id[::-1].hex().upper()}, not {key.id_text}"
            )
        signed = (
            hashlib.blake2b(message, digest_size=64).digest()
            if self.algorithm == PREHASHED
            else message
        )
        try:
            key.key.verify(self.signature, signed)
            key.key.verify(self.global_signature, self.signature + self.trusted_comment.encode())
        except InvalidSignature as error:
            raise SignatureError("the signature does not match") from error


# ------------------------------------------------------------------------------ rotation


def rotation_link(old: Ed25519PrivateKey, new: PublicKey) -> dict[str, str]:
    """One link of the key chain: the new public key file, signed by the old key."""
    text = new.text()
    return {"public_key": text, "signature": sign(old, text.encode(), f"new key {new.id_text}")}


def trusted_keys(trusted: PublicKey, chain: list[dict[str, str]]) -> dict[bytes, PublicKey]:
    """Every key reachable from ``trusted`` through links each signed by a key already reached."""
    keys = {trusted.key_id: trusted}
    pending = list(chain)
    progress = True
    while pending and progress:
        progress = False
        for link in list(pending):
            try:
                signature = Signature.parse(link["signature"])
                new = PublicKey.parse(link["public_key"])
            except (KeyError, TypeError, SignatureError):
                pending.remove(link)
                continue
            signer = keys.get(signature.key_id)
            if signer is None:
                continue
            pending.remove(link)
            try:
                signature.verify(signer, link["public_key"].encode())
            except SignatureError:
                continue
            keys[new.key_id] = new
            progress = True
    return keys


def read_chain(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SignatureError(f"cannot read {path.name}: {error}") from error
    if not isinstance(data, list):
        raise SignatureError(f"{path.name} is not a list of keys")
    return data


def chain_text(chain: list[dict[str, str]]) -> str:
    return json.dumps(chain, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
