"""Media uploads over HTTP: async processing, variants, EXIF stripping, bad uploads leave no trace."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import pathlib
from typing import Any

import pytest
from api_support import Api, User
from PIL import Image

from rookery.workloads.domain.media import MediaRejected


def png(size: tuple[int, int] = (1200, 800), colour: tuple[int, int, int] = (20, 120, 220)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif(size: tuple[int, int] = (800, 400)) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees to display
    exif[0x010F] = "SecretCameraMaker"
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def stored_files(api: Api) -> list[pathlib.Path]:
    root = api.settings.data_dir / "media"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


async def media_rows(api: Api) -> int:
    postgres = api.container.infra.postgres  # production mode keeps the records there
    if postgres is not None:
        return int(await postgres.fetchval("SELECT COUNT(*) FROM media_attachments"))
    row = await api.container.infra.db.fetchone("SELECT COUNT(*) AS n FROM media_attachments")
    return int(row["n"])


async def small_png_uploaded(api: Api, user: User, name: str) -> dict[str, Any]:
    """POST /api/v1/media of a 20x20 PNG: the attachment."""
    files = {"file": (name, png((20, 20)), "image/png")}
    return dict((await api.client.post("/api/v1/media", headers=user.headers, files=files)).json())


async def wait_processed(api: Api, user: User, media_id: str) -> dict[str, Any]:
    for _ in range(200):
        response = await api.client.get(f"/api/v1/media/{media_id}", headers=user.headers)
        if response.status_code == 200:
            return dict(response.json())
        assert response.status_code == 206, response.text
        assert response.json()["url"] is None
        await asyncio.sleep(0.05)
    raise AssertionError("media was not processed in 10 s")


async def test_v2_upload_is_processed_off_the_request_path(api: Api) -> None:
    alice = await api.make_user("alice")
    response = await api.client.post(
        "/api/v2/media",
        headers=alice.headers,
        files={"file": ("picture.png", png(), "image/png")},
        data={"description": "A blue square", "focus": "0.5,-0.25"},
    )
    assert response.status_code in (200, 202), response.text
    accepted = response.json()
    if response.status_code == 202:
        assert accepted["url"] is None
    assert accepted["type"] == "image"
    media = await wait_processed(api, alice, accepted["id"])
    assert media["id"] == accepted["id"]
    assert media["description"] == "A blue square"
    assert media["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert media["meta"]["original"] == {"width": 1200, "height": 800, "size": "1200x800", "aspect": 1.5}
    assert media["meta"]["small"]["width"] == 640 and media["meta"]["small"]["height"] == 427
    assert media["remote_url"] is None and media["text_url"] is None
    assert isinstance(media["blurhash"], str) and len(media["blurhash"]) >= 6
    assert media["url"].startswith("http://testserver/system/media/")

    original = await api.client.get(media["url"].removeprefix("http://testserver"))
    assert original.status_code == 200
    with Image.open(io.BytesIO(original.content)) as image:
        assert image.format == "PNG" and image.size == (1200, 800)
    small = await api.client.get(media["preview_url"].removeprefix("http://testserver"))
    assert small.status_code == 200
    with Image.open(io.BytesIO(small.content)) as image:
        assert image.size == (640, 427)
    # the raw upload is gone once processed; only the public variants remain
    assert sorted(path.name for path in stored_files(api)) == ["original.png", "small.jpg"]


async def test_v1_upload_strips_exif_and_honours_orientation(api: Api) -> None:
    alice = await api.make_user("alice")
    data = jpeg_with_exif()
    assert b"SecretCameraMaker" in data
    response = await api.client.post(
        "/api/v1/media", headers=alice.headers, files={"file": ("IMG_0001.JPG", data, "image/jpeg")}
    )
    assert response.status_code == 200, response.text
    media = response.json()
    assert media["url"] is not None
    assert media["meta"]["original"]["width"] == 400 and media["meta"]["original"]["height"] == 800
    served = await api.client.get(media["url"].removeprefix("http://testserver"))
    assert b"SecretCameraMaker" not in served.content
    with Image.open(io.BytesIO(served.content)) as image:
        assert dict(image.getexif()) == {}
        assert image.size == (400, 800)


async def test_type_comes_from_the_bytes_not_the_name(api: Api) -> None:
    alice = await api.make_user("alice")
    response = await api.client.post(
        "/api/v1/media", headers=alice.headers, files={"file": ("not-a-png.txt", png((50, 50)), "text/plain")}
    )
    assert response.status_code == 200, response.text
    assert response.json()["url"].endswith(".png")


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")
    return out.getvalue()


BAD_UPLOADS = {
    "pdf disguised as jpeg": (
        {"file": ("photo.jpg", b"%PDF-1.7\n" + b"1" * 2000, "image/jpeg")},
        422,
        "unsupported",
    ),
    "html disguised as png": (
        {"file": ("x.png", b"<html><script>alert(1)</script></html>", "image/png")},
        422,
        "unsupported",
    ),
    "truncated png": ({"file": ("cut.png", png((300, 300))[:400], "image/png")}, 422, "corrupt"),
    "empty file": ({"file": ("empty.png", b"", "image/png")}, 422, "empty"),
    "decompression bomb": ({"file": ("bomb.png", _bomb(), "image/png")}, 422, "pixels"),
    "oversize": (
        {"file": ("big.png", png((900, 900), (1, 2, 3)) + b"\0" * 300_000, "image/png")},
        413,
        "larger",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
@pytest.mark.parametrize("endpoint", ["/api/v1/media", "/api/v2/media"])
async def test_bad_uploads_are_refused_and_nothing_is_stored(
    app_factory: Any, case: str, endpoint: str
) -> None:
    async with app_factory(media_max_image_bytes=200_000) as api:
        alice = await api.make_user("alice")
        files, status, message = BAD_UPLOADS[case]
        response = await api.client.post(
            endpoint, headers=alice.headers, files=files, data={"description": "x"}
        )
        assert response.status_code == status, response.text
        assert message in response.json()["error"]
        assert stored_files(api) == []
        assert await media_rows(api) == 0


async def test_missing_file_field_and_bad_fields(api: Api) -> None:
    alice = await api.make_user("alice")
    missing = await api.client.post("/api/v2/media", headers=alice.headers, data={"description": "no file"})
    assert missing.status_code == 422 and "file is required" in missing.json()["error"]
    wrong_name = await api.client.post(
        "/api/v2/media", headers=alice.headers, files={"upload": ("a.png", png((10, 10)), "image/png")}
    )
    assert wrong_name.status_code == 422
    bad_focus = await api.client.post(
        "/api/v2/media",
        headers=alice.headers,
        files={"file": ("a.png", png((10, 10)), "image/png")},
        data={"focus": "2,0"},
    )
    assert bad_focus.status_code == 422 and "focus" in bad_focus.json()["error"]
    # too long; a NUL, which PostgreSQL stores in no text (refused in both modes before anything is
    # stored: it was a 500 in production, found by the fuzz test)
    for description, says in (("x" * 1501, "longer"), ("a\x00b", "NUL")):
        refused = await api.client.post(
            "/api/v2/media",
            headers=alice.headers,
            files={"file": ("a.png", png((10, 10)), "image/png")},
            data={"description": description},
        )
        assert refused.status_code == 422 and says in refused.json()["error"], refused.text
    assert stored_files(api) == [] and await media_rows(api) == 0


async def test_auth_and_scopes(api: Api) -> None:
    anonymous = await api.client.post("/api/v2/media", files={"file": ("a.png", png((10, 10)), "image/png")})
    assert anonymous.status_code == 401
    reader = await api.make_user("reader", scopes="read")
    refused = await api.client.post(
        "/api/v2/media", headers=reader.headers, files={"file": ("a.png", png((10, 10)), "image/png")}
    )
    assert refused.status_code == 403
    assert stored_files(api) == [] and await media_rows(api) == 0


async def test_update_and_ownership(api: Api) -> None:
    alice = await api.make_user("alice")
    mallory = await api.make_user("mallory")
    created = await api.client.post(
        "/api/v1/media", headers=alice.headers, files={"file": ("a.png", png((64, 64)), "image/png")}
    )
    media_id = created.json()["id"]
    updated = await api.client.put(
        f"/api/v1/media/{media_id}", headers=alice.headers, data={"description": "new words", "focus": "-1,1"}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["description"] == "new words"
    assert updated.json()["meta"]["focus"] == {"x": -1.0, "y": 1.0}
    again = await api.client.get(f"/api/v1/media/{media_id}", headers=alice.headers)
    assert again.json()["description"] == "new words"

    # another account neither sees nor edits it; unknown and malformed ids are 404
    assert (await api.client.get(f"/api/v1/media/{media_id}", headers=mallory.headers)).status_code == 404
    stolen = await api.client.put(
        f"/api/v1/media/{media_id}", headers=mallory.headers, data={"description": "pwned"}
    )
    assert stolen.status_code == 404
    assert (await api.client.get("/api/v1/media/999999", headers=alice.headers)).status_code == 404
    assert (await api.client.get("/api/v1/media/abc", headers=alice.headers)).status_code == 404
    bad = await api.client.put(f"/api/v1/media/{media_id}", headers=alice.headers, data={"focus": "x"})
    assert bad.status_code == 422
    still = await api.client.get(f"/api/v1/media/{media_id}", headers=alice.headers)
    assert still.json()["description"] == "new words"


@pytest.mark.parametrize(
    "path",
    [
        "/system/media/../rookery.db",
        "/system/media/%2e%2e/rookery.db",
        "/system/media/..%2frookery.db",
        "/system/media/%2e%2e%2f%2e%2e%2fkeys/signing-key.pem",
        "/system/media/../private/1/upload",
        "/system/media//etc/passwd",
    ],
)
async def test_media_files_cannot_escape_their_directory(api: Api, path: str) -> None:
    alice = await api.make_user("alice")
    await api.client.post(
        "/api/v2/media", headers=alice.headers, files={"file": ("a.png", png((10, 10)), "image/png")}
    )
    response = await api.client.get(path)
    assert response.status_code in (400, 404), (path, response.status_code)
    assert b"SQLite" not in response.content and b"PRIVATE KEY" not in response.content


async def test_attachments_for_statuses(api: Api) -> None:
    media = api.container.media.service
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    first = await small_png_uploaded(api, alice, "a.png")
    second = await small_png_uploaded(api, bob, "b.png")
    mine = await media.attachments_for(alice.account_id, [int(first["id"])])
    assert [m.id for m in mine] == [int(first["id"])]
    with pytest.raises(MediaRejected, match="not found"):
        await media.attachments_for(alice.account_id, [int(second["id"])])  # bob's
    with pytest.raises(MediaRejected, match="not found"):
        await media.attachments_for(alice.account_id, [123456789])
    with pytest.raises(MediaRejected, match="at most"):
        await media.attachments_for(alice.account_id, [1, 2, 3, 4, 5])
    await media.attach(alice.account_id, [int(first["id"])], status_id=42)
    with pytest.raises(MediaRejected, match="already attached"):
        await media.attachments_for(alice.account_id, [int(first["id"])])
    rendered = await media.rendered_for_statuses([42, 43])
    assert [m["id"] for m in rendered[42]] == [first["id"]] and 43 not in rendered
    # attached media can no longer be edited
    locked = await api.client.put(
        f"/api/v1/media/{first['id']}", headers=alice.headers, data={"description": "late"}
    )
    assert locked.status_code == 404


async def test_openapi_documents_media(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    assert "/api/v2/media" in spec["paths"] and "/api/v1/media/{media_id}" in spec["paths"]


async def test_status_with_media_over_http(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    uploaded = await api.client.post(
        "/api/v2/media",
        headers=alice.headers,
        files={"file": ("a.png", png((300, 200)), "image/png")},
        data={"description": "alt text"},
    )
    media_id = uploaded.json()["id"]
    media = await wait_processed(api, alice, media_id)
    created = await api.client.post(
        "/api/v1/statuses", headers=alice.headers, data={"status": "look", "media_ids[]": [media_id]}
    )
    assert created.status_code == 200, created.text
    attachments = created.json()["media_attachments"]
    assert [a["id"] for a in attachments] == [media_id]
    assert attachments[0]["url"] == media["url"] and attachments[0]["description"] == "alt text"
    # reusing an attached id, or someone else's, is refused and creates nothing
    again = await api.client.post(
        "/api/v1/statuses", headers=alice.headers, data={"status": "again", "media_ids[]": [media_id]}
    )
    assert again.status_code == 422
    foreign = await api.client.post(
        "/api/v1/statuses", headers=bob.headers, data={"status": "mine now", "media_ids[]": [media_id]}
    )
    assert foreign.status_code == 422
    statuses = await api.client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)
    assert [s["content"] for s in statuses.json()] == ["<p>look</p>"]


def make_video(suffix: str, tmp_path: pathlib.Path) -> bytes:
    import subprocess

    from rookery.workloads.services.imaging import ffmpeg_path

    ffmpeg = ffmpeg_path()
    assert ffmpeg, "imageio-ffmpeg ships an ffmpeg binary"
    out = tmp_path / f"clip{suffix}"
    codec = ["-c:v", "libvpx-vp9"] if suffix == ".webm" else ["-pix_fmt", "yuv420p"]
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=1:size=320x240:rate=10",
         "-metadata", "title=SecretClipTitle", *codec, str(out)],
        check=True,
        timeout=120,
    )  # fmt: skip
    return out.read_bytes()


@pytest.mark.parametrize(("suffix", "content_type"), [(".mp4", "video/mp4"), (".webm", "video/webm")])
async def test_video_is_stored_without_metadata_and_with_a_poster(
    api: Api, tmp_path: pathlib.Path, suffix: str, content_type: str
) -> None:
    alice = await api.make_user("alice")
    data = make_video(suffix, tmp_path)
    assert b"SecretClipTitle" in data
    response = await api.client.post(
        "/api/v2/media", headers=alice.headers, files={"file": ("clip.bin", data, "application/octet-stream")}
    )
    assert response.status_code in (200, 202), response.text
    media = await wait_processed(api, alice, response.json()["id"])
    assert media["type"] == "video"
    assert media["url"].endswith(suffix) and media["preview_url"].endswith(".jpg")
    assert media["meta"]["original"]["width"] == 320 and media["meta"]["original"]["height"] == 240
    assert media["meta"]["original"]["duration"] == pytest.approx(1.0, abs=0.1)
    assert media["blurhash"]
    video = await api.client.get(media["url"].removeprefix("http://testserver"))
    assert video.status_code == 200 and video.headers["content-type"] == content_type
    assert b"SecretClipTitle" not in video.content
    poster = await api.client.get(media["preview_url"].removeprefix("http://testserver"))
    with Image.open(io.BytesIO(poster.content)) as image:
        assert image.size == (320, 240)


async def test_undecodable_video_is_refused_and_leaves_nothing(api: Api) -> None:
    alice = await api.make_user("alice")
    fake = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x13" * 5000  # right magic, no movie
    response = await api.client.post(
        "/api/v1/media", headers=alice.headers, files={"file": ("v.mp4", fake, "video/mp4")}
    )
    assert response.status_code == 422, response.text
    assert "video" in response.json()["error"]
    assert stored_files(api) == [] and await media_rows(api) == 0


async def test_delete_and_redraft_reuses_the_media(api: Api) -> None:
    alice, bob = await api.make_user("alice"), await api.make_user("bob")
    media = (
        await api.client.post(
            "/api/v1/media", headers=alice.headers, files={"file": ("a.png", png((30, 30)), "image/png")}
        )
    ).json()
    posted = await api.client.post(
        "/api/v1/statuses", headers=alice.headers, data={"status": "first try", "media_ids[]": [media["id"]]}
    )
    assert posted.status_code == 200, posted.text
    deleted = await api.client.delete(f"/api/v1/statuses/{posted.json()['id']}", headers=alice.headers)
    assert deleted.status_code == 200
    assert [m["id"] for m in deleted.json()["media_attachments"]] == [media["id"]]
    redraft: Any = None
    for _ in range(100):  # the media worker detaches it once StatusDeleted is consumed
        redraft = await api.client.post(
            "/api/v1/statuses",
            headers=alice.headers,
            data={"status": "second try", "media_ids[]": [media["id"]]},
        )
        if redraft.status_code == 200:
            break
        await asyncio.sleep(0.05)
    assert redraft.status_code == 200, redraft.text
    assert [m["id"] for m in redraft.json()["media_attachments"]] == [media["id"]]
    stolen = await api.client.post(
        "/api/v1/statuses", headers=bob.headers, data={"status": "mine", "media_ids[]": [media["id"]]}
    )
    assert stolen.status_code == 422


async def test_uploads_no_status_took_are_swept(api: Api) -> None:
    from rookery.workloads.workers.media import OrphanSweeper

    alice = await api.make_user("alice")
    kept = await small_png_uploaded(api, alice, "a.png")
    orphan = await small_png_uploaded(api, alice, "b.png")
    posted = await api.client.post(
        "/api/v1/statuses", headers=alice.headers, data={"status": "keep", "media_ids[]": [kept["id"]]}
    )
    assert posted.status_code == 200
    media = api.container.media.service
    sweeper = OrphanSweeper(media, api.container.infra.locks, max_age=dt.timedelta(hours=24), interval_s=0)
    assert await sweeper.sweep_once() == 0  # nothing is a day old yet
    assert (
        await media.remove_orphans(dt.timedelta(0), now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
        == 1
    )
    assert (await api.client.get(f"/api/v1/media/{orphan['id']}", headers=alice.headers)).status_code == 404
    assert (await api.client.get(orphan["url"].removeprefix("http://testserver"))).status_code == 404
    assert (await api.client.get(kept["url"].removeprefix("http://testserver"))).status_code == 200
    assert sorted(p.name for p in stored_files(api)) == ["original.png", "small.jpg"]
