"""Hostile requests for every route of a Quart or FastAPI app, derived from the app's own routing table.

Nothing here names a route: the routes come from ``app.url_map`` (Quart) or ``app.routes``
(FastAPI), the body model of a JSON route from the mark ``huleedu_service_libs.http.quart_support.json_body``
leaves on its view (Quart) or the route's body parameter (FastAPI), and a sample body from the
model's example in ``common_core.http.examples`` (or, for a model without one, from its JSON
schema). A new route is covered the day it is added.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, get_args
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel
from quart import Quart
from werkzeug.routing import Rule, UUIDConverter

from common_core.http.examples import example_names, example_of
from huleedu_service_libs.http.metrics import HEALTH_PATH, METRICS_PATH
from huleedu_service_libs.http.quart_support import BODY_MODEL_ATTR, CALLERS_ATTR

BODY_METHODS = {"POST", "PUT", "PATCH"}
NUL = "a\x00b"
HUGE_TEXT = "x" * 1_000_000
HUGE_NUMBERS = (10**30, -(10**30), 1e308)
QUERY_CASES = (
    "limit=9223372036854775808",
    "offset=9223372036854775808",
    "offset=-1",
    "limit=1e3",
    "q=" + "x" * 100_000,
    "page=99999999999999999999",
)
# Query parameters the services read; a NUL in any of them must be refused before it is used.
QUERY_NAMES = ("q", "status", "user_id", "batch_ids", "class_id", "limit", "offset")
RAW_BODIES: tuple[tuple[str, bytes, str], ...] = (
    ("invalid UTF-8", b'{"title": "caf\xe9 \xff\xfe"}', "application/json"),
    ("nested 100k deep", b"[" * 100_000 + b"]" * 100_000, "application/json"),
    ("nested objects", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "application/json"),
    ("a JSON list", b"[1, 2, 3]", "application/json"),
    ("a JSON string", b'"hello"', "application/json"),
    ("JSON null", b"null", "application/json"),
    ("a bare number", b"12", "application/json"),
    ("NaN", b'{"x": NaN}', "application/json"),
    ("1e400", b'{"x": 1e400}', "application/json"),
    ("a 10,000-digit integer", b'{"x": ' + b"9" * 10_000 + b"}", "application/json"),
    ("truncated JSON", b'{"title": "abc', "application/json"),
    ("plain text", b"hello there", "text/plain"),
    ("a form", b"title=a&course_code=b", "application/x-www-form-urlencoded"),
    ("broken multipart", b"--zzz\r\ngarbage", "multipart/form-data; boundary=zzz"),
    ("XML", b"<?xml version='1.0'?><!DOCTYPE a [<!ENTITY b 'c'>]><a>&b;</a>", "application/xml"),
)


@dataclass(frozen=True)
class HostileRequest:
    label: str
    method: str
    path: str
    body: bytes | None = None
    content_type: str | None = None
    # A NUL in a stored string: the answer must be exactly 400, naming this field.
    nul_field: str | None = None


@dataclass(frozen=True)
class Route:
    """One method of one route, whatever the framework: its template, arguments and how to fill them."""

    template: str
    method: str
    body_model: type[BaseModel] | None
    arguments: tuple[str, ...]
    uuid_arguments: frozenset[str]
    build: Callable[[Mapping[str, Any]], str]
    # The services a Quart route admits (its internal_route mark); None: the app's default caller.
    callers: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"


def routes_of(app: Quart | FastAPI) -> list[Route]:
    """Every route the app serves, bar /healthz, /metrics, static files and the API docs, one per method."""
    return _fastapi_routes(app) if isinstance(app, FastAPI) else _quart_routes(app)


def _quart_routes(app: Quart) -> list[Route]:
    found: list[Route] = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule in (HEALTH_PATH, METRICS_PATH):
            continue
        view = app.view_functions[rule.endpoint]
        model = getattr(view, BODY_MODEL_ATTR, None)
        uuids = frozenset(name for name in rule.arguments if _is_uuid(rule, name))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):

            def build(values: Mapping[str, Any], endpoint: str = rule.endpoint, method: str = method) -> str:
                return adapter.build(endpoint, dict(values), method=method)

            callers = getattr(view, CALLERS_ATTR, None)
            found.append(Route(rule.rule, method, model, tuple(sorted(rule.arguments)), uuids, build, callers))
    return found


def _is_uuid(rule: Rule, argument: str) -> bool:
    return isinstance(rule._converters.get(argument), UUIDConverter)


def _fastapi_routes(app: FastAPI) -> list[Route]:
    found: list[Route] = []
    # Through FastAPI's own walk: included routers are resolved lazily, so app.routes alone misses them.
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        template = context.path_format
        if not isinstance(route, APIRoute) or template is None or template in (HEALTH_PATH, METRICS_PATH):
            continue
        params = route.dependant.path_params
        uuids = frozenset(param.name for param in params if param.field_info.annotation is uuid.UUID)
        bodies = [_model_in(param.field_info.annotation) for param in route.dependant.body_params]
        model = bodies[0] if len(bodies) == 1 else None

        def build(values: Mapping[str, Any], template: str = template) -> str:
            return template.format(**{name: quote(str(value), safe="") for name, value in values.items()})

        for method in sorted((context.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append(Route(template, method, model, tuple(sorted(p.name for p in params)), uuids, build))
    return found


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model of a body parameter, also when it is optional (``Model | None``)."""
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def path_values(route: Route, seeds: Mapping[str, str]) -> dict[str, str]:
    """A value for every path argument: a seeded id where the suite created one, else a fresh one.

    A DELETE never gets a seeded id, so that the seeds survive the whole run.
    """
    values: dict[str, str] = {}
    for argument in route.arguments:
        seeded = seeds.get(argument)
        if seeded is not None and route.method != "DELETE":
            values[argument] = seeded
        else:
            values[argument] = str(uuid.uuid4()) if argument in route.uuid_arguments else "x"
    return values


