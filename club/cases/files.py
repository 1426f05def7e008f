"""Case covers and attachments: what is accepted, decided from the bytes, never from the browser's claim."""

from __future__ import annotations

import io
import re
import unicodedata
import warnings

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from club.core import images, storage

COVER_SIZE = (1200, 630)
COVER_KIND = "covers"
ATTACHMENT_KIND = "attachments"
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 5
MAX_COVER_BYTES = 5 * 1024 * 1024

# (content type, extension) by signature.
_SIGNATURES = (
    (b"%PDF-", ("application/pdf", "pdf")),
    (b"\x89PNG\r\n\x1a\n", ("image/png", "png")),
    (b"\xff\xd8\xff", ("image/jpeg", "jpg")),
)


class FileRejected(images.ImageRejected):
    pass


def sniff(data: bytes) -> tuple[str, str] | None:
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    return None


def check_attachment(data: bytes) -> tuple[str, str]:
    """The content type and extension of an acceptable attachment, or FileRejected."""
    if not data:
        raise FileRejected(_l("The file is empty."))
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise FileRejected(_l("The file is larger than %(size)d MB.", size=MAX_ATTACHMENT_BYTES // (1024 * 1024)))
    kind = sniff(data)
    if kind is None:
        raise FileRejected(_l("Attach a PDF, PNG or JPEG file."))
    content_type, _extension = kind
    if content_type == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise FileRejected(_l("This PDF file is damaged or incomplete."))
    else:
        damaged = FileRejected(_l("This image is damaged or is not really a PNG or JPEG file."))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data)) as image:
                    if image.width * image.height > images.MAX_PIXELS:
                        raise FileRejected(_l("The image has too many pixels. Upload a smaller one."))
                    # verify() checks PNG chunks but not JPEG data: decoding it all finds a truncated file.
                    image.load()
        except FileRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise FileRejected(_l("The image has too many pixels. Upload a smaller one.")) from error
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
            raise damaged from error
        # Attachments are served byte for byte, so a second file glued after the image (HTML, a ZIP
        # archive, a script) would travel with it: only the image itself is accepted.
        if _image_end(data, content_type) != len(data):
            raise damaged
    return kind


def _image_end(data: bytes, content_type: str) -> int | None:
    """Where the PNG or JPEG image at the start of data ends (None when its structure cannot be walked)."""
    size = len(data)
    if content_type == "image/png":
        position = 8
        while position + 12 <= size:
            length = int.from_bytes(data[position : position + 4], "big")
            chunk = data[position + 4 : position + 8]
            position += 12 + length
            if chunk == b"IEND":
                return position
        return None
    position = 2  # after SOI
    while position + 1 < size:
        if data[position] != 0xFF:
            return None
        while position + 1 < size and data[position + 1] == 0xFF:  # fill bytes
            position += 1
        marker = data[position + 1]
        if marker == 0xD9:  # EOI
            return position + 2
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        if marker == 0xDA:  # entropy-coded data follows the scan header, up to the next real marker
            while position + 1 < size and not (
                data[position] == 0xFF and data[position + 1] != 0x00 and not 0xD0 <= data[position + 1] <= 0xD7
            ):
                position += 1
    return None


def safe_filename(name: str | None, extension: str) -> str:
    """A download name derived from the uploaded one: letters, digits, dashes; the right extension."""
    stem = (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-")[:80] or "allegato"
    return f"{stem}.{extension}"


def process_cover(stream) -> bytes:
    return images.process(stream, MAX_COVER_BYTES, COVER_SIZE)


def store(kind: str, prefix: int, extension: str, data: bytes) -> str:
    name = storage.new_name(prefix, extension)
    storage.save(kind, name, data)
    return name
