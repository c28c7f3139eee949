"""``python -m class_management_service create-teacher --email ... --name ...``

The password comes from a prompt (asked twice) on a terminal, or from the first line of stdin
otherwise, so it never appears in the shell history or the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TextIO

from pydantic import TypeAdapter, ValidationError

from class_management_service.config import Settings
from class_management_service.service_layer.accounts import DEFAULT_LOCALE, check_password_rules, create_teacher
from class_management_service.service_layer.ports import PasswordHasher, UnitOfWorkFactory
from common_core.http.class_management import EmailAddress, UserProfile
from huleedu_service_libs.errors import ConflictError
from huleedu_service_libs.sync_bridge import run_coroutine_sync

_EMAIL = TypeAdapter(EmailAddress)


@dataclass(frozen=True)
class TeacherStore:
    """The accounts' database and the password hasher, for one command."""

    unit_of_work: UnitOfWorkFactory
    passwords: PasswordHasher


# Opens (and afterwards closes) the store for the given settings: di.teacher_store in the CLI.
OpenTeacherStore = Callable[[Settings], AbstractAsyncContextManager[TeacherStore]]


def read_password(stdin: TextIO, *, interactive: bool) -> str:
    if not interactive:
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise ValueError("the two passwords differ")
    return first


async def _create(
    open_store: OpenTeacherStore, settings: Settings, email: str, name: str, password: str, locale: str
) -> UserProfile:
    async with open_store(settings) as store, store.unit_of_work() as uow:
        return await create_teacher(
            uow, store.passwords, email=email, display_name=name, password=password, locale=locale
        )


def _valid_email(raw: str) -> str:
    try:
        return _EMAIL.validate_python(raw)
    except ValidationError:
        raise ValueError(f"--email {raw[:80]!r} is not an email address (like name@school.se)") from None


def run_create_teacher(
    argv: Sequence[str], settings: Settings, stdin: TextIO = sys.stdin, *, open_store: OpenTeacherStore
) -> int:
    parser = argparse.ArgumentParser(prog="class_management_service create-teacher", description=__doc__)
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", required=True, help="the display name")
    parser.add_argument("--locale", default=DEFAULT_LOCALE)
    args = parser.parse_args(argv)
    try:
        # Checked before the password prompt, and by the sign-in rule: an account nobody can sign in to is useless.
        email = _valid_email(args.email)
        password = read_password(stdin, interactive=stdin.isatty())
        check_password_rules(password)
        profile = run_coroutine_sync(_create(open_store, settings, email, args.name, password, args.locale))
    except (ValueError, ConflictError) as exc:
        print(f"create-teacher: {exc}", file=sys.stderr)
        return 1
    print(f"created teacher {profile.email} ({profile.display_name}) with user id {profile.user_id}")
    return 0
