"""Profiles, visibility, avatars, the directory and personal data, through the HTTP client."""

from __future__ import annotations

import io
import json
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from club.accounts.models import User
from club.extensions import db
from club.members import services
from club.members.models import Profile
from tests.factories import DEFAULT_PASSWORD, make_competence, make_function, make_member, make_organiser, make_sector
from tests.helpers import login, url


def _profile_data(**overrides):
    data = {
        "display_name": "Giulia Neri",
        "organisation": "Banca Adriatica",
        "job_title": "Head of CX",
        "sector": "",
        "function": "",
        "bio": "Ciao **a tutti**",
        "links": "https://giulia.example/cv",
        "locale": "it",
        "organisation_visibility": "public",
        "job_title_visibility": "members",
        "bio_visibility": "members",
        "links_visibility": "private",
        "email_visibility": "private",
    }
    data.update(overrides)
    return data


def test_member_edits_their_profile(client):
    member = make_member()
    sector, function = make_sector("banking"), make_function("cx")
    first, second = make_competence("journey"), make_competence("voice")
    login(client, member)
    assert client.get(url("members.edit_profile")).status_code == 200
    data = _profile_data(sector=str(sector.id), function=str(function.id), locale="en")
    data["competences"] = [str(first.id), str(second.id)]
    response = client.post(url("members.save_profile"), data=data)
    assert response.status_code == 302
    profile = db.session.get(Profile, member.id)
    db.session.refresh(member)
    assert member.display_name == "Giulia Neri" and member.locale == "en"
    assert profile.organisation == "Banca Adriatica" and profile.sector_id == sector.id
    assert {term.slug for term in profile.competences} == {"journey", "voice"}
    assert profile.links == ["https://giulia.example/cv"]
    page = client.get(url("members.profile", user_id=member.id)).get_data(as_text=True)
    assert "<strong>a tutti</strong>" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"display_name": ""}, None),
        ({"display_name": "x" * 81}, None),
        ({"organisation": "x" * 121}, None),
        ({"job_title": "x" * 121}, None),
        ({"bio": "x" * 5001}, None),
        ({"links": "javascript:alert(1)"}, "http"),
        ({"links": "<script>alert(1)</script>"}, "&lt;script&gt;"),
        ({"bio": "nul \x00 byte"}, None),
        ({"organisation": "bell \x07"}, None),
        ({"links": "ftp://files.example"}, "http"),
        ({"links": "\n".join(f"https://a{i}.example" for i in range(6))}, "5"),
        ({"sector": "99999"}, None),
        ({"sector": "not-a-number"}, None),
        ({"locale": "fr"}, None),
        ({"email_visibility": "everyone"}, None),
        ({"competences": ["12345"]}, None),
    ],
)
def test_profile_bad_input_changes_nothing(client, fields, message):
    member = make_member(display_name="Original Name")
    login(client, member)
    response = client.post(url("members.save_profile"), data=_profile_data(**fields))
    assert response.status_code == 400
    if message:
        assert message in response.get_data(as_text=True)
    db.session.refresh(member)
    assert member.display_name == "Original Name"
    assert db.session.get(Profile, member.id) is None


def test_retired_terms_cannot_be_chosen(client):
    member = make_member()
    retired = make_sector("old", retired=True)
    login(client, member)
    assert client.post(url("members.save_profile"), data=_profile_data(sector=str(retired.id))).status_code == 400


@pytest.mark.parametrize(
    ("viewer", "visible", "hidden"),
    [
        ("anonymous", ["Banca Pubblica"], ["Titolo Membri", "Bio privata", "secret@example.com"]),
        ("member", ["Banca Pubblica", "Titolo Membri"], ["Bio privata", "secret@example.com"]),
        ("owner", ["Banca Pubblica", "Titolo Membri", "Bio privata", "secret@example.com"], []),
        ("organiser", ["Banca Pubblica", "Titolo Membri", "Bio privata", "secret@example.com"], []),
    ],
)
def test_profile_fields_respect_visibility(client, viewer, visible, hidden):
    subject = make_member(
        email="secret@example.com",
        organisation="Banca Pubblica",
        job_title="Titolo Membri",
        bio="Bio privata",
        organisation_visibility="public",
        job_title_visibility="members",
        bio_visibility="private",
        email_visibility="private",
    )
    if viewer == "member":
        login(client, make_member())
    elif viewer == "owner":
        login(client, subject)
    elif viewer == "organiser":
        login(client, make_organiser())
    page = client.get(url("members.profile", user_id=subject.id)).get_data(as_text=True)
    for text in visible:
        assert text in page
    for text in hidden:
        assert text not in page


def test_unverified_suspended_and_deleted_profiles_are_not_shown(client):
    unverified = make_member(verified=False)
    suspended = make_member(suspended=True)
    login(client, make_member())
    assert client.get(url("members.profile", user_id=unverified.id)).status_code == 404
    assert client.get(url("members.profile", user_id=suspended.id)).status_code == 404
    assert client.get(url("members.profile", user_id=424242)).status_code == 404


