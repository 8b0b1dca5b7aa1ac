"""Poll closer (posts role): every ``ROOKERY_POLL_CLOSE_INTERVAL_S`` it closes the polls that have
expired. Each poll is closed once even with several replicas (the store claims it in a transaction
with its ``PollExpired`` event in the outbox); the notify consumer then tells voters and author."""

from __future__ import annotations

from rookery.workloads.services.polls import PollsService
from rookery.workloads.workers.periodic import Periodic


class PollCloser(Periodic):
    def __init__(self, polls: PollsService, *, interval_s: float) -> None:
        super().__init__("poll-closer: expired polls closed", polls.close_expired, interval_s=interval_s)
        self.polls = polls
