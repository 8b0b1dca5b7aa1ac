"""Helpers for the inference tests: synthetic platform events (the model server in a subprocess,
ModelServerProcess, lives in tests/live_support.py beside `rookery up`)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------------------------
# interaction events for ranking
# --------------------------------------------------------------------------------------------


def ranking_events(seed: int = 3) -> list[dict[str, Any]]:
    """Accounts see statuses of many authors and engage mostly with the few they like.

    ``alice`` likes ``xavier`` a lot and only ever scrolls past ``yann``.
    """
    rng = random.Random(seed)
    authors = [f"author{i}" for i in range(10)] + ["xavier", "yann"]
    statuses: list[dict[str, Any]] = []
    for author in authors:
        for n in range(15):
            posted = NOW - dt.timedelta(hours=rng.uniform(1, 240))
            statuses.append({"status_id": f"{author}-{n}", "author_id": author, "posted": posted})
    accounts = {f"reader{i}": set(rng.sample(authors, 2)) for i in range(25)}
    accounts["alice"] = {"xavier"}
    events: list[dict[str, Any]] = []
    for account, liked in accounts.items():
        seen = rng.sample(statuses, 60)
        if account == "alice":
            seen += [s for s in statuses if s["author_id"] in ("xavier", "yann") and s not in seen]
        for status in seen:
            at = status["posted"] + dt.timedelta(hours=rng.uniform(0.1, 12))
            base = {
                "account_id": account,
                "status_id": status["status_id"],
                "author_id": status["author_id"],
                "status_created_at": iso(status["posted"]),
            }
            events.append({"type": "view", "created_at": iso(at), **base})
            chance = 0.7 if status["author_id"] in liked else 0.04
            if rng.random() < chance:
                kind = rng.choice(["favourite", "favourite", "reblog", "reply"])
                events.append({"type": kind, "created_at": iso(at + dt.timedelta(minutes=1)), **base})
    return events


# --------------------------------------------------------------------------------------------
# behaviour events for anomaly detection
# --------------------------------------------------------------------------------------------

TOPICS = ["coffee", "train delays", "my garden", "a new book", "the match", "rainy weather", "jazz", "cats"]


def ordinary_account_events(account: str, rng: random.Random) -> list[dict[str, Any]]:
    """A person: a few distinct posts, follows and favourites spread over three days."""
    events: list[dict[str, Any]] = []
    start = NOW - dt.timedelta(days=3)

    def at() -> str:
        return iso(start + dt.timedelta(minutes=rng.uniform(0, 3 * 24 * 60)))

    for n in range(rng.randint(2, 14)):
        text = f"thinking about {rng.choice(TOPICS)} today, post {n} by {account}"
        if rng.random() < 0.15:
            text += " https://example.org/read"
        if rng.random() < 0.3:
            text = f"@friend{rng.randint(1, 50)} " + text
        events.append({"type": "status", "account_id": account, "created_at": at(), "text": text})
    for _ in range(rng.randint(0, 8)):
        events.append(
            {
                "type": "follow",
                "account_id": account,
                "created_at": at(),
                "target_account_id": f"someone{rng.randint(1, 500)}",
            }
        )
    if rng.random() < 0.2:
        events.append(
            {
                "type": "unfollow",
                "account_id": account,
                "created_at": at(),
                "target_account_id": f"someone{rng.randint(1, 500)}",
            }
        )
    for _ in range(rng.randint(3, 50)):
        events.append(
            {
                "type": "favourite",
                "account_id": account,
                "created_at": at(),
                "status_id": str(rng.randint(1, 10_000)),
                "author_id": f"someone{rng.randint(1, 500)}",
            }
        )
    return events


def spam_account_events(account: str) -> list[dict[str, Any]]:
    """A scripted spammer: one promotional text with links and mentions, mass follow and unfollow."""
    events: list[dict[str, Any]] = []
    start = NOW - dt.timedelta(hours=2)
    for n in range(120):
        text = (
            "BUY cheap followers now!!! https://spam.example/deal https://spam.example/win "
            f"@user{n % 7} @user{(n + 1) % 7} @user{(n + 2) % 7}"
        )
        events.append(
            {
                "type": "status",
                "account_id": account,
                "created_at": iso(start + dt.timedelta(seconds=50 * n)),
                "text": text,
            }
        )
    for n in range(300):
        moment = iso(start + dt.timedelta(seconds=20 * n))
        events.append(
            {"type": "follow", "account_id": account, "created_at": moment, "target_account_id": f"victim{n}"}
        )
        if n % 4:
            events.append(
                {
                    "type": "unfollow",
                    "account_id": account,
                    "created_at": moment,
                    "target_account_id": f"victim{n}",
                }
            )
    return events


def behaviour_events(ordinary: int = 120, spammers: int = 2, seed: int = 5) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    for i in range(ordinary):
        events += ordinary_account_events(f"person{i}", rng)
    for i in range(spammers):
        events += spam_account_events(f"spammer{i}")
    return events
