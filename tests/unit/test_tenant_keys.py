"""The issuer's and Web Push keys: from the settings (production, the tenant's keys Secret) or the
data directory (embedded); a process with shared stores refuses to start without them."""

from __future__ import annotations

import base64
import pathlib

import jwt
import pytest
from py_vapid import Vapid02

from rookery.workloads.adapters.local.keys import InvalidKey, LocalSigningKeys, SigningKeys, generate_pem
from rookery.workloads.adapters.local.push import VapidKeys, generate_vapid_pem
from rookery.workloads.bootstrap import build
from rookery.workloads.settings import ConfigurationError, Settings

OLD, NEW = generate_pem(), generate_pem()
VAPID = generate_vapid_pem()
SHARED = {"postgres_dsn": "postgresql://rookery@127.0.0.1:1/rookery"}  # never connected: build only


def _token(keys: SigningKeys) -> str:
    return jwt.encode({"sub": "1"}, keys.private_key_pem(), algorithm="RS256", headers={"kid": keys.kid})


def _verify(token: str, jwks: dict[str, object]) -> dict[str, object]:
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)  # type: ignore[attr-defined]
    return jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"])


def test_the_first_key_signs_and_every_key_verifies() -> None:
    old, rotated = SigningKeys.from_pem_bundle(OLD), SigningKeys.from_pem_bundle(NEW + OLD)
    assert rotated.kid == SigningKeys.from_pem_bundle(NEW).kid != old.kid
    assert [k["kid"] for k in rotated.jwks()["keys"]] == [rotated.kid, old.kid]
    assert all("d" not in k for k in rotated.jwks()["keys"])  # public halves only
    # a token of the old key still verifies after the rotation; a new one verifies on a replica that
    # already lists the new key second (the first step of a rotation)
    assert _verify(_token(old), rotated.jwks())["sub"] == "1"
    assert _verify(_token(rotated), SigningKeys.from_pem_bundle(OLD + NEW).jwks())["sub"] == "1"


def test_two_processes_with_the_same_setting_have_the_same_keys() -> None:
    one, two = SigningKeys.from_pem_bundle(NEW), SigningKeys.from_pem_bundle(NEW)
    assert one.kid == two.kid and one.jwks() == two.jwks()
    assert _verify(_token(one), two.jwks())["sub"] == "1"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "holds no PEM private key"),
        ("not a key", "holds no PEM private key"),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "key 1 is not a readable"),
        (VAPID, "key 1 is not an RSA private key"),
    ],
)
def test_unusable_signing_keys_say_why(value: str, why: str) -> None:
    with pytest.raises(InvalidKey, match=why):
        SigningKeys.from_pem_bundle(value)


def test_vapid_key_from_pem_or_base64url() -> None:
    from_pem = VapidKeys(private_key=VAPID)
    raw = Vapid02.from_pem(VAPID.encode()).private_key.private_numbers().private_value.to_bytes(32, "big")
    from_raw = VapidKeys(private_key=base64.urlsafe_b64encode(raw).rstrip(b"=").decode())
    assert from_pem.public_key == from_raw.public_key == VapidKeys(private_key=VAPID).public_key
    with pytest.raises(InvalidKey, match="ROOKERY_VAPID_PRIVATE_KEY is not a usable VAPID key"):
        VapidKeys(private_key=OLD)


def test_shared_stores_need_the_keys_from_the_settings(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ConfigurationError, match="ROOKERY_SIGNING_KEYS is not set"):
        build(Settings(data_dir=tmp_path / "d", **SHARED))
    with pytest.raises(ConfigurationError, match="ROOKERY_VAPID_PRIVATE_KEY is not set"):
        build(Settings(data_dir=tmp_path / "d", signing_keys=NEW, **SHARED))
    with pytest.raises(ConfigurationError, match="ROOKERY_SIGNING_KEYS key 1 is not a readable"):
        build(Settings(data_dir=tmp_path / "d", signing_keys=NEW.replace("M", "x", 3), **SHARED))
    container = build(Settings(data_dir=tmp_path / "d", signing_keys=NEW, vapid_private_key=VAPID, **SHARED))
    assert container.infra.signing_keys is not None
    assert container.infra.signing_keys.kid == SigningKeys.from_pem_bundle(NEW).kid
    # Keycloak mode: the external issuer signs; no signing key needed, the Web Push key still is
    issuer = "http://kc/realms/r"
    keycloak = build(Settings(data_dir=tmp_path / "d", oidc_issuer=issuer, vapid_private_key=VAPID, **SHARED))
    assert keycloak.infra.signing_keys is None
    with pytest.raises(ConfigurationError, match="ROOKERY_VAPID_PRIVATE_KEY is not set"):
        build(Settings(data_dir=tmp_path / "d", oidc_issuer=issuer, **SHARED))
    assert not (tmp_path / "d").exists()  # building wrote nothing


def test_embedded_mode_keeps_its_keys_in_the_data_dir(tmp_path: pathlib.Path) -> None:
    container = build(Settings(data_dir=tmp_path))
    assert (tmp_path / "keys" / "signing-key.pem").exists() and (tmp_path / "keys" / "vapid-private.pem").exists()
    assert container.infra.signing_keys is not None
    assert container.infra.signing_keys.kid == LocalSigningKeys(tmp_path / "keys").kid
    assert container.infra.db.path == str(tmp_path / "rookery.db")


def test_the_embedded_database_stays_in_memory_when_every_store_is_in_production() -> None:
    every = {
        **SHARED,
        "redis_url": "redis://127.0.0.1:1",
        "kafka_bootstrap": "127.0.0.1:1",
        "cassandra_contact_points": "127.0.0.1:1",
        "search_url": "http://127.0.0.1:1",
    }
    assert not Settings(**every).embedded_database_file
    for name in every:  # any store left embedded keeps its data in the file
        assert Settings(**{**every, name: ""}).embedded_database_file
