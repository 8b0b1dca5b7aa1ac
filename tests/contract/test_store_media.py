"""MediaRepository contract: SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

from postgres_stores import StoreDb

from rookery.workloads.domain.events import MEDIA, Event
from rookery.workloads.domain.media import FAILED, READY, Dimensions, Focus, MediaAttachment
from rookery.workloads.ids import new_id

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


def upload(account_id: int = 1, **fields: object) -> MediaAttachment:
    return MediaAttachment(
        id=new_id(), account_id=account_id, type="image", content_type="image/png", file_size=10,
        created_at=NOW, **fields,  # type: ignore[arg-type]
    )  # fmt: skip


async def test_add_round_trips_and_writes_the_outbox(store_db: StoreDb) -> None:
    repo = store_db.media()
    media = upload(description="a cat", focus=Focus(0.5, -0.25), extra_meta={"duration": 1.5})
    await repo.add(media, [(MEDIA, Event("MediaUploaded", "1", {"media_id": media.id}))])
    assert await repo.get(media.id) == media
    assert [e.type for _, _, e in await store_db.outbox.pending(10)] == ["MediaUploaded"]
    assert await repo.get(new_id()) is None
    assert await repo.get_many([media.id, new_id()]) == {media.id: media}
    assert await repo.get_many([]) == {}


async def test_processing_and_description_write_their_own_fields(store_db: StoreDb) -> None:
    repo = store_db.media()
    media = upload()
    await repo.add(media)
    ready = dataclasses.replace(
        media, state=READY, url="https://cdn/x.png", preview_url="https://cdn/x-small.png", blurhash="LEHV6n",
        original=Dimensions(64, 48), small=Dimensions(32, 24), description="d", focus=Focus(0.0, 1.0),
    )  # fmt: skip
    await repo.record_processing(ready)
    await repo.describe(media.id, "d", Focus(0.0, 1.0))
    assert await repo.get(media.id) == ready


async def test_a_description_written_during_processing_survives_it(store_db: StoreDb) -> None:
    # the service read the row (no description yet), processed, and writes its outcome after the
    # owner described the attachment: both are kept, whichever lands last
    repo = store_db.media()
    media = upload()
    await repo.add(media)
    read_before = await repo.get(media.id)
    assert read_before is not None
    await repo.describe(media.id, "a green field", Focus(0.25, -0.5))
    await repo.record_processing(dataclasses.replace(read_before, state=READY, url="https://cdn/y.png"))
    found = await repo.get(media.id)
    assert found is not None and found.state == READY and found.url == "https://cdn/y.png"
    assert found.description == "a green field" and found.focus == Focus(0.25, -0.5)
    # and the other way round: a description from a stale read never puts processing back
    await repo.describe(media.id, None, None)
    found = await repo.get(media.id)
    assert found is not None and found.state == READY and found.description is None and found.focus is None


async def test_attach_is_all_or_none(store_db: StoreDb) -> None:
    repo = store_db.media()
    mine, other, broken = upload(1), upload(2), upload(1, state=FAILED)
    for media in (mine, other, broken):
        await repo.add(media)
    assert await repo.attach(1, [mine.id, other.id], 500) is False  # another account's
    assert await repo.attach(1, [mine.id, broken.id], 500) is False  # failed processing
    assert (await repo.get(mine.id)).status_id is None
    assert await repo.attach(1, [mine.id], 500) is True
    assert await repo.attach(1, [mine.id], 501) is False  # already attached
    assert await repo.attach(1, [], 501) is True
    second = upload(1)
    await repo.add(second)
    assert await repo.attach(1, [second.id], 500) is True
    grouped = await repo.for_statuses([500, 501])
    assert [m.id for m in grouped[500]] == [mine.id, second.id] and 501 not in grouped
    await repo.delete(mine.id)
    assert await repo.get(mine.id) is None


async def test_detach_gives_the_media_of_deleted_statuses_back(store_db: StoreDb) -> None:
    repo = store_db.media()
    first, second, foreign = upload(1), upload(1), upload(2)
    for media in (first, second, foreign):
        await repo.add(media)
    assert await repo.attach(1, [first.id, second.id], 700) is True
    assert await repo.attach(2, [foreign.id], 701) is True
    assert await repo.detach([700, 999]) == 2
    assert (await repo.get(first.id)).status_id is None
    assert (await repo.get(foreign.id)).status_id == 701
    assert await repo.detach([]) == 0
    assert await repo.attach(1, [first.id], 702) is True  # delete & redraft


async def test_unattached_before_finds_old_orphans_only(store_db: StoreDb) -> None:
    repo = store_db.media()
    old_orphan = upload(1)  # created at NOW
    old_attached = upload(1)
    young = dataclasses.replace(upload(1), created_at=NOW + dt.timedelta(hours=30))
    for media in (old_orphan, old_attached, young):
        await repo.add(media)
    assert await repo.attach(1, [old_attached.id], 900) is True
    cutoff = NOW + dt.timedelta(hours=1)
    assert await repo.unattached_before(cutoff, 10) == [old_orphan.id]
    assert await repo.unattached_before(NOW, 10) == []  # strictly before
    assert await repo.unattached_before(NOW + dt.timedelta(days=2), 1) == [
        old_orphan.id
    ]  # oldest first, limited


async def test_delete_unattached_spares_posted_and_foreign_media(store_db: StoreDb) -> None:
    repo = store_db.media()
    loose, posted, foreign = upload(), upload(), upload(account_id=2)
    for media in (loose, posted, foreign):
        await repo.add(media)
    assert await repo.attach(1, [posted.id], 800) is True
    assert await repo.delete_unattached(1, posted.id) is False  # a status carries it
    assert await repo.delete_unattached(1, foreign.id) is False  # another account's
    assert await repo.delete_unattached(1, loose.id) is True
    assert await repo.delete_unattached(1, loose.id) is False  # already gone
    assert set(await repo.get_many([loose.id, posted.id, foreign.id])) == {posted.id, foreign.id}
