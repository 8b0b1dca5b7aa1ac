"""MediaStore port contract: local disk and Cloudinary (against the local Cloudinary double)."""

from __future__ import annotations

import io
import pathlib
from collections.abc import AsyncIterator

import httpx
import pytest
from cloudinary_double import CloudinaryDouble, documented_signature, running_double
from PIL import Image

from rookery.workloads.adapters.cloudinary.media import CloudinaryMediaStore
from rookery.workloads.adapters.local.media import LocalMediaStore
from rookery.workloads.domain.media import ORIGINAL, SMALL, UPLOAD
from rookery.workloads.domain.unavailable import StoreUnavailable
from rookery.workloads.ports.media import MediaStore


def png(width: int, height: int, colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(params=["local", "cloudinary"])
async def store(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> AsyncIterator[MediaStore]:
    if request.param == "local":
        yield LocalMediaStore(tmp_path / "media", "http://127.0.0.1:8080")
        return
    async with running_double() as double:
        media = CloudinaryMediaStore.from_url(
            double.url, folder="rookery/test", upload_prefix=double.base_url
        )
        yield media
        await media.close()
        assert double.rejected == []  # every request the adapter made was signed as documented


@pytest.fixture
async def double() -> AsyncIterator[CloudinaryDouble]:
    async with running_double() as running:
        yield running


async def test_put_get_round_trip(store: MediaStore) -> None:
    original, small = png(64, 48), png(16, 12, "blue")
    url = await store.put(101, ORIGINAL, original, "image/png")
    small_url = await store.put(101, SMALL, small, "image/png")
    assert url.startswith("http") and small_url.startswith("http") and url != small_url
    assert await store.get(101, ORIGINAL) == original
    assert await store.get(101, SMALL) == small


async def test_private_upload_has_no_url(store: MediaStore) -> None:
    raw = b"\x00raw upload bytes, not yet sniffed"
    assert await store.put(102, UPLOAD, raw, "application/octet-stream") == ""
    assert await store.get(102, UPLOAD) == raw


async def test_missing_is_none(store: MediaStore) -> None:
    assert await store.get(999, ORIGINAL) is None
    assert await store.get(999, UPLOAD) is None


async def test_put_again_replaces(store: MediaStore) -> None:
    await store.put(103, ORIGINAL, png(10, 10), "image/png")
    replacement = png(20, 20, "green")
    await store.put(103, ORIGINAL, replacement, "image/png")
    assert await store.get(103, ORIGINAL) == replacement


async def test_delete_one_variant_or_all(store: MediaStore) -> None:
    for variant in (ORIGINAL, SMALL):
        await store.put(104, variant, png(8, 8), "image/png")
    await store.put(104, UPLOAD, b"raw", "application/octet-stream")
    await store.put(105, ORIGINAL, png(8, 8), "image/png")
    await store.delete(104, UPLOAD)
    assert await store.get(104, UPLOAD) is None
    assert await store.get(104, ORIGINAL) is not None
    await store.delete(104)
    assert await store.get(104, ORIGINAL) is None and await store.get(104, SMALL) is None
    assert await store.get(105, ORIGINAL) is not None  # the other attachment is untouched
    await store.delete(104)  # deleting what is gone is fine
    await store.delete(104, SMALL)


# -- Cloudinary specifics ----------------------------------------------------------------------


async def test_cloudinary_signed_upload_request(double: CloudinaryDouble) -> None:
    media = CloudinaryMediaStore.from_url(double.url, folder="rookery/acme", upload_prefix=double.base_url)
    data = png(40, 30)
    url = await media.put(7, ORIGINAL, data, "image/png")
    await media.close()
    (kind, resource_type, params) = double.requests[-1]
    assert (kind, resource_type) == ("upload", "image")
    assert params["public_id"] == "rookery/acme/7/original"
    assert params["api_key"] == double.api_key and params["type"] == "upload"
    assert params["signature"] == documented_signature(params, double.api_secret)
    assert "api_secret" not in params  # the secret signs, it never travels
    assert double.rejected == []
    # the returned delivery URL serves the bytes (the double plays the CDN)
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200 and response.content == data
    assert url.endswith("/rookery/acme/7/original.png")


async def test_cloudinary_raw_upload_is_private(double: CloudinaryDouble) -> None:
    media = CloudinaryMediaStore.from_url(double.url, upload_prefix=double.base_url)
    await media.put(8, UPLOAD, b"raw", "application/octet-stream")
    await media.close()
    assert list(double.assets) == [("raw", "private", "rookery/8/upload")]


async def test_cloudinary_wrong_secret_is_refused(double: CloudinaryDouble) -> None:
    forged = f"cloudinary://{double.api_key}:not-the-secret@{double.cloud_name}"
    media = CloudinaryMediaStore.from_url(forged, upload_prefix=double.base_url)
    with pytest.raises(StoreUnavailable):
        await media.put(9, ORIGINAL, png(4, 4), "image/png")
    await media.close()
    assert double.rejected == ["Invalid Signature"] and double.assets == {}


def test_cloudinary_url_must_carry_credentials() -> None:
    with pytest.raises(ValueError, match="cloudinary://"):
        CloudinaryMediaStore.from_url("cloudinary://just-a-cloud")


async def test_cloudinary_url_may_name_its_upload_prefix(double: CloudinaryDouble) -> None:
    """CLOUDINARY_URL's query carries options, as Cloudinary's SDKs read it: one Secret key is enough."""
    media = CloudinaryMediaStore.from_url(f"{double.url}?upload_prefix={double.base_url}")
    url = await media.put(10, ORIGINAL, png(8, 8), "image/png")
    await media.close()
    assert url.startswith(double.base_url) and double.rejected == []
    assert list(double.assets) == [("image", "upload", "rookery/10/original")]


def test_cloudinary_url_upload_prefix_must_be_http() -> None:
    with pytest.raises(ValueError, match="upload_prefix"):
        CloudinaryMediaStore.from_url("cloudinary://key:secret@cloud?upload_prefix=ftp://elsewhere")
