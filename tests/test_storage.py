"""Uploaded files through club.core.storage: the instance folder, or S3-compatible object storage.

The S3 backend is driven against moto running as a real HTTP server on a loopback port, through the
site's own forms and pages: what lands in the bucket, what is served back (bytes, headers, access),
when replaced files go, and two app instances ("two web hosts") sharing one bucket.
"""

from __future__ import annotations

import io
import logging
import socket
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from club.cases.models import Attachment
from club.core import storage
from club.events.models import EventWeek
from club.events.services import COVER_KIND as WEEK_COVER_KIND
from club.extensions import db
from club.members.models import Profile
from tests.case_factories import image_bytes, make_case, pdf_bytes, reload_case
from tests.conftest import _dispose_engines, build_app
from tests.event_factories import make_week
from tests.factories import make_member, make_organiser
from tests.helpers import login, url

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

REGION = "eu-south-1"
PREFIX = "club/"
WEEK = 7 * 24 * 3600


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_credentials(monkeypatch, tmp_path):
    """Fake credentials through the environment, and nothing of the machine's own AWS setup."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


class Bucket:
    """The test's own view of the bucket, through a client of its own."""

    def __init__(self, client, name: str) -> None:
        self.name = name
        self.client = client
        self.client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})

    def keys(self, kind: str | None = None) -> list[str]:
        prefix = PREFIX + (f"{kind}/" if kind else "")
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, kind: str, name: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=f"{PREFIX}{kind}/{name}")["Body"].read()

    def remove(self, kind: str, name: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=f"{PREFIX}{kind}/{name}")


def s3_settings(endpoint: str, bucket: str) -> dict:
    return {
        "STORAGE_S3_BUCKET": bucket,
        "STORAGE_S3_ENDPOINT_URL": endpoint,
        "STORAGE_S3_REGION": REGION,
        "STORAGE_S3_PREFIX": PREFIX,
    }


@pytest.fixture(scope="module")
def s3_client(s3_endpoint):
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")  # noqa: S106
    return session.client("s3", endpoint_url=s3_endpoint, region_name=REGION)


@pytest.fixture
def bucket(request, s3_endpoint, s3_client, aws_credentials):
    """A new, empty bucket; the test's app is configured (config marker) to keep its files there."""
    made = Bucket(s3_client, f"club-{uuid.uuid4().hex[:16]}")
    request.node.add_marker(pytest.mark.config(**s3_settings(s3_endpoint, made.name)))
    return made


@pytest.fixture
def _bucket_before_app(request):
    if "bucket" in request.fixturenames:
        request.getfixturevalue("bucket")


@pytest.fixture
def app(_bucket_before_app, app):
    """conftest's app, made after the bucket fixture has added its settings."""
    return app


def _uploads(app) -> list[str]:
    root = Path(app.instance_path) / "uploads"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _upload_avatar(client, data: bytes):
    return client.post(
        url("members.upload_avatar"), data={"avatar": (io.BytesIO(data), "me.png")}, content_type="multipart/form-data"
    )


def _avatar_of(user) -> str | None:
    db.session.expire_all()
    return db.session.get(Profile, user.id).avatar_filename


def _attach(client, case, data: bytes, name: str = "relazione.pdf"):
    return client.post(
        url("cases.upload_attachment", case_id=case.id),
        data={"file": (io.BytesIO(data), name, "application/pdf")},
        content_type="multipart/form-data",
    )


def _upload_case_cover(client, case, data: bytes):
    return client.post(
        url("cases.upload_cover", case_id=case.id),
        data={"cover": (io.BytesIO(data), "cover.png")},
        content_type="multipart/form-data",
    )


def _attachments(case) -> list[Attachment]:
    db.session.expire_all()
    return db.session.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()


# -- S3: what lands where, and how it is served ------------------------------------------------------


def test_the_configuration_chooses_the_backend(bucket, app):
    backend = storage.backend_for(app)
    assert isinstance(backend, storage.S3Storage)
    assert (backend.bucket, backend.prefix) == (bucket.name, PREFIX)
    assert backend.client is backend.client  # made once, then reused by every request of the app


