"""Moderation consumer (group "moderation" on the posts stream): every new status (not reblogs) is
sent to the ``moderation`` model and its verdict applied (allow / flag / hide). With the model
unavailable (down, slow, circuit open) the status stays allowed and the fallback is counted:
posting never waits for the AI layer."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import orjson
from prometheus_client import Counter

from rookery.workloads.catalogue import MODERATION_GROUP
from rookery.workloads.domain.events import POSTS, Event
from rookery.workloads.domain.unavailable import ModelUnavailable
from rookery.workloads.ports.edge import Cache
from rookery.workloads.ports.events import EventBus
from rookery.workloads.ports.inference import ModelClient
from rookery.workloads.ports.posts import StatusRepository
from rookery.workloads.services.moderation import ModerationService
from rookery.workloads.services.social import STATUS_CREATED, STATUS_UPDATED

GROUP = MODERATION_GROUP.name
VERDICT_TTL_S = 3600.0
log = logging.getLogger(__name__)
DECISIONS = Counter(
    "rookery_moderation_decisions_total",
    "Automated moderation of new statuses by outcome (allow, flag, hide; unavailable: allowed unchecked).",
    ["outcome"],
)


class ModerationWorker:
    def __init__(
        self,
        client: ModelClient,
        statuses: StatusRepository,
        moderation: ModerationService,
        cache: Cache | None = None,
    ) -> None:
        self.client = client
        self.cache = cache  # verdicts by text: a flood of one spam text costs one model call
        self.statuses = statuses
        self.moderation = moderation
        self.unavailable = 0  # statuses allowed because the model could not answer (also a metric)

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(POSTS, GROUP, self.on_post)

    async def on_post(self, event: Event) -> None:
        if (
            event.type not in (STATUS_CREATED, STATUS_UPDATED)
            or event.payload.get("reblog_of_id") is not None
        ):
            return
        status = await self.statuses.get(int(event.payload["status_id"]))
        if status is None:
            return
        text = "\n".join(part for part in (status.spoiler_text, status.text) if part)
        if not text.strip():
            return
        try:
            verdict = await self._verdict(text, status.id)
            decision = str(verdict["action"])
        except (ModelUnavailable, KeyError, IndexError, TypeError) as exc:
            self.unavailable += 1
            DECISIONS.labels("unavailable").inc()
            log.info("status %s allowed without moderation: %s", status.id, exc)
            return
        DECISIONS.labels(decision).inc()
        await self.moderation.apply_automated_decision(
            status_id=status.id,
            decision=decision,
            labels=verdict.get("labels") or (),
            scores=verdict.get("scores") or {},
            source="model:moderation",
        )

    async def _verdict(self, text: str, status_id: int) -> dict[str, Any]:
        key = "moderation:" + hashlib.sha256(text.encode()).hexdigest()
        if self.cache is not None:
            cached = await self.cache.get(key)
            if cached is not None:
                found: dict[str, Any] = orjson.loads(cached)
                return found
        verdict = (await self.client.predict("moderation", [{"text": text, "id": str(status_id)}]))[0]
        if self.cache is not None and isinstance(verdict, dict) and "action" in verdict:
            await self.cache.set(key, orjson.dumps(verdict), ttl_s=VERDICT_TTL_S)
        return verdict
