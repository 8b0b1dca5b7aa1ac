"""PushService: one Web Push subscription per access token, and which notifications reach it.

Delivery goes through the embedded LoggingPushSender (it counts what it was given) or, for the
push service's answers (gone, failing), through a small sender standing in for that service."""

from __future__ import annotations

from typing import Any

import pytest
from services_support import House

from rookery.workloads.adapters.local.push import LoggingPushSender
from rookery.workloads.domain.push import DeliveryFailed, PushGone, PushRejected, PushSubscription
from rookery.workloads.services.push import PushSubscriptionNotFound

KEYS = {
    "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
    "auth": "tBHItJI5svbpez7KI4CCXg",
}
ENDPOINT = {"endpoint": "https://push.example.net/send/abc", "keys": KEYS}


class Answering:
    """A push service that answers each send with the next of ``answers`` (None: accepted)."""

    def __init__(self, *answers: Exception | None) -> None:
        self.answers = list(answers)
        self.tries = 0

    async def send(self, subscription: PushSubscription, payload: dict[str, Any]) -> None:
        self.tries += 1
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer


async def test_one_subscription_per_token_validated_replaced_updated_removed(house: House) -> None:
    alice = await house.user()
    with pytest.raises(PushRejected):
        await house.push.subscribe(alice.id, "token-1", "not an object", None)
    with pytest.raises(PushRejected):  # a loopback endpoint is never contacted
        await house.push.subscribe(alice.id, "token-1", {**ENDPOINT, "endpoint": "https://127.0.0.1/x"}, None)
    first = await house.push.subscribe(alice.id, "token-1", ENDPOINT, {"alerts": {"mention": True}})
    assert first.alerts["mention"] and not first.alerts["follow"] and first.policy == "all"
    second = await house.push.subscribe(alice.id, "token-1", ENDPOINT, {"alerts": {"follow": "true"}})
    assert (await house.push.get("token-1")).id == second.id != first.id  # replaced
    updated = await house.push.update("token-1", {"alerts": {"mention": True}}, "followed")
    assert updated.alerts["mention"] and updated.alerts["follow"] and updated.policy == "followed"
    with pytest.raises(PushRejected):
        await house.push.update("token-1", None, "strangers")
    await house.push.unsubscribe("token-1")
    with pytest.raises(PushSubscriptionNotFound):
        await house.push.get("token-1")


async def test_delivery_follows_alerts_and_policy(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    # no mention of alice: the house's own push consumer must not try her endpoint meanwhile
    status = await house.post(bob, "hi")
    sender = LoggingPushSender("test")
    push = house.push_through(sender)
    await push.subscribe(alice.id, "token-1", ENDPOINT, {"alerts": {"mention": True}, "policy": "followed"})
    assert await push.deliver(1, alice.id, "favourite", bob.id, status.id) == 0  # not an alert she wants
    assert await push.deliver(1, alice.id, "mention", bob.id, status.id) == 0  # bob is not followed
    await house.graph.follow(alice.id, bob.id)
    assert await push.deliver(1, alice.id, "mention", bob.id, status.id) == 1
    await push.update("token-1", None, "none")
    assert await push.deliver(1, alice.id, "mention", bob.id, status.id) == 0
    assert await push.deliver(1, bob.id, "mention", alice.id, None) == 0  # no subscription at all
    assert sender.sent == 1


async def test_a_gone_subscription_is_deleted_and_failures_are_retried(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    data = {"alerts": {"follow": True}}
    flaky = Answering(DeliveryFailed("503"), None)
    assert await _deliver(house, flaky, alice.id, bob.id, data) == 1 and flaky.tries == 2
    down = Answering(DeliveryFailed("503"), DeliveryFailed("503"), DeliveryFailed("503"))
    assert await _deliver(house, down, alice.id, bob.id, data) == 0 and down.tries == 3
    assert (await house.push.get("token-1")).account_id == alice.id  # kept: it may work later
    assert await _deliver(house, Answering(PushGone("410")), alice.id, bob.id, data) == 0
    with pytest.raises(PushSubscriptionNotFound):
        await house.push.get("token-1")


async def _deliver(house: House, sender: Answering, recipient: int, sender_id: int, data: dict[str, Any]) -> int:
    push = house.push_through(sender)
    if await push.store.get("token-1") is None:
        await push.subscribe(recipient, "token-1", ENDPOINT, data)
    return await push.deliver(1, recipient, "follow", sender_id, None)
