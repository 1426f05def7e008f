"""The password policy and hashing, as pure functions."""

from __future__ import annotations

import pytest

from club.accounts import passwords


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "Password2024!",
        "qwertyuiop12",
        "123456789012",
        "aaaaaaaaaaaa",
        "abababababab",
        "iloveyou1234",
        "passwordpassword",
        "juventus1897!",
        "1q2w3e4r5t6y",
        "ciaociao2025",
        "zyxwvutsrqpo",
    ],
)
def test_common_passwords_are_refused(password):
    assert passwords.is_common(password)
    assert passwords.policy_errors(password)


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "Il mio gatto ama le olive", "t4k3-the-slow-train"]
)
def test_uncommon_passwords_pass(password):
    assert passwords.policy_errors(password) == []


def test_length_limits():
    assert passwords.policy_errors("Short1!aZ") != []
    assert passwords.policy_errors("x7#" * 43) != []  # 129 characters
    assert passwords.policy_errors("a1b2c3d4e5f6g7h8i9j0-" * 6) == []  # 126 characters


def test_password_may_not_contain_the_name_or_the_address():
    assert passwords.policy_errors("giulia.neri 2026 winter", email="giulia.neri@example.com")
    assert passwords.policy_errors("I am Giulia Neri!!", display_name="Giulia Neri")


def test_argon2id_hash_and_verify(app):
    hashed = passwords.hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password(hashed, "correct horse battery staple")
    assert not passwords.verify_password(hashed, "correct horse battery stapler")
    assert not passwords.verify_password("!", "anything")
    assert not passwords.verify_password(None, "anything")
