"""Run a coroutine to completion from synchronous code, whether or not a loop is running.

Alembic's env.py and pytest's sync fixtures are synchronous but may be called while an event
loop runs in the same thread (an async test, a service applying migrations at start-up);
``asyncio.run`` refuses that, so the coroutine then runs on a fresh loop in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_coroutine_sync(coro: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
