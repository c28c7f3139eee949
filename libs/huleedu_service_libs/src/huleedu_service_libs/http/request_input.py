"""Hostile request input turned into a 400 before it reaches a model, a query or the database.

Framework-free: the Quart and FastAPI adapters call these. Each check exists because the input
would otherwise end as a 500 (or a stalled loop) further down:

- bytes that are not UTF-8, JSON nested deeper than any real request (``json`` recurses in C and
  raises ``RecursionError``, which no ``except ValueError`` catches), and ``NaN``/``Infinity``
  (or ``1e400``, which overflows to it), which are not JSON numbers but which Python's parser accepts;
- a U+0000 or an unpaired surrogate in any string: PostgreSQL ``text`` cannot hold the first and
  UTF-8 cannot encode the second, so either fails the INSERT or the query;
- an integer query parameter outside the range a route can use (``offset=2**63`` overflows
  PostgreSQL's ``bigint``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from huleedu_service_libs.errors import ValidationFailedError

# Deeper than any request model here (the deepest nests three levels); shallow enough that
# walking it is cheap and that no recursive consumer of the parsed value can overflow.
MAX_JSON_DEPTH = 32
# Error bodies quote at most this much of what the caller sent.
QUOTE_LIMIT = 40
# The largest offset any paged list accepts: far past any real page, far below bigint overflow.
MAX_OFFSET = 1_000_000
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A short, printable prefix of bad input for an error message (never the whole of it)."""
    text = str(value)
    shown = _UNSTORABLE.sub("\ufffd", text[:limit])
    return repr(shown + ("…" if len(text) > limit else ""))


def unstorable_reason(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or ``None`` when it can."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (U+0000)"
    return "contains an unpaired UTF-16 surrogate, which is not valid Unicode text"


def check_storable(value: str, field: str) -> str:
    reason = unstorable_reason(value)
    if reason is not None:
        raise ValidationFailedError(f"{field} {reason}", details={"field": field})
    return value


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def parse_json_body(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON value of a request body, or a :class:`ValidationFailedError` that says what is wrong.

    Every string in the result, keys included, is storable text (see :func:`unstorable_reason`);
    the error names the first field that is not, as a dotted path (``students.2.name``).
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailedError(
            f"The request body is not valid UTF-8 (byte {exc.start})", details={"byte_offset": exc.start}
        ) from None
    if not text.strip():
        raise ValidationFailedError("Send a JSON body with Content-Type: application/json")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise _too_deep(max_depth) from None
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, integers over Python's digit limit
        position = getattr(exc, "pos", None)
        where = f" at character {position}" if position is not None else ""
        reason = getattr(exc, "msg", None) or str(exc)
        raise ValidationFailedError(f"The request body is not valid JSON{where}: {reason}") from None
    check_json_value(value, max_depth=max_depth)
    return value


def _too_deep(max_depth: int) -> ValidationFailedError:
    return ValidationFailedError(
        f"The request body is nested too deeply (at most {max_depth} levels)", details={"max_depth": max_depth}
    )


def check_json_value(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Depth and storable text of an already parsed JSON value; iterative, so depth costs no stack."""
    pending: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while pending:
        item, path = pending.pop()
        if isinstance(item, dict | list) and len(path) >= max_depth:
            raise _too_deep(max_depth)
        if isinstance(item, str):
            _check_field(item, path)
        elif isinstance(item, float) and not math.isfinite(item):
            # 1e400 parses to inf without passing through parse_constant.
            field = ".".join(path) or "body"
            raise ValidationFailedError(f"{field} is not a finite number", details={"field": field})
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = (*path, str(key))
                _check_field(str(key), child_path, what="a key")
                pending.append((child, child_path))
        elif isinstance(item, list):
            pending.extend((child, (*path, str(index))) for index, child in enumerate(item))


def _check_field(text: str, path: tuple[str, ...], *, what: str = "") -> None:
    reason = unstorable_reason(text)
    if reason is None:
        return
    field = ".".join(path) or "body"
    subject = f"{field}: {what}" if what else field
    raise ValidationFailedError(f"{subject} {reason}", details={"field": field})


def check_query(pairs: Iterable[tuple[str, str]]) -> None:
    """Every query parameter name and value (all of them, repeated names too) is storable text."""
    for name, value in pairs:
        check_storable(name, "query parameter name")
        check_storable(value, name)


def query_int(args: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int) -> int:
    """An integer query parameter within ``[minimum, maximum]``; absent or empty means ``default``."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    bounds = f"{name} must be a whole number from {minimum} to {maximum}"
    # Bounded before int(): a parameter of a million digits would otherwise cost the parse.
    if len(raw) > len(str(maximum)) + 2:
        raise ValidationFailedError(bounds, details={"field": name, "value": quote(raw)})
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailedError(bounds, details={"field": name, "value": quote(raw)}) from None
    if not minimum <= value <= maximum:
        raise ValidationFailedError(bounds, details={"field": name, "value": quote(raw)})
    return value
