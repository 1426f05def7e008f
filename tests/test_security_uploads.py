"""Hostile uploads through every file field: avatar, case cover, case attachment, event week cover.

Each field gets polyglots (an image with HTML, a script or a ZIP archive glued after it), an SVG with
a script, HTML renamed .png, a truncated image, decompression bombs (a few hundred bytes declaring
hundreds of millions of pixels), a wrong extension, and a request over MAX_CONTENT_LENGTH. What is
refused gets a page with a message (400, or 413 for the oversized request), never a 500, and leaves
no file behind; what is accepted is stored re-encoded (covers, avatars) or exactly as an image that
ends where it should (attachments), and is served with its exact type, nosniff, and as a download
where it is an attachment.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from club.cases.models import Attachment, CaseStudy
from club.events.models import EventWeek
from club.extensions import db
from club.members.models import Profile
from tests.case_factories import image_bytes, make_case, pdf_bytes
from tests.event_factories import make_week
from tests.factories import make_member, make_organiser
from tests.helpers import login, url

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.html", HTML)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width: int, height: int) -> bytes:
    """A valid-looking PNG of a few hundred bytes that declares width x height grey pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    # a few rows of real data: enough for a decoder to start, far from the declared size
    pixels = zlib.compress(b"\x00" + b"\x00" * min(width, 4096), 9)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b"")


REENCODABLE = ("gif + html", "jpeg + html", "jpeg + html + eoi", "png + zip", "png + html")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'

# (label, bytes, upload name, browser's content type)
HOSTILE = [
    ("gif + html", image_bytes("GIF", (60, 40)) + HTML, "photo.gif", "image/gif"),
    ("jpeg + html", image_bytes("JPEG", (60, 40)) + HTML, "photo.jpg", "image/jpeg"),
    ("jpeg + html + eoi", image_bytes("JPEG", (60, 40)) + HTML + b"\xff\xd9", "photo.jpg", "image/jpeg"),
    ("png + zip", image_bytes("PNG", (60, 40)) + _zip_archive(), "photo.png", "image/png"),
    ("png + html", image_bytes("PNG", (60, 40)) + HTML, "photo.png", "image/png"),
    ("svg with script", SVG, "photo.svg", "image/svg+xml"),
    ("svg named png", SVG, "photo.png", "image/png"),
    ("html named png", HTML, "photo.png", "image/png"),
    ("gif header + html", b"GIF89a" + HTML, "photo.gif", "image/gif"),
    ("jpeg header + html", b"\xff\xd8\xff\xe0" + HTML, "photo.jpg", "image/jpeg"),
    ("png header + html", b"\x89PNG\r\n\x1a\n" + HTML, "photo.png", "image/png"),
    ("truncated png", image_bytes("PNG", (300, 200), (1, 2, 3))[:200], "photo.png", "image/png"),
    ("truncated jpeg", image_bytes("JPEG", (300, 200), quality=95)[:400], "photo.jpg", "image/jpeg"),
    ("bomb 30000x30000", bomb_png(30_000, 30_000), "photo.png", "image/png"),
    ("bomb 10000x10000", bomb_png(10_000, 10_000), "photo.png", "image/png"),
    ("too many pixels 7000x7000", bomb_png(7_000, 7_000), "photo.png", "image/png"),
    ("empty", b"", "photo.png", "image/png"),
    ("zip named png", _zip_archive(), "photo.png", "image/png"),
    ("pdf named png", pdf_bytes(), "photo.png", "image/png"),
]


@dataclass
class Upload:
    """One file field: where it posts, its field name, who may use it, where it stores and serves."""

    name: str
    field: str
    kind: str  # the storage folder
    reencodes: bool  # covers and avatars are re-encoded to WebP; attachments are kept byte for byte

    def endpoint(self, world) -> str:
        if self.name == "avatar":
            return url("members.upload_avatar")
        if self.name == "case cover":
            return url("cases.upload_cover", case_id=world.case_id)
        if self.name == "attachment":
            return url("cases.upload_attachment", case_id=world.case_id)
        return url("events.upload_week_cover", week_id=world.week_id)

    def client(self, world):
        return world.organiser if self.name == "event cover" else world.author

    def stored_names(self, world) -> list[str]:
        db.session.expire_all()
        if self.name == "avatar":
            name = db.session.scalar(select(Profile.avatar_filename).where(Profile.user_id == world.author_id))
        elif self.name == "case cover":
            name = db.session.scalar(select(CaseStudy.cover_filename).where(CaseStudy.id == world.case_id))
        elif self.name == "event cover":
            name = db.session.scalar(select(EventWeek.cover_filename).where(EventWeek.id == world.week_id))
        else:
            return list(db.session.scalars(select(Attachment.stored_name).where(Attachment.case_id == world.case_id)))
        return [name] if name else []

    def served(self, world, stored_name: str):
        if self.name == "avatar":
            return world.author.get(url("members.avatar", name=stored_name))
        if self.name == "case cover":
            return world.author.get(url("cases.cover", name=stored_name))
        if self.name == "event cover":
            return world.organiser.get(url("events.cover", name=stored_name))
        attachment_id = db.session.scalar(select(Attachment.id).where(Attachment.stored_name == stored_name))
        return world.author.get(url("cases.attachment", case_id=world.case_id, attachment_id=attachment_id))


