"""The measure service."""

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from gipkit.app import create_app
from measure.collect.router import router as collect_router
from measure.common.clock import utcnow
from measure.common.directory import TenantsDirectory
from measure.common.writers import Writers
from measure.hits.groupcommit import GroupCommit
from measure.hits.partitions import Partitions
from measure.hits.router import router as hits_router
from measure.hits.schemas import HitIn
from measure.hits.service import Ingestion
from measure.hits.store import stage_on_connect
from measure.indicators.router import router as indicators_router
from measure.retention.router import router as retention_router
from measure.rollup import worker
from measure.settings import Settings


async def _start(app: FastAPI) -> None:
    # Tests and the benchmark put their own directory on app.state before startup.
    if getattr(app.state, "directory", None) is None:
        app.state.directory = TenantsDirectory(
            app.state.peers["tenants"], ttl=app.state.settings.directory_ttl_seconds
        )
    stage_on_connect(app.state.db)
    app.state.writers = Writers.for_database(app.state.db)
    app.state.partitions = Partitions()
    now = utcnow()
    await app.state.partitions.ensure(app.state.db, [now, now + timedelta(days=31)])
    app.state.rollup_nudge = lambda: worker.nudge(app)
    app.state.group_commit = GroupCommit(
        lambda hits, now: Ingestion.from_state(app.state).write(hits, now),
        gather_seconds=app.state.settings.group_commit_gather_ms / 1000,
    )
    await worker.start(app)


def create(settings: Settings | None = None) -> FastAPI:
    app = create_app(
        name="measure",
        settings=settings or Settings(),
        description="What is measured: hit ingestion, pseudonymisation, indicators.",
        routers=[hits_router, collect_router, indicators_router, retention_router],
        peers=["tenants"],
        on_startup=[_start],
        on_shutdown=[worker.stop],
    )
    _publish(app, HitIn)
    return app


def _publish(app: FastAPI, model: type[BaseModel]) -> None:
    """Add a schema that no route references directly to the OpenAPI components."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        schema["components"]["schemas"].setdefault(
            model.__name__, model.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
