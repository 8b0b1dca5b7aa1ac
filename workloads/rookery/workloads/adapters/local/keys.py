"""The embedded issuer's RS256 signing keys: from the settings (production) or the data directory.

Production (``ROOKERY_SIGNING_KEYS``, from the tenant's ``<tenant>-keys`` Secret): one or more PEM
RSA private keys, concatenated. The FIRST key signs new tokens; every key verifies (all are in the
JWKS), so a rotation is: add the new key second and roll, move it first and roll, and remove the
old one once the tokens it signed have expired (ROOKERY_ACCESS_TOKEN_TTL_S; docs/key-rotation.md).
Every replica given the same setting signs and verifies alike, and writes nothing.

Embedded (`rookery up`): ``<data_dir>/keys/signing-key.pem`` (mode 0600) is created on first start;
an older key put in ``<data_dir>/keys/retired/*.pem`` stays in the JWKS so tokens it signed keep
validating until they expire.

The key id (``kid``) is the RFC 7638 thumbprint of the public key, so it is stable for a key and
changes with it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pathlib
import re
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.DOTALL)


class InvalidKey(ValueError):
    """A configured key cannot be used (the message says which and why)."""


def _public_jwk(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> dict[str, Any]:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    jwk = json.loads(RSAAlgorithm.to_jwk(public))
    canonical = json.dumps(
        {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True
    )
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": jwk["n"], "e": jwk["e"]}


def _load_private(data: bytes, where: str) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidKey(f"{where} is not a readable unencrypted PEM private key ({exc})") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InvalidKey(f"{where} is not an RSA private key (RS256 needs RSA)")
    if key.key_size < 2048:
        raise InvalidKey(f"{where} is a {key.key_size}-bit RSA key; RS256 needs at least 2048 bits")
    return key


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def generate_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def generate_pem() -> str:
    """A fresh RS256 signing key as PEM (what the operator puts in a tenant's keys Secret)."""
    return _pem(generate_private_key()).decode()


class SigningKeys:
    """The current signing key and every key the JWKS publishes (the current one first)."""

    def __init__(self, current: rsa.RSAPrivateKey, verify_only: Sequence[rsa.RSAPrivateKey] = ()) -> None:
        self._pem = _pem(current)
        first = _public_jwk(current)
        self._kid = first["kid"]
        keys = [first]
        for key in verify_only:
            jwk = _public_jwk(key)
            if all(k["kid"] != jwk["kid"] for k in keys):
                keys.append(jwk)
        self._jwks = {"keys": keys}

    @classmethod
    def from_pem_bundle(cls, text: str, where: str = "ROOKERY_SIGNING_KEYS") -> SigningKeys:
        """One or more concatenated PEM private keys: the first signs, all verify."""
        blocks = [m.group(0) for m in _PEM_BLOCK.finditer(text)]
        if not blocks:
            raise InvalidKey(f"{where} holds no PEM private key (-----BEGIN PRIVATE KEY----- ...)")
        keys = [_load_private(b.encode(), f"{where} key {i + 1}") for i, b in enumerate(blocks)]
        return cls(keys[0], keys[1:])

    @classmethod
    def ephemeral(cls) -> SigningKeys:
        """A key that lives as long as the process (an external issuer signs the tokens that count)."""
        return cls(generate_private_key())

    @property
    def kid(self) -> str:
        return str(self._kid)

    def private_key_pem(self) -> bytes:
        return self._pem

    def jwks(self) -> dict[str, Any]:
        return self._jwks


class LocalSigningKeys(SigningKeys):
    """Embedded mode: the key in ``directory`` (created on first start), plus ``retired/*.pem``."""

    def __init__(self, directory: pathlib.Path) -> None:
        self.directory = directory
        path = directory / "signing-key.pem"
        if path.exists():
            key = _load_private(path.read_bytes(), str(path))
        else:
            key = generate_private_key()
            directory.mkdir(parents=True, exist_ok=True)
            tmp = directory / "signing-key.pem.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(_pem(key))
            os.replace(tmp, path)
        retired = [_load_private(p.read_bytes(), str(p)) for p in sorted((directory / "retired").glob("*.pem"))]
        super().__init__(key, retired)


class LocalJwksSource:
    """The embedded issuer's JWKS document, handed to the validator without an HTTP round trip."""

    def __init__(self, keys: SigningKeys) -> None:
        self.keys = keys

    async def fetch(self) -> dict[str, Any]:
        return self.keys.jwks()
