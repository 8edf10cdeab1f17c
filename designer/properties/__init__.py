"""The property editor: a form built from an activity type's pydantic properties model."""
