"""Interlock's activity packs: one sub-package each, registered through the `interlock.activities`
entry-point group."""
