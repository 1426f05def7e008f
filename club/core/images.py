"""Uploaded pictures (avatars, covers): re-encoded with Pillow, metadata stripped, cropped and resized.

Nothing of the uploaded file survives but its pixels: no EXIF, no GPS position, no comments, no
second image hidden after the first.
"""

from __future__ import annotations

import io
import warnings

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# Far more pixels than any camera photo, far fewer than a decompression bomb needs.
MAX_PIXELS = 40_000_000


class ImageRejected(Exception):
    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def read_limited(stream, max_bytes: int) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(_l("The file is larger than %(size)d MB.", size=max_bytes // (1024 * 1024)))
    if not data:
        raise ImageRejected(_l("The file is empty."))
    return data


def process(stream, max_bytes: int, size: tuple[int, int]) -> bytes:
    """A clean WebP image cropped to `size`, or ImageRejected with a message for the member."""
    data = read_limited(stream, max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise ImageRejected(_l("Upload a JPEG, PNG, WebP or GIF image."))
                if image.width * image.height > MAX_PIXELS:
                    raise ImageRejected(_l("The image has too many pixels. Upload a smaller one."))
                image.seek(0)
                image.load()
                image = ImageOps.exif_transpose(image)
                image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
                cropped = ImageOps.fit(image, size, method=Image.Resampling.LANCZOS)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected(_l("The image has too many pixels. Upload a smaller one.")) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise ImageRejected(
            _l("This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF image.")
        ) from error
    out = io.BytesIO()
    cropped.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()