# -- avatars ---------------------------------------------------------------------------------------


def _image_bytes(fmt="PNG", size=(640, 480), colour=(200, 30, 30), **save_args) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt, **save_args)
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _upload(client, data: bytes, name="photo.png"):
    return client.post(
        url("members.upload_avatar"), data={"avatar": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def test_avatar_is_reencoded_square_and_stripped(client, app):
    member = make_member()
    login(client, member)
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    response = _upload(client, _image_bytes("JPEG", exif=exif.tobytes()), "me.jpg")
    assert response.status_code == 302
    profile = db.session.get(Profile, member.id)
    assert profile.avatar_filename.endswith(".webp")
    served = client.get(url("members.avatar", name=profile.avatar_filename))
    assert served.status_code == 200 and served.mimetype == "image/webp"
    image = Image.open(io.BytesIO(served.data))
    assert image.size == (256, 256)
    assert b"SecretCameraMaker" not in served.data
    assert not image.getexif()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"%PDF-1.4 not an image at all", "WebP o GIF"),
        (b"", None),
        (b"GIF89a" + b"\x00" * 20, "WebP o GIF"),
    ],
)
def test_avatar_refuses_what_is_not_an_image(client, payload, message):
    member = make_member()
    login(client, member)
    response = _upload(client, payload, "photo.png")
    assert response.status_code == 400
    if message:
        assert message in response.get_data(as_text=True)
    assert db.session.get(Profile, member.id) is None


def test_avatar_refuses_files_over_5_mb(client, app):
    app.config["AVATAR_MAX_BYTES"] = 50_000
    member = make_member()
    login(client, member)
    noisy = Image.effect_noise((400, 400), 100).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    assert len(out.getvalue()) > 50_000
    response = _upload(client, out.getvalue())
    assert response.status_code == 400
    assert "MB" in response.get_data(as_text=True)


def test_avatar_refuses_decompression_bombs(client):
    member = make_member()
    login(client, member)
    # A tiny PNG file whose header claims 20,000 x 20,000 pixels (400 million): refused before decoding.
    bomb = _png_claiming(20000, 20000)
    assert len(bomb) < 1024
    response = _upload(client, bomb)
    assert response.status_code == 400
    assert "troppi pixel" in response.get_data(as_text=True)


def test_avatar_can_be_removed_and_initials_are_shown(client):
    member = make_member(display_name="Giulia Neri")
    login(client, member)
    _upload(client, _image_bytes())
    assert client.post(url("members.remove_avatar")).status_code == 302
    assert db.session.get(Profile, member.id).avatar_filename is None
    page = client.get(url("members.profile", user_id=member.id)).get_data(as_text=True)
    assert ">GN</span>" in page


# -- directory -------------------------------------------------------------------------------------


def test_directory_is_for_members_only(client):
    response = client.get(url("members.directory"))
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_directory_search_and_filters(client):
    banking, telco = make_sector("banking"), make_sector("telco")
    care, hr = make_function("care"), make_function("hr")
    ai = make_competence("ai")
    make_member(display_name="Anna Bianchi", sector=banking, function=care, competences=[ai], organisation="Banca Uno")
    make_member(
        display_name="Bruno Rossi",
        sector=telco,
        function=hr,
        organisation="TelcoNord",
        organisation_visibility="public",
    )
    make_member(
        display_name="Carla Verdi",
        sector=telco,
        function=care,
        organisation="Segreta SpA",
        organisation_visibility="private",
    )
    make_member(display_name="Dario Unverified", verified=False)
    viewer = make_member(display_name="Viewer Person")
    login(client, viewer)

    def names(**params):
        page = client.get(url("members.directory", **params)).get_data(as_text=True)
        return {name for name in ["Anna Bianchi", "Bruno Rossi", "Carla Verdi", "Dario Unverified"] if name in page}

    assert names() == {"Anna Bianchi", "Bruno Rossi", "Carla Verdi"}
    assert names(q="rossi") == {"Bruno Rossi"}
    assert names(q="telconord") == {"Bruno Rossi"}
    assert names(q="segreta") == set()  # a private organisation is not searchable
    assert names(q="100%_") == set()
    assert names(sector=telco.id) == {"Bruno Rossi", "Carla Verdi"}
    assert names(sector=telco.id, function=care.id) == {"Carla Verdi"}
    assert names(competence=ai.id) == {"Anna Bianchi"}


@pytest.mark.parametrize("params", [{"sector": "abc"}, {"function": "999999"}, {"q": "x" * 101}])
def test_directory_bad_filters_answer_400(client, params):
    login(client, make_member())
    assert client.get(url("members.directory", **params)).status_code == 400


