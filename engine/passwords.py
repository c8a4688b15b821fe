"""Passwords: argon2id hashes (argon2-cffi), and the rules a new password must meet.

Only the hash is ever stored. A hash made with weaker parameters than today's is replaced at the
next successful sign-in (`needs_rehash`).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .errors import Problem, ValidationError

MIN_LENGTH = 8
MAX_LENGTH = 256  # hashing is deliberately slow; an unbounded input would be a way to stall us

_hasher = PasswordHasher()
# compared against when the email is unknown, so a wrong email costs what a wrong password does
_DUMMY = _hasher.hash("tessera: no such user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches the hash (False, after the same work, when there is none)."""
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def check(password: str, *, email: str | None = None, field: str = "password") -> None:
    """ValidationError naming every rule a new password breaks."""
    problems: list[Problem] = []

    def problem(code: str, en: str, zh: str) -> None:
        problems.append(Problem(code, en, zh, field_name=field))

    if len(password) < MIN_LENGTH:
        problem(
            "password_too_short",
            f"The password must have at least {MIN_LENGTH} characters",
            f"密码至少需要 {MIN_LENGTH} 个字符",
        )
    if len(password) > MAX_LENGTH:
        problem(
            "password_too_long",
            f"The password may have at most {MAX_LENGTH} characters",
            f"密码最多 {MAX_LENGTH} 个字符",
        )
    if password and not password.strip():
        problem("password_blank", "The password cannot be only spaces", "密码不能只有空格")
    if email and password.strip().casefold() == email.strip().casefold():
        problem(
            "password_is_email",
            "The password cannot be your email address",
            "密码不能与邮箱地址相同",
        )
    if password.strip() and len(set(password)) == 1 and MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problem(
            "password_repeated",
            "The password cannot be one character repeated",
            "密码不能是同一个字符的重复",
        )
    if problems:
        raise ValidationError(problems)
