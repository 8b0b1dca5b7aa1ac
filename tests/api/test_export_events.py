"""`rookery admin export-events`: the aggregator's interaction log as the JSONL that
`rookery inference train` reads (validated with rookery.inference.events)."""

from __future__ import annotations

import asyncio
import pathlib
import subprocess
import sys
from typing import Any

from api_support import Api
from social_support import follow, post, settle

REPO = pathlib.Path(__file__).resolve().parents[2]


async def test_exported_events_parse_as_training_data(
    app_factory, tmp_path: pathlib.Path, api_settings_overrides: dict[str, Any]
) -> None:
    data_dir = tmp_path / "data"
    async with app_factory(data_dir=data_dir) as api:
        alice, bob = await api.make_user("alice"), await api.make_user("bob")
        await follow(api, alice, bob)
        original = await post(api, bob, "hello #world")
        await api.client.post(f"/api/v1/statuses/{original['id']}/favourite", headers=alice.headers)
        await api.client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=alice.headers)
        await post(api, alice, "@bob hi there", in_reply_to_id=original["id"])
        await drain(api)
    out = tmp_path / "events.jsonl"
    env = {f"ROOKERY_{key.upper()}": str(value) for key, value in api_settings_overrides.items()}
    env.update(ROOKERY_MODERATION_ENABLED="false", PATH="/usr/bin:/bin")  # the same stores as the app
    command = [sys.executable, "-m", "rookery.workloads.cli", "admin", "export-events", "--out", str(out)]
    done = await asyncio.to_thread(
        subprocess.run,
        [*command, "--data-dir", str(data_dir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    from rookery.inference.events import read_events

    events = read_events(out)
    kinds = sorted(e.type for e in events)
    assert kinds == sorted(["follow", "status", "favourite", "reblog", "status", "reply", "mention"])
    favourite = next(e for e in events if e.type == "favourite")
    assert (favourite.account_id, favourite.status_id, favourite.author_id) == (
        alice.id,
        original["id"],
        bob.id,
    )
    assert favourite.status_created_at is not None
    assert "exported 7 interaction events" in done.stderr


async def drain(api: Api) -> None:
    await settle(api)
    await settle(api)


def test_export_events_needs_out() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rookery.workloads.cli", "admin", "export-events"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--out" in done.stderr
