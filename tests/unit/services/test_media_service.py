"""MediaService: uploads, processing, who may use an attachment, delete & redraft, orphans."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from services_support import House

from rookery.workloads.domain.events import Event
from rookery.workloads.domain.media import MediaAttachment, MediaNotFound, MediaRejected
from rookery.workloads.domain.statuses import Draft
from rookery.workloads.ids import new_id


def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(out, format="PNG")
    return out.getvalue()


async def test_an_upload_is_processed_once_and_only_then_postable(house: House) -> None:
    alice = await house.user()
    media = await house.media.upload(alice.id, png(), "a red square", "0.5,-0.5")
    assert (media.type, media.state, media.description) == ("image", "processing", "a red square")
    assert media.original is not None and (media.original.width, media.original.height) == (64, 48)
    ready = await house.media.process(media.id)
    assert ready is not None and ready.state == "ready" and ready.url and ready.preview_url and ready.blurhash
    assert (await house.media.process(media.id)) == ready  # idempotent
    status = await house.posts.create(alice.id, Draft(""), media_ids=[media.id])  # media alone is enough
    assert status.media_ids == (media.id,)
    assert (await house.media.get(alice.id, media.id)).status_id == status.id
    rendered = await house.media.rendered_for_statuses([status.id])
    assert [m["id"] for m in rendered[status.id]] == [str(media.id)]


async def test_what_a_status_may_not_carry(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    # an upload the media consumer has not reached yet (added without its MediaUploaded event)
    waiting = MediaAttachment(new_id(), alice.id, "image", "image/png", 10)
    await house.media_repository.add(waiting)
    with pytest.raises(MediaRejected, match="not finished"):
        await house.media.attachments_for(alice.id, [waiting.id])
    pending = await house.media.upload(alice.id, png())
    await house.media.process(pending.id)
    with pytest.raises(MediaRejected, match="not found"):  # someone else's
        await house.media.attachments_for(bob.id, [pending.id])
    await house.posts.create(alice.id, Draft("with media"), media_ids=[pending.id])
    with pytest.raises(MediaRejected, match="already attached"):
        await house.posts.create(alice.id, Draft("again"), media_ids=[pending.id])
    with pytest.raises(MediaRejected):
        await house.media.attachments_for(alice.id, [1, 2, 3, 4, 5])
    with pytest.raises(MediaRejected):
        await house.media.upload(alice.id, b"this is not an image at all")


async def test_only_the_owner_reads_and_edits_an_unattached_upload(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    media = await house.media.upload(alice.id, png())
    with pytest.raises(MediaNotFound):
        await house.media.get(bob.id, media.id)
    with pytest.raises(MediaNotFound):
        await house.media.update(bob.id, media.id, "mine", None)
    updated = await house.media.update(alice.id, media.id, "described later", "0.0,0.0")
    assert updated.description == "described later"
    assert (await house.media.update(alice.id, media.id, "", None)).description is None
    await house.media.process(media.id)
    await house.posts.create(alice.id, Draft("posted"), media_ids=[media.id])
    with pytest.raises(MediaNotFound):  # part of a status now
        await house.media.update(alice.id, media.id, "too late", None)


async def test_a_deleted_status_gives_its_media_back_and_orphans_are_swept(house: House) -> None:
    alice = await house.user()
    media = await house.media.upload(alice.id, png())
    await house.media.process(media.id)
    status = await house.posts.create(alice.id, Draft("redraft me"), media_ids=[media.id])
    await house.posts.delete(alice.id, status.id)
    await house.settle()
    await house.media.handle_status_event(  # what the media-statuses consumer does
        Event("StatusDeleted", key=str(alice.id), payload={"status_id": str(status.id)})
    )
    assert (await house.media.get(alice.id, media.id)).status_id is None
    assert await house.media.remove_orphans(dt.timedelta(days=1)) == 0  # too young
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    assert await house.media.remove_orphans(dt.timedelta(days=1), now=later) == 1
    with pytest.raises(MediaNotFound):
        await house.media.get(alice.id, media.id)


async def test_describing_and_processing_keep_each_others_writes(house: House) -> None:
    alice = await house.user()
    media = await house.media.upload(alice.id, png(), None, None)
    described = await house.media.update(alice.id, media.id, "a red square", "0.25,0.75")
    assert described.state == "processing" and described.description == "a red square"
    ready = await house.media.process(media.id)
    assert ready is not None and ready.state == "ready" and ready.description == "a red square"
    again = await house.media.update(alice.id, media.id, "still red", None)
    assert again.state == "ready" and again.url == ready.url and again.description == "still red"
    assert again.focus is not None and (again.focus.x, again.focus.y) == (0.25, 0.75)
