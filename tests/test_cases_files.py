"""Covers and attachments: what is accepted (decided from the bytes), how they are served, who sees them."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from club.cases import files
from club.cases.models import Attachment, Revision
from club.core.timeutil import utcnow
from club.extensions import db
from tests.case_factories import image_bytes, make_case, pdf_bytes, reload_case
from tests.factories import make_member, make_organiser
from tests.helpers import login, logout, url

EN = {"Accept-Language": "en"}


def _upload_cover(client, case, data: bytes, name="cover.jpg", **kwargs):
    return client.post(
        url("cases.upload_cover", case_id=case.id),
        data={"cover": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        **kwargs,
    )


def _attach(client, case, data: bytes, name="relazione.pdf", mimetype="application/pdf", **kwargs):
    return client.post(
        url("cases.upload_attachment", case_id=case.id),
        data={"file": (io.BytesIO(data), name, mimetype)},
        content_type="multipart/form-data",
        **kwargs,
    )


def _stored(app, kind: str) -> list[str]:
    folder = Path(app.instance_path) / "uploads" / kind
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def _attachments(case) -> list[Attachment]:
    db.session.expire_all()
    return db.session.scalars(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)).all()


@pytest.fixture
def author():
    return make_member()


@pytest.fixture
def draft(author):
    return make_case(author, status="draft")


# -- covers -----------------------------------------------------------------------------------------


def test_cover_is_reencoded_to_webp_1200x630_without_metadata(client, app, author, draft):
    login(client, author)
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    exif[0x0131] = "SecretSoftware"
    response = _upload_cover(client, draft, image_bytes("JPEG", size=(2000, 1500), exif=exif.tobytes()))
    assert response.status_code == 302
    case = reload_case(draft)
    assert case.cover_filename.endswith(".webp") and case.cover_filename.startswith(f"{case.id}-")
    served = client.get(url("cases.cover", name=case.cover_filename))
    assert served.status_code == 200 and served.mimetype == "image/webp"
    image = Image.open(io.BytesIO(served.data))
    assert image.format == "WEBP" and image.size == (1200, 630)
    assert not image.getexif()
    assert b"SecretCameraMaker" not in served.data and b"SecretSoftware" not in served.data
    assert "cover_changed" in db.session.scalars(select(Revision.action)).all()


def test_a_new_cover_replaces_the_old_file_and_remove_deletes_it(client, app, author, draft):
    login(client, author)
    _upload_cover(client, draft, image_bytes("PNG"), "a.png")
    first = reload_case(draft).cover_filename
    _upload_cover(client, draft, image_bytes("JPEG"), "b.jpg")
    second = reload_case(draft).cover_filename
    assert first != second and _stored(app, files.COVER_KIND) == [second]
    assert client.get(url("cases.cover", name=first)).status_code == 404
    assert client.post(url("cases.remove_cover", case_id=draft.id)).status_code == 302
    assert reload_case(draft).cover_filename is None and _stored(app, files.COVER_KIND) == []


def test_cover_refuses_what_is_not_a_readable_image(client, app, author, draft):
    login(client, author)
    for kind, payload in {
        "empty": b"",
        "pdf": pdf_bytes(),
        "svg": b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        "html": b"<html><script>alert(1)</script></html>",
        "truncated-png": image_bytes("PNG")[:60],
    }.items():
        response = _upload_cover(client, draft, payload, "cover.png", headers=EN)
        assert response.status_code == 400, kind
        assert reload_case(draft).cover_filename is None and _stored(app, files.COVER_KIND) == [], kind


def test_cover_over_5_mb_is_refused(client, app, author, draft, monkeypatch):
    monkeypatch.setattr(files, "MAX_COVER_BYTES", 20_000)
    login(client, author)
    noisy = Image.effect_noise((300, 300), 100).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    assert len(out.getvalue()) > 20_000
    response = _upload_cover(client, draft, out.getvalue(), "big.png", headers=EN)
    assert response.status_code == 400 and "MB" in response.get_data(as_text=True)
    assert reload_case(draft).cover_filename is None


def test_cover_needs_a_file(client, author, draft):
    login(client, author)
    assert client.post(url("cases.upload_cover", case_id=draft.id), data={}).status_code == 400


def test_others_cannot_change_the_cover(client, author):
    case = make_case(author)
    login(client, make_member())
    assert _upload_cover(client, case, image_bytes("PNG"), "x.png").status_code == 403
    assert client.post(url("cases.remove_cover", case_id=case.id)).status_code == 403
    assert reload_case(case).cover_filename is None


# -- attachments ------------------------------------------------------------------------------------


def test_pdf_png_and_jpeg_are_accepted_and_served_as_downloads(client, app, author, draft):
    login(client, author)
    uploads = [
        (pdf_bytes(), "Relazione finale.pdf", "application/pdf", "Relazione-finale.pdf"),
        (image_bytes("PNG"), "grafico.png", "image/png", "grafico.png"),
        (image_bytes("JPEG"), "foto del team.jpeg", "image/jpeg", "foto-del-team.jpg"),
    ]
    for data, name, _content_type, _stored_name in uploads:
        assert _attach(client, draft, data, name).status_code == 302
    stored = _attachments(draft)
    assert [(a.content_type, a.original_name) for a in stored] == [(u[2], u[3]) for u in uploads]
    assert [a.size for a in stored] == [len(u[0]) for u in uploads]
    assert len(_stored(app, files.ATTACHMENT_KIND)) == 3
    for attachment, (data, _name, content_type, download_name) in zip(stored, uploads, strict=True):
        response = client.get(url("cases.attachment", case_id=draft.id, attachment_id=attachment.id))
        assert response.status_code == 200 and response.data == data
        assert response.mimetype == content_type
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and f"filename={download_name}" in disposition
        assert response.headers["Cache-Control"] == "private, no-store", "a draft's files stay out of shared caches"
    actions = db.session.scalars(select(Revision.action).where(Revision.case_id == draft.id)).all()
    assert actions.count("attachment_added") == 3


def test_a_png_named_pdf_is_stored_as_png(client, author, draft):
    login(client, author)
    assert _attach(client, draft, image_bytes("PNG"), "documento.pdf", "application/pdf").status_code == 302
    (attachment,) = _attachments(draft)
    assert attachment.content_type == "image/png" and attachment.original_name == "documento.png"
    response = client.get(url("cases.attachment", case_id=draft.id, attachment_id=attachment.id))
    assert response.mimetype == "image/png" and "filename=documento.png" in response.headers["Content-Disposition"]


DOWNLOAD_NAMES = [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("Relazione è già pronta.pdf", "Relazione-e-gia-pronta.pdf"),
    ("C:\\Users\\mario\\Relazione.pdf", None),
    ('a"; filename="evil.html', None),
    ("<script>alert(1)</script>.pdf", None),
    ("report.html", "report.pdf"),
    ("....pdf", "allegato.pdf"),
    ("x" * 300 + ".pdf", "x" * 80 + ".pdf"),
]


def test_download_names_are_made_safe(client, author, draft):
    login(client, author)
    for name, filename in DOWNLOAD_NAMES:
        assert _attach(client, draft, pdf_bytes(), name).status_code == 302, name
        (attachment,) = _attachments(draft)
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*\.pdf", attachment.original_name), name
        if filename:
            assert attachment.original_name == filename
        response = client.get(url("cases.attachment", case_id=draft.id, attachment_id=attachment.id))
        assert response.headers["Content-Disposition"] == f"attachment; filename={attachment.original_name}"
        removal = client.post(url("cases.remove_attachment", case_id=draft.id, attachment_id=attachment.id))
        assert removal.status_code == 302


REFUSED_ATTACHMENTS = {
    "html": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    "svg": b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    "svg-xml": b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>",
    "exe": b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200,
    "zip-docx": b"PK\x03\x04" + b"\x00" * 200,
    "gif": b"GIF89a" + b"\x00" * 200,
    "truncated-pdf": pdf_bytes()[:-20],
    "pdf-header-only": b"%PDF-1.4\n",
    "truncated-png": image_bytes("PNG")[:80],
    "fake-jpeg": b"\xff\xd8\xff\xe0" + b"\x00" * 100,
    "empty": b"",
    "pdf-not-at-start": b" %PDF-1.4 leading space\n%%EOF",
}


def test_attachments_are_judged_by_their_content(client, app, author, draft):
    login(client, author)
    for kind, payload in REFUSED_ATTACHMENTS.items():
        response = _attach(client, draft, payload, "relazione.pdf", "application/pdf", headers=EN)
        assert response.status_code == 400, kind
        assert "field-errors" in response.get_data(as_text=True), kind
        assert _attachments(draft) == [] and _stored(app, files.ATTACHMENT_KIND) == [], kind
    assert "attachment_added" not in db.session.scalars(select(Revision.action)).all()


def test_attachment_over_the_limit_is_refused(client, app, author, draft, monkeypatch):
    monkeypatch.setattr(files, "MAX_ATTACHMENT_BYTES", 4_000)
    login(client, author)
    assert _attach(client, draft, pdf_bytes(padding=3_500), "ok.pdf").status_code == 302
    response = _attach(client, draft, pdf_bytes(padding=4_100), "big.pdf", headers=EN)
    assert response.status_code == 400 and "larger than" in response.get_data(as_text=True)
    assert [a.original_name for a in _attachments(draft)] == ["ok.pdf"]
    assert len(_stored(app, files.ATTACHMENT_KIND)) == 1


def test_attachment_of_just_over_10_mb_is_refused(client, app, author, draft):
    login(client, author)
    data = pdf_bytes(padding=10 * 1024 * 1024)
    assert files.MAX_ATTACHMENT_BYTES < len(data) < app.config["MAX_CONTENT_LENGTH"]
    response = _attach(client, draft, data, "big.pdf", headers=EN)
    assert response.status_code == 400 and "10 MB" in response.get_data(as_text=True)
    assert _attachments(draft) == []


@pytest.mark.config(MAX_CONTENT_LENGTH=50_000)
def test_a_request_over_max_content_length_is_413(client, app, author, draft):
    login(client, author)
    response = _attach(client, draft, pdf_bytes(padding=60_000), "huge.pdf")
    assert response.status_code == 413
    assert _attachments(draft) == [] and _stored(app, files.ATTACHMENT_KIND) == []


def test_the_sixth_attachment_is_refused_with_a_clear_message(client, app, author, draft):
    login(client, author)
    for number in range(5):
        assert _attach(client, draft, pdf_bytes(), f"parte-{number}.pdf").status_code == 302
    response = _attach(client, draft, pdf_bytes(), "sesta.pdf", headers=EN)
    assert response.status_code in (400, 409)
    assert "at most 5 attachments" in response.get_data(as_text=True)
    assert len(_attachments(draft)) == 5 and len(_stored(app, files.ATTACHMENT_KIND)) == 5


def test_removing_an_attachment_deletes_the_file(client, app, author, draft):
    login(client, author)
    _attach(client, draft, pdf_bytes(), "via.pdf")
    (attachment,) = _attachments(draft)
    attachment_id = attachment.id
    response = client.post(url("cases.remove_attachment", case_id=draft.id, attachment_id=attachment_id))
    assert response.status_code == 302
    assert _attachments(draft) == [] and _stored(app, files.ATTACHMENT_KIND) == []
    missing = client.post(url("cases.remove_attachment", case_id=draft.id, attachment_id=attachment_id))
    assert missing.status_code == 404


def test_others_cannot_add_or_remove_attachments(client, app, author):
    case = make_case(author)
    login(client, author)
    _attach(client, case, pdf_bytes(), "mio.pdf")
    (attachment,) = _attachments(case)
    logout(client)
    login(client, make_member())
    assert _attach(client, case, pdf_bytes(), "intruso.pdf").status_code == 403
    removal = client.post(url("cases.remove_attachment", case_id=case.id, attachment_id=attachment.id))
    assert removal.status_code == 403
    assert [a.original_name for a in _attachments(case)] == ["mio.pdf"]


def test_an_attachment_is_served_only_under_its_own_case(client, author):
    first, second = make_case(author), make_case(author)
    login(client, author)
    _attach(client, first, pdf_bytes(), "primo.pdf")
    (attachment,) = _attachments(first)
    assert client.get(url("cases.attachment", case_id=second.id, attachment_id=attachment.id)).status_code == 404
    assert client.get(url("cases.attachment", case_id=first.id, attachment_id=attachment.id + 99)).status_code == 404


def test_deleting_a_case_deletes_its_files(client, app, author, draft):
    login(client, author)
    _attach(client, draft, pdf_bytes(), "a.pdf")
    _upload_cover(client, draft, image_bytes("PNG"), "c.png")
    assert _stored(app, files.ATTACHMENT_KIND) and _stored(app, files.COVER_KIND)
    assert client.post(url("cases.delete", case_id=draft.id)).status_code == 302
    assert _stored(app, files.ATTACHMENT_KIND) == [] and _stored(app, files.COVER_KIND) == []


# -- who may download ---------------------------------------------------------------------------------


VISIBILITY_CASES = [
    # status, visibility, {viewer: expected status code}
    ("draft", "public", {"anonymous": 404, "member": 404, "coauthor": 200, "organiser": 200}),
    ("submitted", "public", {"anonymous": 404, "member": 404, "coauthor": 200, "organiser": 200}),
    ("changes_requested", "members", {"anonymous": 404, "member": 404, "coauthor": 200, "organiser": 200}),
    ("archived", "public", {"anonymous": 404, "member": 404, "coauthor": 200, "organiser": 200}),
    ("published", "members", {"anonymous": 404, "member": 200, "coauthor": 200, "organiser": 200}),
    ("published", "public", {"anonymous": 200, "member": 200, "coauthor": 200, "organiser": 200}),
]


def test_attachments_and_covers_follow_the_case_visibility(client, app, author):
    coauthor = make_member()
    case = make_case(author, status="draft", coauthors=[coauthor])
    login(client, author)
    _attach(client, case, pdf_bytes(), "riservato.pdf")
    _upload_cover(client, case, image_bytes("PNG"), "c.png")
    (attachment,) = _attachments(case)
    attachment_url = url("cases.attachment", case_id=case.id, attachment_id=attachment.id)
    cover_url = url("cases.cover", name=reload_case(case).cover_filename)
    viewers = {"anonymous": app.test_client()}
    for name, user in (("member", make_member()), ("coauthor", coauthor), ("organiser", make_organiser())):
        viewers[name] = app.test_client()
        login(viewers[name], user)
    for status, visibility, expectations in VISIBILITY_CASES:
        case = reload_case(case)
        case.status, case.visibility = status, visibility
        case.published_at = utcnow() if status in ("published", "archived") else None
        db.session.commit()
        for viewer, expected in expectations.items():
            label = f"{status}/{visibility}/{viewer}"
            download = viewers[viewer].get(attachment_url)
            cover = viewers[viewer].get(cover_url)
            assert download.status_code == expected, label
            assert cover.status_code == expected, label
            if expected == 200:
                openly = status == "published" and visibility == "public"
                for response in (download, cover):
                    cache = response.headers["Cache-Control"]
                    assert ("public" in cache) is openly and ("private" in cache) is not openly, (label, cache)


def test_unknown_cover_name_is_404(client):
    assert client.get(url("cases.cover", name="1-deadbeef.webp")).status_code == 404
    assert client.get(url("cases.cover", name="..%2F..%2Fsecret_key")).status_code == 404


def test_the_database_keeps_at_most_five_attachments_per_case(app):
    """Two uploads racing for the last place cannot both win: the (case, slot) pair is unique."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    from club.cases.models import Attachment
    from club.extensions import db
    from tests.case_factories import make_case
    from tests.factories import make_member

    case = make_case(make_member())

    def attachment(slot: int, name: str) -> Attachment:
        return Attachment(
            case_id=case.id, slot=slot, stored_name=name, original_name="a.pdf", content_type="application/pdf", size=1
        )

    db.session.add(attachment(4, "first.pdf"))
    db.session.commit()
    for slot, name in ((4, "same-slot.pdf"), (5, "sixth-slot.pdf")):
        db.session.add(attachment(slot, name))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