UPLOADS = [
    Upload("avatar", "avatar", "avatars", True),
    Upload("case cover", "cover", "covers", True),
    Upload("attachment", "file", "attachments", False),
    Upload("event cover", "cover", "event-covers", True),
]


@dataclass
class World:
    author: object
    organiser: object
    author_id: int
    case_id: int
    week_id: int
    folder: Path

    def files(self, kind: str) -> set[str]:
        directory = self.folder / kind
        return {path.name for path in directory.iterdir()} if directory.exists() else set()


@pytest.fixture
def world(app):
    author_user, organiser_user = make_member(profile=True), make_organiser()
    case = make_case(author_user, status="draft")
    week = make_week()
    author, organiser = app.test_client(), app.test_client()
    login(author, author_user)
    login(organiser, organiser_user)
    return World(author, organiser, author_user.id, case.id, week.id, Path(app.instance_path) / "uploads")


def _post(upload: Upload, world, data: bytes, filename: str, content_type: str):
    return upload.client(world).post(
        upload.endpoint(world),
        data={upload.field: (io.BytesIO(data), filename, content_type)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("upload", UPLOADS, ids=lambda upload: upload.name)
def test_hostile_files_are_refused_or_defused(world, upload):
    for label, data, filename, content_type in HOSTILE:
        before = world.files(upload.kind)
        response = _post(upload, world, data, filename, content_type)
        page = response.get_data(as_text=True)
        if response.status_code == 400:
            # the form again, with the reason under the file field
            assert f'id="{upload.field}-errors"' in page, f"{upload.name} / {label}: no message"
            assert world.files(upload.kind) == before, f"{label}: a refused file was stored"
            continue
        assert response.status_code == 302, f"{upload.name} / {label}: {response.status_code}"
        (stored,) = world.files(upload.kind) - before
        content = (world.folder / upload.kind / stored).read_bytes()
        if label == "pdf named png" and not upload.reencodes:
            assert content == data and stored.endswith(".pdf")  # a real PDF, kept as one
            continue
        # Otherwise only a re-encoding field may accept a polyglot, since what it stores is new pixels.
        assert upload.reencodes and label in REENCODABLE, f"{upload.name} accepted {label}"
        assert content[:4] == b"RIFF" and content[8:12] == b"WEBP", f"{label}: not re-encoded"
        for fragment in (b"<html", b"<script", b"PK\x03\x04", b"alert"):
            assert fragment not in content, f"{upload.name} / {label}: {fragment!r} survived"


@pytest.mark.parametrize("upload", UPLOADS, ids=lambda upload: upload.name)
def test_a_clean_image_is_stored_clean_and_served_with_safe_headers(world, upload):
    data = image_bytes("JPEG", (640, 480), quality=90)
    response = _post(upload, world, data, "foto.jpg", "image/jpeg")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    (stored,) = upload.stored_names(world)
    content = (world.folder / upload.kind / stored).read_bytes()
    served = upload.served(world, stored)
    assert served.status_code == 200
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    if upload.reencodes:
        assert content[:4] == b"RIFF" and content[8:12] == b"WEBP"
        assert served.headers["Content-Type"] == "image/webp"
        with Image.open(io.BytesIO(served.data)) as image:
            assert image.format == "WEBP"
    else:
        assert content == data
        assert served.headers["Content-Type"] == "image/jpeg"
        assert served.headers["Content-Disposition"].startswith("attachment;")
        assert served.data == data


def test_attachments_keep_the_type_they_are_not_the_one_they_claim(world):
    upload = UPLOADS[2]
    for data, filename, content_type, expected in (
        (image_bytes("PNG", (50, 50)), "relazione.pdf", "application/pdf", "image/png"),
        (pdf_bytes(), "grafico.png", "image/png", "application/pdf"),
        (image_bytes("JPEG", (50, 50)), "pagina.html", "text/html", "image/jpeg"),
    ):
        assert _post(upload, world, data, filename, content_type).status_code == 302
        stored = upload.stored_names(world)[-1]
        served = upload.served(world, stored)
        assert served.headers["Content-Type"] == expected, filename
        disposition = served.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and ".html" not in disposition, disposition


@pytest.mark.config(MAX_CONTENT_LENGTH=256 * 1024)
@pytest.mark.parametrize("upload", UPLOADS, ids=lambda upload: upload.name)
def test_a_request_over_the_limit_gets_a_413_page(world, upload):
    before = world.files(upload.kind)
    data = image_bytes("PNG", (10, 10)) + b"\x00" * (300 * 1024)
    response = _post(upload, world, data, "grande.png", "image/png")
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<main" in page and "413" in page
    assert world.files(upload.kind) == before
