"""Password policy, default-password generation and hashing (HN-6.2)."""

from __future__ import annotations

import re
import secrets
import string

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

__all__ = ["check_password_policy", "generate_password", "hash_password"]


def generate_password(length: int = 12) -> str:
    """A default password that satisfies the policy (no look-alike characters)."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "Il1O0o")
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length - 1)) + secrets.choice("@#$%&*!?")
        if check_password_policy(pw) == []:
            return pw


def check_password_policy(password: str | None) -> list[str]:
    """Problems of a password against the policy, in Vietnamese (empty when it is acceptable)."""
    pw = password or ""
    problems = []
    min_len = current_app.config.get("PASSWORD_MIN_LENGTH", 10)
    if len(pw) < min_len:
        problems.append(_("Mật khẩu phải có ít nhất %(n)s ký tự.", n=min_len))
    if not re.search(r"[a-z]", pw) or not re.search(r"[A-Z]", pw):
        problems.append(_("Mật khẩu phải có cả chữ thường và chữ hoa."))
    if not re.search(r"[0-9]", pw):
        problems.append(_("Mật khẩu phải có ít nhất một chữ số."))
    if not re.search(r"[^A-Za-z0-9]", pw):
        problems.append(_("Mật khẩu phải có ít nhất một ký tự đặc biệt."))
    return problems


def hash_password(password: str) -> str:
    """The password hash FAB stores (``FAB_PASSWORD_HASH_METHOD``, scrypt by default)."""
    return generate_password_hash(password, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"))
