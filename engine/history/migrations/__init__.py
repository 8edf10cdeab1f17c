"""Alembic's migrations of the run history in PostgreSQL (`interlock db upgrade`, engine/history/schema.py).
env.py runs them on the connection schema.py hands over; versions/ holds one script per schema change."""
