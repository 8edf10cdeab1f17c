"""Who a request is: the `Authorization: Bearer TOKEN` header checked against the token store, and
whether that token's role and folders allow what it asks (security.py keeps the tokens)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .problems import ApiProblem
from .security import Principal, Role, SecurityError, normalise_path

# auto_error=False: a missing header is our own 401 problem document, not FastAPI's 403.
_bearer = HTTPBearer(auto_error=False,
                     description="An API token: `interlock server token create NAME --role R`")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def requires(role: Role) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency: the request's principal, which has at least `role` (401/403 otherwise)."""
    async def principal(request: Request,
                        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
        if credentials is None or not credentials.credentials:
            raise ApiProblem(401, "no API token: send the header Authorization: Bearer TOKEN",
                             kind="no-token", headers=_CHALLENGE)
        try:
            # On the loop, not in a worker thread: one indexed SQLite read; a hop to a thread costs far
            # more under load, when that thread waits for the GIL behind the running jobs.
            found = request.app.state.tokens.verify(credentials.credentials)
        except SecurityError as exc:
            raise ApiProblem(503, str(exc), kind="token-store") from None
        if found is None:
            raise ApiProblem(401, "the API token is unknown or revoked", kind="bad-token", headers=_CHALLENGE)
        if not found.can(role):
            raise ApiProblem(403, f'token "{found.name}" has the role {found.role}; '
                                  f"this needs {role} or above",
                             kind="forbidden-role")
        return found
    return principal


def check_scope(principal: Principal, path: str) -> None:
    """403 when the token's folders do not cover the runbook at `path`; 404 for a path that leads out
    of the catalogue (whatever the token)."""
    if normalise_path(path) is None:
        raise ApiProblem(404, f'no runbook "{path}" in the catalogue (a path like "folder/name.json")',
                         kind="unknown-runbook")
    if not principal.may_see(path):
        scope = ", ".join(f'"{f}"' for f in principal.folders)
        raise ApiProblem(403, f'token "{principal.name}" may use the folders {scope} only, not "{path}"',
                         kind="forbidden-folder")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def audit(request: Request, principal: Principal, action: str, target: str,
          detail: dict[str, Any] | None = None) -> None:
    """Write one audit entry (who, what, to what, from where); a log that cannot be written is logged
    on the server, not turned into a failed request after the action has happened."""
    try:
        request.app.state.audit.record(principal.name, action, target, client_address(request), detail)
    except SecurityError as exc:
        request.app.state.log(f"audit entry not written: {exc}")


viewer = requires("viewer")
operator = requires("operator")
admin = requires("admin")
