"""Avatars: square WebP pictures made by club.core.images, kept in the "avatars" storage folder."""

from __future__ import annotations

from club.core import images, storage

SIZE = (256, 256)
KIND = "avatars"
AvatarRejected = images.ImageRejected


def process(stream, max_bytes: int) -> bytes:
    return images.process(stream, max_bytes, SIZE)


def store(user_id: int, image_bytes: bytes) -> str:
    name = storage.new_name(user_id, "webp")
    storage.save(KIND, name, image_bytes)
    return name


def remove(name: str | None) -> None:
    storage.delete_after_commit(KIND, name)


def send(name: str):
    return storage.send(KIND, name, mimetype="image/webp", max_age=7 * 24 * 3600)
