"""The text pack: Orchestrator's text and data utilities — random text, date/time formatting and
mapping published data (DESIGN §6.3)."""

from engine.activity import Pack

from .format_datetime import FormatDateTime
from .generate_random import GenerateRandom
from .map_published_data import MapPublishedData

PACK = Pack(
    name="text",
    title="Text and Data Manipulation",
    description="Generate random text, format dates and times, map values to new published data.",
    activities=[GenerateRandom, FormatDateTime, MapPublishedData],
)
