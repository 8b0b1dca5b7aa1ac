"""What the SQLite and PostgreSQL ModerationStore adapters share."""

from __future__ import annotations

from rookery.workloads.adapters.sql.paging import Params
from rookery.workloads.domain.moderation import ReportFilter

RESTRICTION_FLAGS = ("suspended", "silenced", "sensitized", "disabled")


def report_conditions(query: ReportFilter, p: Params) -> list[str]:
    """The WHERE conditions of a report listing (their values recorded in ``p``)."""
    clauses = []
    if query.resolved is not None:
        clauses.append("action_taken_at IS NOT NULL" if query.resolved else "action_taken_at IS NULL")
    if query.account_id is not None:
        clauses.append(f"account_id = {p(query.account_id)}")
    if query.target_account_id is not None:
        clauses.append(f"target_account_id = {p(query.target_account_id)}")
    return clauses
