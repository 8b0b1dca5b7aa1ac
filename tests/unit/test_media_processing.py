"""Media sniffing and processing: the type comes from the bytes, bad files are refused, EXIF goes."""

from __future__ import annotations

import io

import blurhash
import pytest
from PIL import Image

from rookery.workloads.domain.media import Focus, MediaRejected
from rookery.workloads.services import imaging
from rookery.workloads.services.imaging import Limits

LIMITS = Limits(max_image_bytes=2 * 1024 * 1024, max_video_bytes=4 * 1024 * 1024, max_pixels=4_000_000)


def image_bytes(
    fmt: str, size: tuple[int, int] = (800, 400), exif: Image.Exif | None = None, mode: str = "RGB"
) -> bytes:
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128))
    for x in range(0, size[0], 10):  # some structure so the encoders do real work
        image.putpixel((x, x % size[1]), (0, 0, 0) if mode == "RGB" else (0, 0, 0, 255))
    out = io.BytesIO()
    kwargs = {"exif": exif.tobytes()} if exif is not None else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 CW to display
    exif[0x010F] = "SecretCameraMaker"
    exif[0x0131] = "SecretSoftware"
    return exif


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
def test_images_are_identified_by_their_bytes(fmt: str, content_type: str) -> None:
    sniffed = imaging.sniff(image_bytes(fmt), LIMITS)
    assert sniffed.format == fmt
    assert sniffed.content_type == content_type
    assert sniffed.type == "image"
    assert sniffed.dimensions is not None and (sniffed.dimensions.width, sniffed.dimensions.height) == (
        800,
        400,
    )


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n" + b"0" * 400,  # a PDF named photo.jpg is still a PDF
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        b"\x7fELF" + b"\x00" * 200,
        image_bytes("BMP"),  # a real image in a format we do not take
        image_bytes("TIFF"),
    ],
)
def test_other_types_are_refused(data: bytes) -> None:
    with pytest.raises(MediaRejected, match="unsupported file type") as caught:
        imaging.sniff(data, LIMITS)
    assert caught.value.status == 422


def test_empty_file_is_refused() -> None:
    with pytest.raises(MediaRejected, match="empty"):
        imaging.sniff(b"", LIMITS)


def test_truncated_image_is_refused() -> None:
    data = image_bytes("PNG")
    with pytest.raises(MediaRejected, match="corrupt or truncated"):
        imaging.sniff(data[: len(data) // 2], LIMITS)
    jpeg = image_bytes("JPEG")
    with pytest.raises(MediaRejected, match="corrupt or truncated"):
        imaging.sniff(jpeg[: len(jpeg) // 2], LIMITS)


def test_oversize_file_is_refused_with_413() -> None:
    with pytest.raises(MediaRejected) as caught:
        imaging.sniff(image_bytes("PNG"), Limits(max_image_bytes=1000))
    assert caught.value.status == 413


def test_decompression_bomb_is_refused() -> None:
    # a 10000 x 10000 one-colour PNG is tiny on disk and 100 megapixels in memory
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    assert len(out.getvalue()) < 100_000
    with pytest.raises(MediaRejected, match="pixels"):
        imaging.sniff(out.getvalue(), LIMITS)


def test_video_magic_bytes() -> None:
    mp4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64
    webm = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 64
    assert imaging.sniff(mp4, LIMITS).format == "MP4"
    assert imaging.sniff(webm, LIMITS).content_type == "video/webm"
    heic = b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64
    with pytest.raises(MediaRejected):
        imaging.sniff(heic, LIMITS)


def test_processing_strips_exif_and_honours_orientation() -> None:
    data = image_bytes("JPEG", (800, 400), exif=camera_exif())
    assert b"SecretCameraMaker" in data
    processed = imaging.process_image(data, "JPEG", LIMITS)
    original = processed.original
    assert b"SecretCameraMaker" not in original.data and b"SecretSoftware" not in original.data
    with Image.open(io.BytesIO(original.data)) as image:
        assert dict(image.getexif()) == {}
        assert image.size == (400, 800)  # rotated upright
    assert original.dimensions is not None and (original.dimensions.width, original.dimensions.height) == (
        400,
        800,
    )
    small = processed.small
    assert small is not None and small.dimensions is not None
    assert (small.dimensions.width, small.dimensions.height) == (320, 640)
    with Image.open(io.BytesIO(small.data)) as image:
        assert image.format == "JPEG" and image.size == (320, 640)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_processing_keeps_format_and_drops_metadata(fmt: str) -> None:
    data = image_bytes(fmt, (300, 200), exif=camera_exif())
    processed = imaging.process_image(data, fmt, LIMITS)
    assert b"SecretCameraMaker" not in processed.original.data
    with Image.open(io.BytesIO(processed.original.data)) as image:
        assert image.format == fmt
        assert dict(image.getexif()) == {}


def test_transparent_png_gets_a_png_preview() -> None:
    processed = imaging.process_image(image_bytes("PNG", (1000, 1000), mode="RGBA"), "PNG", LIMITS)
    assert processed.small is not None and processed.small.content_type == "image/png"


def test_blurhash_decodes_to_the_image_colour() -> None:
    processed = imaging.process_image(image_bytes("PNG", (64, 64)), "PNG", LIMITS)
    assert processed.blurhash is not None
    pixels = blurhash.decode(processed.blurhash, 4, 4)
    red, green, blue = pixels[2][2][:3]
    assert red > 150 and green < 80 and blue < 80


def test_animated_gif_keeps_its_frames() -> None:
    frames = [Image.new("RGB", (40, 40), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(
        out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0, comment=b"secret"
    )
    data = out.getvalue()
    assert b"secret" in data
    with Image.open(io.BytesIO(data)) as source:
        assert source.n_frames == 3
    imaging.sniff(data, LIMITS)
    processed = imaging.process_image(data, "GIF", LIMITS)
    assert b"secret" not in processed.original.data
    with Image.open(io.BytesIO(processed.original.data)) as image:
        assert getattr(image, "n_frames", 1) == 3


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0.5,-0.25", Focus(0.5, -0.25)), ("-1,1", Focus(-1.0, 1.0)), ("", None), (None, None)],
)
def test_focus_parses(raw: str | None, expected: Focus | None) -> None:
    assert Focus.parse(raw) == expected


@pytest.mark.parametrize("raw", ["1.5,0", "0", "a,b", "0,0,0", "nan,0"])
def test_bad_focus_is_refused(raw: str) -> None:
    with pytest.raises(MediaRejected):
        Focus.parse(raw)