def test_directory_pagination(client, app):
    app.config["DIRECTORY_PAGE_SIZE"] = 5
    for number in range(12):
        make_member(display_name=f"Person {number:02d}")
    login(client, make_member(display_name="Zed Viewer"))
    first = client.get(url("members.directory")).get_data(as_text=True)
    third = client.get(url("members.directory", page=3)).get_data(as_text=True)
    assert "Person 00" in first and "Person 05" not in first
    assert "Zed Viewer" in third and "Person 00" not in third
    assert client.get(url("members.directory", page=99)).status_code == 200


def _populate(count: int) -> None:
    sectors = [make_sector() for _ in range(3)]
    functions = [make_function() for _ in range(3)]
    competences = [make_competence() for _ in range(3)]
    for number in range(count):
        make_member(
            sector=sectors[number % 3],
            function=functions[number % 3],
            competences=competences[: 1 + number % 3],
            organisation=f"Org {number}",
        )


def test_directory_query_count_does_not_grow_with_members(client, app, count_queries):
    app.config["DIRECTORY_PAGE_SIZE"] = 24
    _populate(10)
    viewer = make_member()
    login(client, viewer)
    with count_queries() as small:
        assert client.get(url("members.directory")).status_code == 200
    _populate(490)
    with count_queries() as large:
        assert client.get(url("members.directory")).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(User)) >= 500
    assert large.count == small.count, f"10 members: {small}\n500 members: {large}"


# -- personal data ---------------------------------------------------------------------------------


def test_export_needs_the_password_and_returns_everything(client):
    member = make_member(
        email="mario@example.com", display_name="Mario Rossi", organisation="TelcoNord", bio="Hello", competences=["ai"]
    )
    login(client, member)
    assert client.get(url("members.my_data")).status_code == 200
    wrong = client.post(url("members.export_data"), data={"export-password": "not my password"})
    assert wrong.status_code == 400
    response = client.post(url("members.export_data"), data={"export-password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["email"] == "mario@example.com"
    assert data["profile"]["organisation"] == "TelcoNord"
    assert data["profile"]["competences"] == ["ai"]


def test_delete_account_erases_personal_data(client):
    member = make_member(email="mario@example.com", display_name="Mario Rossi", organisation="TelcoNord")
    login(client, member)
    assert client.post(url("members.delete_account"), data={"delete-password": "wrong password"}).status_code == 400
    assert client.post(url("members.delete_account"), data={"delete-password": ""}).status_code == 400
    db.session.refresh(member)
    assert member.deleted_at is None

    response = client.post(url("members.delete_account"), data={"delete-password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.is_deleted and "mario" not in member.email and member.display_name == ""
    assert member.public_name and member.public_name != "Mario Rossi"
    assert db.session.get(Profile, member.id) is None
    assert client.get(url("accounts.settings")).status_code == 302
    refused = client.post(url("accounts.login"), data={"email": "mario@example.com", "password": DEFAULT_PASSWORD})
    assert refused.status_code == 400
    # The address is free again.
    from club.accounts.services import find_by_email

    assert find_by_email("mario@example.com") is None


def test_the_only_admin_cannot_delete_their_account(client):
    from tests.factories import make_admin

    admin = make_admin()
    login(client, admin)
    assert client.post(url("members.delete_account"), data={"delete-password": DEFAULT_PASSWORD}).status_code == 409
    db.session.refresh(admin)
    assert admin.deleted_at is None


def test_visible_values_is_a_pure_filter():
    user = User(id=1, email="a@example.com", display_name="A", password_hash="!")
    profile = Profile(
        user_id=1,
        organisation="Org",
        job_title="Job",
        bio="Bio",
        links=["https://a.example"],
        organisation_visibility="public",
        job_title_visibility="members",
        bio_visibility="private",
        links_visibility="members",
        email_visibility="public",
    )
    assert services.visible_values(user, profile, services.ANONYMOUS) == {
        "organisation": "Org",
        "job_title": None,
        "bio": None,
        "links": None,
        "email": "a@example.com",
    }
    assert services.visible_values(user, profile, services.MEMBER)["links"] == ["https://a.example"]
    assert services.visible_values(user, profile, services.OWNER)["bio"] == "Bio"


def test_a_replaced_avatar_file_goes_only_when_the_change_is_committed(client, app):
    from pathlib import Path

    member = make_member()
    login(client, member)
    _upload(client, _image_bytes())
    first = db.session.get(Profile, member.id).avatar_filename
    folder = Path(app.instance_path) / "uploads" / "avatars"
    assert (folder / first).exists()

    from club.members import services as member_services

    user = db.session.get(User, member.id)
    member_services.remove_avatar(user)
    assert (folder / first).exists()  # not yet: the change is not committed
    db.session.rollback()
    assert (folder / first).exists()  # rolled back: the row still points at it, the file stays
    db.session.refresh(user)
    member_services.remove_avatar(user)
    db.session.commit()
    assert not (folder / first).exists()