def test_an_avatar_goes_to_the_bucket_and_comes_back_byte_identical(bucket, client, app):
    member = make_member()
    login(client, member)
    assert _upload_avatar(client, image_bytes("PNG", (600, 400))).status_code == 302
    name = _avatar_of(member)
    assert bucket.keys() == [f"{PREFIX}avatars/{name}"]
    assert _uploads(app) == []  # nothing in the instance folder
    stored = bucket.read("avatars", name)

    served = client.get(url("members.avatar", name=name))
    assert served.status_code == 200 and served.data == stored
    assert served.mimetype == "image/webp"
    assert served.headers["Content-Length"] == str(len(stored))
    assert served.cache_control.public and served.cache_control.max_age == WEEK
    assert served.headers["ETag"] and served.headers["Last-Modified"]

    # More revalidations than the client's connection pool holds: a body left unread must not hold one.
    for _ in range(12):
        again = client.get(url("members.avatar", name=name), headers={"If-None-Match": served.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
    part = client.get(url("members.avatar", name=name), headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == stored[:10]
    head = client.head(url("members.avatar", name=name))
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(stored)) and head.data == b""


def test_a_case_attachment_and_cover_keep_the_case_access_rules(bucket, client, app):
    author, reader = make_member(), make_member()
    case = make_case(author, status="draft")
    login(client, author)
    document = pdf_bytes(padding=3000)
    assert _attach(client, case, document, "Relazione finale.pdf").status_code == 302
    assert _upload_case_cover(client, case, image_bytes("PNG", (1400, 800))).status_code == 302
    (attachment,) = _attachments(case)
    cover = reload_case(case).cover_filename
    assert bucket.keys() == sorted([f"{PREFIX}attachments/{attachment.stored_name}", f"{PREFIX}covers/{cover}"])
    assert bucket.read("attachments", attachment.stored_name) == document  # kept as uploaded
    assert _uploads(app) == []

    case = reload_case(case)
    case.status, case.visibility = "published", "members"
    db.session.commit()
    attachment_url = url("cases.attachment", case_id=case.id, attachment_id=attachment.id)
    cover_url = url("cases.cover", name=cover)

    anonymous = app.test_client()
    assert anonymous.get(attachment_url).status_code == 404
    assert anonymous.get(cover_url).status_code == 404

    member = app.test_client()
    login(member, reader)
    download = member.get(attachment_url)
    assert download.status_code == 200 and download.data == document
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Length"] == str(len(document))
    assert download.headers["Content-Disposition"] == "attachment; filename=Relazione-finale.pdf"
    assert download.headers["Cache-Control"] == "private, no-store"  # members-only: no shared cache
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    picture = member.get(cover_url)
    assert picture.status_code == 200 and picture.data == bucket.read("covers", cover)
    assert picture.cache_control.private and not picture.cache_control.public


def test_an_event_week_cover_goes_to_the_bucket(bucket, client, app):
    week = make_week()
    login(client, make_organiser())
    response = client.post(
        url("events.upload_week_cover", week_id=week.id),
        data={"cover": (io.BytesIO(image_bytes("JPEG", (1600, 900))), "cover.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    name = db.session.get(EventWeek, week.id).cover_filename
    assert bucket.keys() == [f"{PREFIX}{WEEK_COVER_KIND}/{name}"] and _uploads(app) == []
    served = app.test_client().get(url("events.cover", name=name))
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert served.data == bucket.read(WEEK_COVER_KIND, name)
    assert served.cache_control.public and served.cache_control.max_age == WEEK


def test_an_object_missing_from_the_bucket_is_404(bucket, client, app):
    member = make_member()
    login(client, member)
    _upload_avatar(client, image_bytes())
    name = _avatar_of(member)
    bucket.remove("avatars", name)
    assert client.get(url("members.avatar", name=name)).status_code == 404
    assert client.get(url("members.avatar", name="..")).status_code == 404


# -- S3: replaced and removed files go after the commit, and only then ------------------------------------


def test_a_replaced_avatar_goes_only_once_the_change_is_committed(bucket, client, app):
    member = make_member()
    login(client, member)
    _upload_avatar(client, image_bytes("PNG", colour=(200, 0, 0)))
    first = _avatar_of(member)
    _upload_avatar(client, image_bytes("PNG", colour=(0, 200, 0)))
    second = _avatar_of(member)
    assert first != second and bucket.keys("avatars") == [f"{PREFIX}avatars/{second}"]

    from club.accounts.models import User
    from club.members import services

    user = db.session.get(User, member.id)
    services.remove_avatar(user)
    assert bucket.keys("avatars") == [f"{PREFIX}avatars/{second}"]  # not before the commit
    db.session.rollback()
    assert bucket.keys("avatars") == [f"{PREFIX}avatars/{second}"]  # rolled back: it stays
    db.session.refresh(user)
    services.remove_avatar(user)
    db.session.commit()
    assert bucket.keys("avatars") == []


@pytest.mark.config(PROPAGATE_EXCEPTIONS=False)
def test_a_failed_request_keeps_the_old_object(bucket, client, app, monkeypatch):
    member = make_member()
    login(client, member)
    _upload_avatar(client, image_bytes("PNG", colour=(200, 0, 0)))
    first = _avatar_of(member)
    original = bucket.read("avatars", first)

    def fail(*args, **kwargs):
        raise RuntimeError("the request fails after the avatar was replaced")

    monkeypatch.setattr("club.members.views.flash", fail)
    assert _upload_avatar(client, image_bytes("PNG", colour=(0, 0, 200))).status_code == 500
    assert _avatar_of(member) == first
    assert f"{PREFIX}avatars/{first}" in bucket.keys("avatars")
    assert client.get(url("members.avatar", name=first)).data == original

    monkeypatch.undo()
    assert client.post(url("members.remove_avatar")).status_code == 302
    assert _avatar_of(member) is None and f"{PREFIX}avatars/{first}" not in bucket.keys("avatars")


def test_removing_an_attachment_or_the_case_deletes_its_objects(bucket, client, app):
    author = make_member()
    case = make_case(author, status="draft")
    login(client, author)
    _attach(client, case, pdf_bytes(), "a.pdf")
    _attach(client, case, pdf_bytes(padding=10), "b.pdf")
    _upload_case_cover(client, case, image_bytes())
    first, second = sorted(_attachments(case), key=lambda item: item.id)
    removed, kept = first.stored_name, second.stored_name
    assert len(bucket.keys()) == 3
    remove = url("cases.remove_attachment", case_id=case.id, attachment_id=first.id)
    assert client.post(remove).status_code == 302
    assert bucket.keys("attachments") == [f"{PREFIX}attachments/{kept}"] and removed != kept
    assert client.post(url("cases.delete", case_id=case.id)).status_code == 302
    assert bucket.keys() == []


def test_a_deletion_that_fails_after_the_commit_is_logged_not_raised(bucket, client, app, monkeypatch, caplog):
    member = make_member()
    login(client, member)
    _upload_avatar(client, image_bytes())
    name = _avatar_of(member)

    def unreachable(self, kind, name):
        raise OSError("object storage unreachable")

    monkeypatch.setattr(storage.S3Storage, "delete", unreachable)
    with caplog.at_level(logging.WARNING, logger="club.core.storage"):
        assert client.post(url("members.remove_avatar")).status_code == 302
    assert _avatar_of(member) is None  # the change stands
    assert f"could not delete the stored file avatars/{name}" in caplog.text


# -- two web hosts, one bucket -----------------------------------------------------------------------------


def test_two_hosts_sharing_the_bucket_serve_each_others_files(bucket, client, app, database_url, tmp_path, s3_endpoint):
    other = build_app(
        database_url,
        tmp_path / "host-b",
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=False,
        **s3_settings(s3_endpoint, bucket.name),
    )
    try:
        member = make_member()
        login(client, member)
        _upload_avatar(client, image_bytes("PNG", colour=(10, 20, 30)))
        name = _avatar_of(member)
        on_a = client.get(url("members.avatar", name=name))
        on_b = other.test_client().get(url("members.avatar", name=name))
        assert on_b.status_code == 200 and on_b.data == on_a.data
        assert on_b.headers["ETag"] == on_a.headers["ETag"]  # a cache may revalidate on any host

        host_b = other.test_client()
        with other.app_context():
            login(host_b, member)
            assert host_b.post(url("members.remove_avatar")).status_code == 302
        assert client.get(url("members.avatar", name=name)).status_code == 404
        assert bucket.keys() == [] and _uploads(app) == [] and not (tmp_path / "host-b" / "uploads").exists()
        assert storage.backend_for(other).client is not storage.backend_for(app).client  # one client per app
    finally:
        _dispose_engines(other)


# -- the default: the instance folder -------------------------------------------------------------------


def test_without_a_bucket_files_stay_in_the_instance_folder(client, app):
    assert isinstance(storage.backend_for(app), storage.LocalStorage)
    member = make_member()
    login(client, member)
    _upload_avatar(client, image_bytes("PNG", colour=(1, 2, 3)))
    first = _avatar_of(member)
    assert _uploads(app) == [f"avatars/{first}"]
    data = (Path(app.instance_path) / "uploads" / "avatars" / first).read_bytes()
    served = client.get(url("members.avatar", name=first))
    assert served.status_code == 200 and served.data == data and served.mimetype == "image/webp"
    assert served.headers["Content-Length"] == str(len(data)) and served.cache_control.max_age == WEEK
    revalidated = client.get(url("members.avatar", name=first), headers={"If-None-Match": served.headers["ETag"]})
    assert revalidated.status_code == 304

    _upload_avatar(client, image_bytes("PNG", colour=(3, 2, 1)))
    second = _avatar_of(member)
    assert _uploads(app) == [f"avatars/{second}"]  # the replaced file went with the commit
    assert client.post(url("members.remove_avatar")).status_code == 302
    assert _uploads(app) == []
    assert client.get(url("members.avatar", name=first)).status_code == 404
