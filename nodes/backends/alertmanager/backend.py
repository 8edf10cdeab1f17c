"""The `alertmanager` back-end: maintenance windows as Alertmanager silences (DESIGN §4).

start_maintenance creates a silence whose only matcher is LABEL="object" and reads it back, so the
published times are the server's; stop_maintenance expires the live silences of that shape that this
connection's `created_by` made, and leaves every other silence alone.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import ValidationError

from nodes.backends.interface import MaintenanceRecord, MaintenanceSystem, iso_utc, utc_now

from .client import AlertmanagerApi, Session
from .silences import LIVE_STATES, Silence, encode_comment, filter_for, is_window, matcher_for, window_record


class AlertmanagerBackend(MaintenanceSystem):
    def __init__(self, api: AlertmanagerApi, label: str, created_by: str) -> None:
        self.api = api
        self.connection = api.endpoint.connection
        self.label = label
        self.created_by = created_by

    async def start_maintenance(self, obj: str, reason: str, duration_min: int,
                                comment: str) -> MaintenanceRecord:
        async with self.api.session("start maintenance", obj) as session:
            live = await self._windows(session, obj)
            if live:
                # As SCOM and the simulated lab: a second window on the same object is a mistake.
                latest = max(live, key=lambda s: s.ends_at)
                raise session.error(f"{obj} is already in maintenance until {iso_utc(latest.ends_at)} "
                                    f"(silence {latest.id})")
            begin = utc_now()  # the server moves a start in its past to its own now
            created = await session.post("/silences", {
                "matchers": [matcher_for(self.label, obj)],
                "startsAt": iso_utc(begin),
                "endsAt": iso_utc(begin + timedelta(minutes=duration_min)),
                "createdBy": self.created_by,
                "comment": encode_comment(reason, comment),
            })
            silence_id = created.get("silenceID") if isinstance(created, dict) else None
            if not isinstance(silence_id, str) or not silence_id:
                raise session.error(f"POST /api/v2/silences answered {created!r}, without a silenceID")
            return window_record(obj, [await self._silence(session, silence_id)])

    async def stop_maintenance(self, obj: str) -> MaintenanceRecord:
        async with self.api.session("stop maintenance", obj) as session:
            live = await self._windows(session, obj)
            if not live:
                raise session.error(f'no active maintenance created by "{self.created_by}" (no active '
                                    f"silence whose only matcher is {filter_for(self.label, obj)})")
            ended = []
            for silence in live:
                await session.delete(f"/silence/{silence.id}")
                ended.append(await self._silence(session, silence.id))  # endsAt is now the server's now
            return window_record(obj, ended)

    async def probe(self) -> str:
        """`interlock connections test`: which Alertmanager answers, and the windows this connection
        has open there (the token, when there is one, is checked on the way)."""
        async with self.api.session("test connection", None) as session:
            status = await session.get("/status")
            silences = await session.get("/silences")
        version = status.get("versionInfo", {}).get("version", "?") if isinstance(status, dict) else "?"
        cluster = status.get("cluster", {}).get("status", "?") if isinstance(status, dict) else "?"
        ours = [self._parse(session, item) for item in silences] if isinstance(silences, list) else []
        live = sum(1 for s in ours if s.status.state in LIVE_STATES and s.created_by == self.created_by)
        return (f"Alertmanager {version} at {self.api.endpoint.url} (cluster {cluster}); {live} live "
                f'silences made by "{self.created_by}"')

    async def _windows(self, session: Session, obj: str) -> list[Silence]:
        """The live silences this connection made for obj."""
        found = await session.get("/silences", params={"filter": filter_for(self.label, obj)})
        if not isinstance(found, list):
            raise session.error(f"GET /api/v2/silences answered {type(found).__name__}, not a list")
        silences = [self._parse(session, item) for item in found]
        return [s for s in silences if is_window(s, self.label, obj, self.created_by)]

    async def _silence(self, session: Session, silence_id: str) -> Silence:
        return self._parse(session, await session.get(f"/silence/{silence_id}"))

    @staticmethod
    def _parse(session: Session, data: object) -> Silence:
        try:
            return Silence.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the answer"
            raise session.error(f"Alertmanager's answer is not a silence as API v2 describes it ({where}: "
                                f"{first['msg']})") from None
