"""The runbook file: what a runbook is and how it is read, checked and written.

Holds the pydantic model of format 1 (`model`), canonical JSON (`jsonfmt`), file I/O (`fileio`), the JSON
Schema (`schema`), the `{{…}}` reference parser (`templates`), the graph compile that validation and the
run share (`graph`: start point, order, data scopes), validation (`validate`), the editable document the
designer changes (`document`) and the text renderings of `interlock export` (`export`).

May import: the engine's top-level foundation modules (errors, paths, gcpolicy, activity, parameters) and
`engine.config` (validation checks properties against the registry of installed activity types).
Never `run`, `history`, `schedule` or `cli`: a runbook can be read and checked without an engine.
"""
