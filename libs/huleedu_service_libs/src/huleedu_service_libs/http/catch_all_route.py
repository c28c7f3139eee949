"""A catch-all route (``/{path:path}``) that leaves an app's own path prefixes alone.

The dashboard's files are served at every path the API does not use. Refusing the API's paths
inside the catch-all's handler would not be enough: when no route matches a request fully, the
router answers 405 for the first route whose path matched, so a wrong method on an unknown API
path would turn from 404 into the catch-all's 405. This route does not match a reserved path at
all, so there every 404 and 405 stays the API's own.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

CATCH_ALL_PATH = "/{path:path}"


def is_under(path: str, prefixes: Iterable[str]) -> bool:
    """Whether ``path`` is one of ``prefixes`` or below one (``/v1`` covers ``/v1/x``, not ``/v10``)."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


def catch_all_route_outside(reserved_prefixes: tuple[str, ...]) -> type[APIRoute]:
    """A route class for :data:`CATCH_ALL_PATH` that matches no path under ``reserved_prefixes``.

    Use it as an ``APIRouter``'s ``route_class``.
    """

    class CatchAllOutsideReserved(APIRoute):
        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            match, child_scope = super().matches(scope)
            # The one path parameter is the whole path without its leading slash.
            if match is not Match.NONE and is_under("/" + child_scope["path_params"]["path"], reserved_prefixes):
                return Match.NONE, {}
            return match, child_scope

    return CatchAllOutsideReserved
