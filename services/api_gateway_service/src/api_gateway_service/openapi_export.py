"""``pdm run export-openapi``: write the gateway's OpenAPI document to ``docs/api/openapi.json``.

The checked-in file is the public contract as a diff: a test fails when the routes and the file
disagree, so a change to the public API is always reviewed as a change to this file.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from api_gateway_service.app import create_app
from api_gateway_service.config import Settings
from api_gateway_service.openapi_document import public_openapi, render

DEFAULT_PATH = Path("docs/api/openapi.json")
# The app is built only to read its routes: nothing connects, so no database or Redis is needed.
_NEVER_CONNECTED = "postgresql+asyncpg://openapi-export@127.0.0.1:1/unused"


async def _served_document() -> dict[str, Any]:
    app = await create_app(Settings(dev_mode=True, database_url=_NEVER_CONNECTED))
    async with app.router.lifespan_context(app):  # closes what the app opened
        return public_openapi(app)


def current_document() -> str:
    """The document the gateway serves, rendered as it is checked in; no setting changes it."""
    return render(asyncio.run(_served_document()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_PATH, help="where to write it (default: %(default)s)")
    target = parser.parse_args().output
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(current_document(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