def sample_body(model: type[BaseModel]) -> Any:
    if model.__name__ in example_names():
        return example_of(model.__name__)
    schema = model.model_json_schema()
    return _from_schema(schema, schema.get("$defs", {}), depth=0)


def _from_schema(schema: Mapping[str, Any], defs: Mapping[str, Any], depth: int) -> Any:
    if "$ref" in schema:
        return _from_schema(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, depth)
    for union in ("anyOf", "oneOf"):
        if union in schema:
            options = [option for option in schema[union] if option.get("type") != "null"]
            return _from_schema(options[0], defs, depth) if options else None
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" and depth < 4:
        properties = schema.get("properties", {})
        return {name: _from_schema(sub, defs, depth + 1) for name, sub in properties.items()}
    if kind == "array":
        item = schema.get("items", {})
        return [_from_schema(item, defs, depth + 1)] if schema.get("minItems", 0) else []
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return False
    if kind == "string":
        return _sample_string(schema)
    return None


def _sample_string(schema: Mapping[str, Any]) -> str:
    formats = {"uuid": str(uuid.uuid4()), "email": "teacher@example.org", "date-time": "2026-01-01T00:00:00+00:00"}
    if schema.get("format") in formats:
        return formats[schema["format"]]
    return "x" * max(1, int(schema.get("minLength", 1)))


def leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every field of a JSON value with its path, containers included (their fields follow)."""
    if path:
        yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaves(child, (*path, str(key)))
    elif isinstance(value, list):
        for index, child in enumerate(value[:2]):
            yield from leaves(child, (*path, str(index)))


def replaced(value: Any, path: tuple[str, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, list):
        copy_list = list(value)
        copy_list[int(head)] = replaced(copy_list[int(head)], rest, new)
        return copy_list
    copy = dict(value)
    copy[head] = replaced(copy[head], rest, new)
    return copy


def _json(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode("utf-8")


def hostile_requests(route: Route, seeds: Mapping[str, str]) -> Iterator[HostileRequest]:
    values = path_values(route, seeds)
    path = route.build(values)
    sample = sample_body(route.body_model) if route.body_model is not None else None
    sample_bytes = _json(sample) if sample is not None else None
    json_type = "application/json" if sample_bytes is not None else None

    def at(label: str, target: str, **kwargs: Any) -> HostileRequest:
        body = kwargs.pop("body", sample_bytes)
        content_type = kwargs.pop("content_type", json_type)
        return HostileRequest(label, route.method, target, body, content_type, **kwargs)

    yield at("the sample request", path)
    for argument in route.arguments:
        if argument in route.uuid_arguments:
            broken = path.replace(values[argument], "not-a-uuid", 1)
            yield at(f"path {argument} not a UUID", broken)
            continue
        for label, hostile in (("NUL", NUL), ("10k characters", "é" * 10_000), ("a slash-dot", "../..")):
            hostile_path = route.build({**values, argument: hostile})
            yield at(f"path {argument} {label}", hostile_path, nul_field=argument if label == "NUL" else None)
    for query in QUERY_CASES:
        yield at(f"query {query[:40]}", f"{path}?{query}")
    for name in QUERY_NAMES:
        yield at(f"query {name} with NUL", f"{path}?{name}=a%00b", nul_field=name)
    if route.method not in BODY_METHODS:
        return
    for label, raw, content_type in RAW_BODIES:
        yield at(f"body: {label}", path, body=raw, content_type=content_type)
    if sample is None:
        return
    for field, value in leaves(sample):
        dotted = ".".join(field)
        yield at(f"{dotted} = null", path, body=_json(replaced(sample, field, None)))
        if isinstance(value, str):
            yield at(f"{dotted} with NUL", path, body=_json(replaced(sample, field, NUL)), nul_field=dotted)
            yield at(f"{dotted} of 1 MB", path, body=_json(replaced(sample, field, HUGE_TEXT)))
            yield at(f"{dotted} with a lone surrogate", path, body=_json(replaced(sample, field, "\ud800")))
        elif isinstance(value, bool):
            yield at(f"{dotted} as a string", path, body=_json(replaced(sample, field, "yes")))
        elif isinstance(value, int | float):
            for number in HUGE_NUMBERS:
                yield at(f"{dotted} = {number:.3g}", path, body=_json(replaced(sample, field, number)))
            yield at(f"{dotted} as a string", path, body=_json(replaced(sample, field, "12")))
        elif isinstance(value, list):
            yield at(
                f"{dotted} with 10,000 items", path, body=_json(replaced(sample, field, [value[:1] or 1] * 10_000))
            )
        elif isinstance(value, dict):
            yield at(f"{dotted} as a list", path, body=_json(replaced(sample, field, [1])))
