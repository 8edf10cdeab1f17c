"""The runbook server (`interlock server`, DESIGN §6.4): a FastAPI application on uvicorn that serves a
folder of runbook files (the catalogue), runs jobs through the same engine and run history as
`interlock run`, streams their events (Server-Sent Events), hosts the schedules and monitors, and
guards it all with API tokens and roles.

`app.create_app(settings)` builds the application; `hosting.serve` runs it with graceful shutdown.

May import: the foundation modules, `engine.config`, `engine.format`, `engine.run`, `engine.history` and
`engine.schedule`. Never `cli` (the CLI starts the server, not the other way round).
"""
