"""The embedded issuer's RS256 signing key, kept in the data directory across restarts.

``<data_dir>/keys/signing-key.pem`` (mode 0600) is created on first start. The key id (``kid``)
is the RFC 7638 thumbprint of the public key, so it is stable for a key and changes with it.
Rotation: put an older key in ``<data_dir>/keys/retired/*.pem``; it stays in the JWKS so tokens
it signed keep validating until they expire.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pathlib
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


def _public_jwk(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> dict[str, Any]:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    jwk = json.loads(RSAAlgorithm.to_jwk(public))
    canonical = json.dumps(
        {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True
    )
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": jwk["n"], "e": jwk["e"]}


def _load_private(path: pathlib.Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA private key")
    return key


class LocalSigningKeys:
    def __init__(self, directory: pathlib.Path) -> None:
        self.directory = directory
        path = directory / "signing-key.pem"
        if path.exists():
            self._key = _load_private(path)
        else:
            self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            directory.mkdir(parents=True, exist_ok=True)
            pem = self._key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            tmp = directory / "signing-key.pem.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
            os.replace(tmp, path)
        self._pem = self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        current = _public_jwk(self._key)
        self._kid = current["kid"]
        retired = [_public_jwk(_load_private(p)) for p in sorted((directory / "retired").glob("*.pem"))]
        self._jwks = {"keys": [current, *retired]}

    @property
    def kid(self) -> str:
        return str(self._kid)

    def private_key_pem(self) -> bytes:
        return self._pem

    def jwks(self) -> dict[str, Any]:
        return self._jwks


class LocalJwksSource:
    """The embedded issuer's JWKS document, handed to the validator without an HTTP round trip."""

    def __init__(self, keys: LocalSigningKeys) -> None:
        self.keys = keys

    async def fetch(self) -> dict[str, Any]:
        return self.keys.jwks()
