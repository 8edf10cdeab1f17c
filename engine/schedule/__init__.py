"""Schedules (`schedules.toml`: which runbook, when, with which parameters) and the scheduler process
that starts their jobs.

May import: the foundation modules, `engine.format`, `engine.config`, `engine.run` and `engine.history`.
Never `cli`.
"""
