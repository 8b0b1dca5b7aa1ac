"""Anomaly watcher: every ``every`` interaction events of an account (counted by the trend
aggregator), its recent behaviour goes to the ``anomaly`` model; a ``flag`` files a system report
(one open report per account: later flags update it). Without the model nothing happens."""

from __future__ import annotations

import logging

from prometheus_client import Counter

from rookery.workloads.domain.unavailable import ModelUnavailable
from rookery.workloads.ports.inference import ModelClient
from rookery.workloads.services.analytics import AnalyticsService
from rookery.workloads.services.moderation import ModerationService

log = logging.getLogger(__name__)
CHECKS = Counter(
    "rookery_anomaly_checks_total",
    "Behaviour checks of accounts by outcome (allow, flag, unavailable).",
    ["outcome"],
)


class AnomalyWatcher:
    def __init__(
        self, client: ModelClient, analytics: AnalyticsService, moderation: ModerationService, every: int = 25
    ) -> None:
        self.client = client
        self.analytics = analytics
        self.moderation = moderation
        self.every = max(1, every)

    async def on_account(self, account_id: int, total: int) -> None:
        if total % self.every == 0:
            await self.check(account_id)

    async def check(self, account_id: int) -> str:
        events = await self.analytics.behaviour(account_id)
        if not events:
            return "allow"
        try:
            verdict = (
                await self.client.predict("anomaly", [{"account_id": str(account_id), "events": events}])
            )[0]
            action = str(verdict["action"])
        except (ModelUnavailable, KeyError, IndexError, TypeError) as exc:
            CHECKS.labels("unavailable").inc()
            log.info("anomaly check of account %s skipped: %s", account_id, exc)
            return "unavailable"
        CHECKS.labels(action).inc()
        if action == "flag":
            scores = {"anomaly": verdict.get("score", 0.0), "threshold": verdict.get("threshold", 0.0)}
            await self.moderation.apply_automated_decision(
                account_id=account_id,
                decision="flag",
                labels=[str(r) for r in verdict.get("reasons") or ()] or ["anomalous behaviour"],
                scores=scores,
                source="model:anomaly",
            )
        return action
