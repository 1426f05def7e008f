"""Avatar images: re-encoded, stripped of metadata, square-cropped and resized with Pillow."""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

SIZE = 256
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# Far more pixels than any camera photo, far fewer than a decompression bomb needs.
MAX_PIXELS = 40_000_000


class AvatarRejected(Exception):
    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def process(stream, max_bytes: int) -> bytes:
    """Return a clean square WebP image, or raise AvatarRejected with a message for the member."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise AvatarRejected(_l("The image is larger than %(size)d MB.", size=max_bytes // (1024 * 1024)))
    if not data:
        raise AvatarRejected(_l("The file is empty."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise AvatarRejected(_l("Upload a JPEG, PNG, WebP or GIF image."))
                if image.width * image.height > MAX_PIXELS:
                    raise AvatarRejected(_l("The image has too many pixels. Upload a smaller one."))
                image.seek(0)
                image.load()
                image = ImageOps.exif_transpose(image)
                image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
                square = ImageOps.fit(image, (SIZE, SIZE), method=Image.Resampling.LANCZOS)
    except AvatarRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise AvatarRejected(_l("The image has too many pixels. Upload a smaller one.")) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise AvatarRejected(
            _l("This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF image.")
        ) from error
    out = io.BytesIO()
    # A new image written from pixels only: no EXIF, no GPS position, no comments survive.
    square.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()


def avatar_directory() -> Path:
    return Path(current_app.instance_path) / "uploads" / "avatars"


def store(user_id: int, image_bytes: bytes) -> str:
    directory = avatar_directory()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{user_id}-{secrets.token_hex(8)}.webp"
    (directory / name).write_bytes(image_bytes)
    return name


def remove(name: str | None) -> None:
    if name:
        (avatar_directory() / name).unlink(missing_ok=True)
