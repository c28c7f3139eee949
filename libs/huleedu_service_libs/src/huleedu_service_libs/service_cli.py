"""The command line every service package exposes as ``python -m <service> migrate|serve``.

The dev stack (``scripts/devstack``), docker-compose and operators all start services the same
way: ``migrate`` runs the service's Alembic migrations to head, ``serve`` runs its ASGI app
under hypercorn until SIGTERM or SIGINT. Background work (Kafka consumers, the outbox relay,
queue workers) belongs to the app's own startup and shutdown hooks (Quart ``before_serving`` /
``after_serving``, FastAPI lifespan), so a test client and the real server run the same code::

    # src/content_service/__main__.py
    import sys
    from huleedu_service_libs.service_cli import run_service_cli
    from content_service.app import create_app
    from content_service.config import Settings

    sys.exit(run_service_cli(Settings, create_app, alembic_dir=ALEMBIC_DIR))
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from hypercorn.asyncio import serve
from hypercorn.config import Config

from huleedu_service_libs.logging import configure_logging
from huleedu_service_libs.migrations import upgrade_to_head
from huleedu_service_libs.settings import ServiceSettings

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
# hypercorn types the app loosely too; Quart and FastAPI apps are both accepted.
AppFactory = Callable[[SettingsT], Awaitable[Any]]


def run_service_cli(
    settings_factory: Callable[[], SettingsT],
    app_factory: AppFactory[SettingsT],
    *,
    alembic_dir: Path | None,
    argv: Sequence[str] | None = None,
) -> int:
    parser = argparse.ArgumentParser(description="Run a HuleEdu service.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply the service's database migrations (alembic upgrade head)")
    serve_cmd = commands.add_parser("serve", help="serve the HTTP app and its background workers")
    serve_cmd.add_argument("--host", help="override the configured host")
    serve_cmd.add_argument("--port", type=int, help="override the configured port")
    args = parser.parse_args(argv)

    settings = settings_factory()
    configure_logging(settings.service_name, log_format=settings.log_format, level=settings.log_level)
    if args.command == "migrate":
        if alembic_dir is None:
            print(f"{settings.service_name} has no database migrations")
            return 0
        if not settings.database_url:
            parser.error("no database URL configured (set <SERVICE>_DATABASE_URL)")
        upgrade_to_head(alembic_dir, settings.database_url)
        print(f"{settings.service_name}: migrations at head")
        return 0
    host = args.host or settings.http_host
    port = args.port or settings.http_port
    asyncio.run(_serve(app_factory, settings, host, port))
    return 0


async def _serve(app_factory: AppFactory[SettingsT], settings: SettingsT, host: str, port: int) -> None:
    app = await app_factory(settings)
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.accesslog = None  # the shared HTTP middleware logs and measures requests
    config.graceful_timeout = settings.shutdown_grace_seconds
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await serve(app, config, shutdown_trigger=stop.wait)
