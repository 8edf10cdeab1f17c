"""Find Text: the lines of text files that hold a text or match a regular expression; one row per
match, with its line, line number and the regular expression's groups."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.activity import RunContext

from .base import FileActivity, connection_field, recursive_field
from .filesystem import FileSystem
from .matching import matching_files
from .text import ReadEncoding, decode, lines_of, read_encoding_field


class FindTextProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = connection_field()
    path: str = Field(min_length=1, title="File",
                      description="The file, or a wildcard in its name to search several "
                                  "(/var/log/app/*.log)")
    recursive: bool = recursive_field("search")
    pattern: str = Field(min_length=1, title="Text to find",
                         description="Plain text, or a regular expression (Python syntax) with regex set")
    regex: bool = Field(False, title="Regular expression", description="true: the pattern is a regular "
                                                                       "expression")
    case_sensitive: bool = Field(False, title="Match case", description="true: A and a differ")
    encoding: ReadEncoding = read_encoding_field()

    @model_validator(mode="after")
    def _compiles(self) -> FindTextProperties:
        compiled(self)
        return self


def compiled(properties: FindTextProperties) -> re.Pattern[str]:
    """The search as a regular expression (a plain text is escaped); ValueError names the mistake."""
    source = properties.pattern if properties.regex else re.escape(properties.pattern)
    try:
        return re.compile(source, 0 if properties.case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"pattern {properties.pattern!r} is not a valid regular expression: {exc}") from None


class TextMatch(BaseModel):
    path: str = Field(description="The file's full path")
    line: str = Field(description="The whole line that matched")
    number: int = Field(description="The line's number, from 1")
    match: str = Field(description="The text that matched")
    groups: list[str] = Field(description="The regular expression's groups (an unmatched group is empty)")


class FindText(FileActivity):
    """Publishes one row per match."""

    type_name = "files.find_text"
    display_name = "Find Text"
    description = ("Finds a text or regular expression in text files, here or on an ssh host; one row per "
                   "match (line, number, match, groups).")
    icon = "file_find"
    operation = "find text"
    Properties = FindTextProperties
    Published = TextMatch
    subject_field = "path"

    async def act(self, properties: FindTextProperties, fs: FileSystem,
                  context: RunContext) -> list[dict[str, Any]]:
        search = compiled(properties)
        rows = []
        for entry in await matching_files(fs, fs.full(properties.path), recursive=properties.recursive):
            text = decode(entry.path, await fs.read(entry.path), properties.encoding)
            for number, line in enumerate(lines_of(text), start=1):
                rows.extend({"path": entry.path, "line": line, "number": number, "match": found.group(0),
                             "groups": [group or "" for group in found.groups()]}
                            for found in search.finditer(line))
        return rows
