"""CPU-bound media work (Pillow, optional ffmpeg): sniffing uploads by their bytes and making variants.

Everything here is synchronous and runs in the media service's thread pool, never on the event loop.
The type of an upload comes from its bytes only: Pillow identifies images (restricted to JPEG, PNG,
WebP and GIF), magic bytes identify MP4 and WebM; the file name and the client's content type are
ignored.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import tempfile
import warnings

import blurhash
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from rookery.workloads.domain.media import FORMATS, Dimensions, MediaRejected, MediaTooLarge

IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
ANIMATION_PIXEL_BUDGET = 400_000_000  # frames x width x height an animated GIF may decode to
ALLOWED_TYPES = "JPEG, PNG, WebP, GIF, MP4 or WebM"

# Pillow's own decompression-bomb guard (warning above, error above twice); MediaService sets it
# to the configured pixel limit and we treat the warning as an error too.
Image.MAX_IMAGE_PIXELS = 50_000_000


@dataclasses.dataclass(frozen=True, slots=True)
class Limits:
    max_image_bytes: int = 16 * 1024 * 1024
    max_video_bytes: int = 99 * 1024 * 1024
    max_pixels: int = 50_000_000  # width x height of one image
    small_size: int = 640  # the small variant fits in small_size x small_size


@dataclasses.dataclass(frozen=True, slots=True)
class Sniffed:
    format: str  # key of domain.media.FORMATS
    dimensions: Dimensions | None  # images only (videos: known after processing, when ffmpeg is there)

    @property
    def type(self) -> str:
        return FORMATS[self.format][0]

    @property
    def content_type(self) -> str:
        return FORMATS[self.format][1]


@dataclasses.dataclass(frozen=True, slots=True)
class Variant:
    data: bytes
    content_type: str
    dimensions: Dimensions | None


@dataclasses.dataclass(frozen=True, slots=True)
class Processed:
    original: Variant
    small: Variant | None
    blurhash: str | None
    extra_meta: dict[str, object] = dataclasses.field(default_factory=dict)


def sniff_video(data: bytes) -> str | None:
    """MP4 (ISO base media with a video brand) or WebM (EBML with the webm doctype), by magic bytes."""
    if len(data) >= 12 and data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis"):  # HEIF / AVIF images
            return None
        return "MP4"
    if data[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in data[:64]:
        return "WEBM"
    return None


def sniff(data: bytes, limits: Limits) -> Sniffed:
    """Identify and fully validate an upload; raises MediaRejected (422, or 413 for size)."""
    if not data:
        raise MediaRejected("file is empty")
    video = sniff_video(data)
    if video is not None:
        if len(data) > limits.max_video_bytes:
            raise MediaTooLarge(f"video is larger than {limits.max_video_bytes} bytes")
        return Sniffed(video, None)
    if len(data) > limits.max_image_bytes:
        raise MediaTooLarge(f"image is larger than {limits.max_image_bytes} bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as image:
                fmt = image.format or ""
                width, height = image.size
                if width * height > limits.max_pixels:
                    raise MediaRejected(f"image has more than {limits.max_pixels} pixels")
                if fmt not in IMAGE_FORMATS:
                    raise MediaRejected(f"unsupported file type; expected {ALLOWED_TYPES}")
                image.load()  # decode the (first) frame: truncated or corrupt data fails here
                if fmt == "GIF" and getattr(image, "is_animated", False):
                    _check_animation(image, limits)
    except MediaRejected:
        raise
    except UnidentifiedImageError:
        raise MediaRejected(f"unsupported file type; expected {ALLOWED_TYPES}") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRejected(f"image has more than {limits.max_pixels} pixels") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, MemoryError):
        raise MediaRejected("file is corrupt or truncated") from None
    return Sniffed(fmt, Dimensions(width, height))


def _check_animation(image: Image.Image, limits: Limits) -> None:
    budget = ANIMATION_PIXEL_BUDGET
    area = image.size[0] * image.size[1]
    for frame in ImageSequence.Iterator(image):
        budget -= area
        if budget < 0:
            raise MediaRejected("animation is too large (frames x pixels)")
        frame.load()


def _blurhash(image: Image.Image) -> str:
    tiny = image.convert("RGB")
    tiny.thumbnail((32, 32), Image.Resampling.BILINEAR)
    width, height = tiny.size
    pixels: list[tuple[int, int, int]] = list(tiny.get_flattened_data())  # type: ignore[arg-type]
    rows = [[list(pixels[y * width + x]) for x in range(width)] for y in range(height)]
    x_components = 4 if width >= height else 3
    y_components = 3 if width >= height else 4
    return str(blurhash.encode(rows, components_x=x_components, components_y=y_components))


def _encode(image: Image.Image, fmt: str) -> bytes:
    """Re-encode with no metadata at all (EXIF, XMP, ICC, comments, text chunks)."""
    image.info = {key: value for key, value in image.info.items() if key == "transparency"}
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85)  # optimize/progressive doubled the encode time of a photo
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=False)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=85)
    else:
        image.save(out, fmt)
    return out.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def process_image(data: bytes, fmt: str, limits: Limits) -> Processed:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        source = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
        source.load()
    content_type = FORMATS[fmt][1]
    if fmt == "GIF" and getattr(source, "is_animated", False):
        original = _encode_animation(source)
        source.seek(0)
        first = source.copy()
    else:
        upright = ImageOps.exif_transpose(source)  # a new image: orientation applied; EXIF dropped below
        original = _encode(upright, fmt)
        first = upright
    width, height = first.size
    alpha = _has_alpha(first)
    target = "RGBA" if alpha else "RGB"
    small = first if first.mode == target else first.convert(target)  # ``first`` is not needed after this
    small.thumbnail((limits.small_size, limits.small_size), Image.Resampling.LANCZOS)
    small_fmt = "PNG" if alpha else "JPEG"
    return Processed(
        original=Variant(original, content_type, Dimensions(width, height)),
        small=Variant(_encode(small, small_fmt), FORMATS[small_fmt][1], Dimensions(*small.size)),
        blurhash=_blurhash(small),
    )


def _encode_animation(source: Image.Image) -> bytes:
    frames = [frame.copy() for frame in ImageSequence.Iterator(source)]
    durations = [frame.info.get("duration", 100) for frame in frames]
    for frame in frames:
        frame.info = {key: value for key, value in frame.info.items() if key == "transparency"}
    out = io.BytesIO()
    frames[0].save(
        out,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        loop=source.info.get("loop", 0),
        duration=durations,
    )
    return out.getvalue()


def ffmpeg_path() -> str | None:
    """The system ffmpeg, else the one shipped inside the imageio-ffmpeg wheel."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        return None


