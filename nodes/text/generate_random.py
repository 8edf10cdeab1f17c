"""Generate Random Text: passwords, tokens and names from the operating system's random source
(`secrets`), with every chosen class of characters present at least once, as Orchestrator does."""

from __future__ import annotations

import secrets
import string
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.activity import ActivityType, RunContext
from engine.config.redaction import remember_secret

from .format_datetime import TEXT_COLOR

SYMBOLS = "!#$%&()*+,-./:;<=>?@[]^_{|}~"  # printable punctuation without quotes, backslash and backtick
_RANDOM = secrets.SystemRandom()


class GenerateRandomProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    length: int = Field(16, ge=1, le=4096, title="Text length", description="How many characters")
    upper: bool = Field(True, title="Upper case letters", description="Use A-Z")
    lower: bool = Field(True, title="Lower case letters", description="Use a-z")
    digits: bool = Field(True, title="Numbers", description="Use 0-9")
    symbols: bool = Field(False, title="Symbols", description=f"Use {SYMBOLS}")
    exclude: str = Field("", title="Exclude characters",
                         description="Characters never to use (e.g. 0O1lI for text people read out)")
    count: int = Field(1, ge=1, le=1000, title="Count",
                       description="How many texts to generate: one row each")
    secret: bool = Field(False, title="Secret",
                         description="Shown *** in the run log, the history and the job result (the next "
                                     "activities still get the text); for generated passwords")

    @model_validator(mode="after")
    def _classes(self) -> GenerateRandomProperties:
        classes = self.character_classes()
        if not classes:
            raise ValueError("choose at least one class of characters (upper, lower, digits, symbols) "
                             "that is not wholly excluded")
        if self.length < len(classes):
            raise ValueError(f"length {self.length} cannot hold one character of each of the "
                             f"{len(classes)} classes chosen")
        return self

    def character_classes(self) -> list[str]:
        chosen = [(self.upper, string.ascii_uppercase), (self.lower, string.ascii_lowercase),
                  (self.digits, string.digits), (self.symbols, SYMBOLS)]
        classes = ["".join(c for c in chars if c not in self.exclude) for use, chars in chosen if use]
        return [chars for chars in classes if chars]


class RandomText(BaseModel):
    text: str = Field(title="Random Text", description="The generated text")


def generate(length: int, classes: list[str]) -> str:
    """`length` characters with at least one of each class, in a random order."""
    chars = [secrets.choice(chars) for chars in classes]
    alphabet = "".join(classes)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    _RANDOM.shuffle(chars)
    return "".join(chars)


class GenerateRandom(ActivityType):
    type_name = "text.generate_random"
    display_name = "Generate Random Text"
    description = ("Generates random text (a password, a token) of a length from chosen classes of "
                   "characters, each present at least once.")
    icon = "random_text"
    color = TEXT_COLOR
    Properties = GenerateRandomProperties
    Published = RandomText
    may_publish_secrets = True

    async def run(self, properties: GenerateRandomProperties, context: RunContext) -> list[dict[str, Any]]:
        classes = properties.character_classes()
        texts = [generate(properties.length, classes) for _ in range(properties.count)]
        if properties.secret:
            for text in texts:
                remember_secret(text)
        return [{"text": text} for text in texts]
