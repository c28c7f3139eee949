"""Uploaded file names: the name without client folders, safe to store and echo, or a reason it is not.

A file name reaches PostgreSQL (``essays.filename``) and Kafka; PostgreSQL text cannot hold NUL, and
a control character in a name is never what a teacher typed. Such a name fails only its own file.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath

MAX_FILENAME_CHARS = 255  # the events' limit (EssayUploadedV1.filename)
_LONGEST_KEPT_SUFFIX = 16
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
CONTROL_REASON = "the file name contains control characters (such as NUL); rename the file and upload it again"
NOT_TEXT_REASON = "the file name is not valid text; rename the file and upload it again"


def filename_problem(raw: str | None) -> str | None:
    """Why this name cannot be stored, or ``None`` when it can."""
    if not raw:
        return None
    if _CONTROL.search(raw):
        return CONTROL_REASON
    if _SURROGATE.search(raw):
        return NOT_TEXT_REASON
    return None


def clean_filename(raw: str | None) -> str:
    """The file's own name, without client-side folders (browsers and OSes send either slash).

    Control characters and broken surrogates become U+FFFD, so even a rejected file's name can be
    shown; a name longer than the limit loses the end of its stem, never its suffix (its type).
    """
    name = PureWindowsPath(PurePosixPath(raw or "").name).name.strip()
    name = _SURROGATE.sub("\ufffd", _CONTROL.sub("\ufffd", name))
    if len(name) > MAX_FILENAME_CHARS:
        suffix = PurePosixPath(name).suffix
        suffix = suffix if len(suffix) <= _LONGEST_KEPT_SUFFIX else ""
        name = name[: MAX_FILENAME_CHARS - len(suffix)] + suffix
    return name or "unnamed"
