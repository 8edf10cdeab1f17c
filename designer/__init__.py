"""Interlock's desktop designer (PySide6). It talks to the engine only through its public API."""
