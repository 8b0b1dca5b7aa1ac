"""Web Push subscription rules: endpoints (no SSRF), keys, alerts, policies."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from rookery.workloads.domain import push as rules
from rookery.workloads.domain.push import PushKeys, PushRejected, PushSubscription

POINT = (
    ec.generate_private_key(ec.SECP256R1())
    .public_key()
    .public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
)


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example.net/x",
        "https://127.0.0.1/x",
        "https://[::1]/x",
        "https://192.168.1.20/x",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost:8080/x",
        "https://printer.local/x",
        "file:///etc/passwd",
        "https:///nohost",
    ],
)
def test_private_or_odd_endpoints_are_refused(endpoint: str) -> None:
    with pytest.raises(PushRejected):
        rules.check_endpoint(endpoint, allow_private=False)


def test_public_https_endpoints_pass_and_labs_may_allow_loopback() -> None:
    assert rules.check_endpoint("https://fcm.googleapis.com/fcm/send/abc", allow_private=False)
    assert rules.check_endpoint("http://127.0.0.1:9000/x", allow_private=True)


def test_keys_in_either_base64_alphabet() -> None:
    standard = base64.b64encode(POINT).decode()
    urlsafe = base64.urlsafe_b64encode(POINT).decode().rstrip("=")
    auth = base64.b64encode(b"\xfb" * 16).decode()  # has '+' or '/' in the standard alphabet
    assert PushKeys.parse(standard, auth) == PushKeys.parse(urlsafe, auth.replace("+", "-").replace("/", "_"))
    with pytest.raises(PushRejected):
        PushKeys.parse(base64.b64encode(POINT[:33]).decode(), auth)  # compressed / short key
    with pytest.raises(PushRejected):
        PushKeys.parse(standard, base64.b64encode(b"x" * 8).decode())
    with pytest.raises(PushRejected):
        PushKeys.parse(None, auth)


def test_alerts_and_policy() -> None:
    alerts = rules.parse_alerts({"mention": "true", "follow": True, "unknown": True})
    assert alerts["mention"] and alerts["follow"] and not alerts["favourite"] and "unknown" not in alerts
    assert rules.parse_alerts({"follow": "0"}, alerts)["follow"] is False
    with pytest.raises(PushRejected):
        rules.parse_alerts({"mention": "perhaps"})
    with pytest.raises(PushRejected):
        rules.parse_alerts(["mention"])
    assert rules.parse_policy(None, "followed") == "followed"
    with pytest.raises(PushRejected):
        rules.parse_policy("friends")


@pytest.mark.parametrize(
    ("policy", "followed", "follower", "expected"),
    [
        ("all", False, False, True),
        ("none", True, True, False),
        ("followed", True, False, True),
        ("followed", False, True, False),
        ("follower", False, True, True),
        ("follower", True, False, False),
    ],
)
def test_wants(policy: str, followed: bool, follower: bool, expected: bool) -> None:
    subscription = PushSubscription(
        id=1,
        token_id="t",
        account_id=1,
        endpoint="https://push.example.net/x",
        keys=PushKeys("k", "a"),
        alerts={"mention": True, "favourite": False},
        policy=policy,
    )
    assert subscription.wants("mention", from_followed=followed, from_follower=follower) is expected
    assert subscription.wants("favourite", from_followed=True, from_follower=True) is False
