"""The runbook server's ASGI application: `create_app(settings)`.

The application opens its state when it starts (engine, catalogue, run history, tokens, scheduler) and,
when it stops, lets running jobs drain for `drain_timeout_s`, cancels the rest and records them
(`cancelled`) before closing its files. Errors are problem documents (problems.py); a body over
`max_body_bytes` is a 413; CORS is off unless origins are given.
"""

from __future__ import annotations

import platform
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel

from ..history import SCHEMA_VERSION
from . import problems, routes_admin, routes_jobs, routes_runbooks
from .auth import viewer
from .bodylimit import BodyLimit
from .security import Principal
from .settings import ServerSettings
from .state import ServerState

API = "/api/v1"


def interlock_version() -> str:
    try:
        return version("interlock")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


class Health(BaseModel):
    status: str = "ok"
    version: str


class Version(BaseModel):
    version: str
    api: str = "v1"
    python: str
    history_schema: int


meta = APIRouter(tags=["server"])


@meta.get("/health", response_model=Health, summary="Whether the server answers (no token needed)")
def health() -> Health:
    return Health(version=interlock_version())


@meta.get("/version", response_model=Version, summary="Versions of the server and its API")
def server_version(principal: Principal = Depends(viewer)) -> Version:
    return Version(version=interlock_version(), python=platform.python_version(),
                   history_schema=SCHEMA_VERSION)


def create_app(settings: ServerSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = ServerState(settings)
        app.state.server, app.state.tokens, app.state.audit, app.state.log = \
            state, state.tokens, state.audit, state.log
        state.start_scheduler()
        state.log(f"serving the catalogue {state.catalogue.root}")
        try:
            yield
        finally:
            await state.close()
            state.log("stopped: every job ended and is recorded")

    app = FastAPI(title="Interlock runbook server", version=interlock_version(), lifespan=lifespan,
                  openapi_url=f"{API}/openapi.json", docs_url=f"{API}/docs", redoc_url=None,
                  description="Start runbooks of the catalogue, watch their jobs, read the history "
                              "(DESIGN §6.4). Every call but health needs `Authorization: Bearer TOKEN`.")
    problems.install(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type",
                                                                         "Last-Event-ID"])
    for router in (meta, routes_runbooks.router, routes_jobs.router, routes_admin.router):
        app.include_router(router, prefix=API)
    return app
