"""/api/v1/runbooks: the catalogue — list (with folders), one runbook with its parameters, validate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from ..format.fileio import validate_file
from .auth import check_scope, viewer
from .catalogue import CatalogueEntry
from .security import Principal
from .state import state_of

router = APIRouter(tags=["runbooks"])


class RunbookDocument(CatalogueEntry):
    runbook: dict[str, Any] | None = Field(None, description="The runbook file's content (None when it "
                                           "does not load)")


class Validation(BaseModel):
    path: str
    valid: bool = Field(description="No errors (warnings allowed)")
    problems: list[str] = Field(default_factory=list, description="Located errors and warnings, as "
                                "`interlock validate` prints them")


@router.get("/runbooks", response_model=list[CatalogueEntry], summary="The runbooks of the catalogue")
def list_runbooks(request: Request, folder: str | None = Query(None, description="only under this folder"),
                  principal: Principal = Depends(viewer)) -> list[CatalogueEntry]:
    state = state_of(request)
    prefix = folder.strip("/") + "/" if folder else ""
    return [entry for entry in state.catalogue.entries()
            if principal.may_see(entry.path) and entry.path.startswith(prefix)]


@router.get("/runbooks/{path:path}", response_model=RunbookDocument,
            summary="One runbook: its parameters, its problems and its content")
def get_runbook(request: Request, path: str, principal: Principal = Depends(viewer)) -> RunbookDocument:
    state = state_of(request)
    check_scope(principal, path)
    entry = state.catalogue.entry(path)  # NotInCatalogue: a 404 (problems.py)
    content = None
    if entry.valid:
        content = state.catalogue.runbook(path).model_dump(mode="json", by_alias=True, exclude_unset=True)
    return RunbookDocument(**entry.model_dump(), runbook=content)


@router.post("/runbooks/{path:path}/validate", response_model=Validation,
             summary="Validate a runbook of the catalogue against the server's configuration")
async def validate_runbook(request: Request, path: str, principal: Principal = Depends(viewer)) -> Validation:
    state = state_of(request)
    check_scope(principal, path)
    file = state.catalogue.file(path)
    config = state.settings.config
    define_in = str(config.source or "the server's configuration")

    def check() -> Validation:
        problems = validate_file(file, state.registry, lambda: (list(config.variables), define_in),
                                 lambda: (list(config.counters), define_in), "error")
        texts = [state.catalogue.relative_message(str(p) if p.file else f"{file}: {p}", file, path)
                 for p in problems]
        return Validation(path=path, valid=all(p.severity == "warning" for p in problems), problems=texts)

    return await run_in_threadpool(check)