_DURATION = re.compile(rb"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")


def process_video(data: bytes, fmt: str, limits: Limits) -> Processed:
    """Strip the video's metadata (GPS, titles) without re-encoding and grab a poster frame; with no
    ffmpeg at all the video is kept as uploaded."""
    content_type = FORMATS[fmt][1]
    ffmpeg = ffmpeg_path()
    if ffmpeg is None:
        return Processed(Variant(data, content_type, None), None, None)
    suffix = ".mp4" if fmt == "MP4" else ".webm"
    with tempfile.TemporaryDirectory(prefix="rookery-media-") as tmp:
        source = f"{tmp}/in{suffix}"
        with open(source, "wb") as handle:
            handle.write(data)
        cleaned = f"{tmp}/out{suffix}"
        poster = f"{tmp}/poster.png"
        try:
            copied = subprocess.run(
                [
                    ffmpeg,
                    "-hide_banner",
                    "-y",
                    "-i",
                    source,
                    "-map_metadata",
                    "-1",
                    "-map_chapters",
                    "-1",
                    "-c",
                    "copy",
                    cleaned,
                ],
                check=True,
                timeout=120,
                capture_output=True,
            )
            subprocess.run(
                [ffmpeg, "-v", "error", "-y", "-i", source, "-frames:v", "1", poster],
                check=True,
                timeout=60,
                capture_output=True,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            raise MediaRejected("video could not be decoded") from None
        with open(cleaned, "rb") as handle:
            video = handle.read()
        with Image.open(poster) as frame:
            frame.load()
            width, height = frame.size
            small = frame.convert("RGB")
            small.thumbnail((limits.small_size, limits.small_size), Image.Resampling.LANCZOS)
            hashed = _blurhash(small)
            small_bytes = _encode(small, "JPEG")
    extra: dict[str, object] = {}
    duration = _DURATION.search(copied.stderr)
    if duration:
        hours, minutes, seconds = duration.groups()
        extra["original_duration"] = round(int(hours) * 3600 + int(minutes) * 60 + float(seconds), 3)
    return Processed(
        original=Variant(video, content_type, Dimensions(width, height)),
        small=Variant(small_bytes, "image/jpeg", Dimensions(*small.size)),
        blurhash=hashed,
        extra_meta=extra,
    )
