"""Running a runbook: from a compiled graph to a job's result, with events on the way.

Holds the executor (`Engine`, `JobHandle`), the plan built from the compiled graph (`plan`), the job and
its instances (`job`, `instance`), what they need from the engine without importing it (`services`), link
conditions and filtering (`conditions`, `filtering`), the data bus (`rows`, `datapath`), events and
results (`events`, `result`), live progress counts (`progress`) and the hot-path helpers (`clock`,
`fastbuild`).

May import: the foundation modules, `engine.format` and `engine.config`. Never `cli`, `schedule` or a
history back-end: the history records a run through an event sink handed in by whoever starts the job.
"""
