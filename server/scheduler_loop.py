"""The scheduler inside `tessera serve`: a background task, started and stopped with the app's
lifespan, that runs due scheduled automations every `TESSERA_SCHEDULER_SECONDS` (30) seconds.
Several workers may each run one: a due run is claimed in the database, so it runs once. While
it serves, webhooks are sent from threads of their own, so no request waits for one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from starlette.applications import Starlette

import engine
from engine.automations import runner, scheduler

log = logging.getLogger("tessera.scheduler")


async def _loop(db: engine.Database, every: float) -> None:
    while True:
        try:
            await asyncio.to_thread(scheduler.run_due, db.engine)
        except Exception:  # a bad tick is logged; the next one tries again
            log.exception("scheduled automations failed")
        await asyncio.sleep(every)


def lifespan(
    db: engine.Database, every: float | None = None
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    seconds = every if every is not None else float(os.environ.get("TESSERA_SCHEDULER_SECONDS", 30))

    @asynccontextmanager
    async def run(app: Starlette) -> AsyncIterator[None]:
        runner.webhooks_in_background(True)  # a request never waits for a webhook
        task = asyncio.create_task(_loop(db, seconds))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await asyncio.to_thread(runner.webhooks_in_background, False)

    return run
