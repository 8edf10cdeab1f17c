"""Read Line and Append Line (Orchestrator's): lines of a text file, one row per line read; a line
added at the end in the file's encoding, on a line of its own."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import RunContext

from .base import FileActivity, connection_field
from .filesystem import FileSystem, PathError
from .text import (
    LineNumbers,
    ReadEncoding,
    WriteEncoding,
    codec,
    decode,
    lines_of,
    parse_lines,
    read_encoding_field,
    select_lines,
)


class ReadLineProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = connection_field()
    path: str = Field(min_length=1, title="File", description="The text file to read")
    lines: LineNumbers = Field("1-END", title="Line numbers",
                       description="Which lines: 3, 1-5, 10-END, END (the last line), or several separated "
                                   "by commas (1,4-6); lines count from 1")
    encoding: ReadEncoding = read_encoding_field()


class LineRow(BaseModel):
    line: str = Field(description="The line's text, without its line ending")
    number: int = Field(description="Its line number, from 1")
    path: str = Field(description="The file's full path")


class ReadLine(FileActivity):
    """Publishes one row per line read."""

    type_name = "files.read_line"
    display_name = "Read Line"
    description = ("Reads lines of a text file by number or range (1-5, END), here or on an ssh host; one "
                   "row per line.")
    icon = "file_read"
    operation = "read line"
    Properties = ReadLineProperties
    Published = LineRow
    subject_field = "path"

    async def act(self, properties: ReadLineProperties, fs: FileSystem,
                  context: RunContext) -> list[dict[str, Any]]:
        path = fs.full(properties.path)
        await fs.require(path, "file")
        lines = lines_of(decode(path, await fs.read(path), properties.encoding))
        numbers = select_lines(parse_lines(properties.lines), len(lines))
        return [{"line": lines[number - 1], "number": number, "path": path} for number in numbers]


class AppendLineProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = connection_field()
    path: str = Field(min_length=1, title="File", description="The text file to add the line to")
    text: str = Field(title="Text", description="The line to add (line breaks in it add several lines)")
    encoding: WriteEncoding = Field("utf-8", title="Encoding",
                          description="utf-8, unicode / utf-16 (a new file gets a byte-order mark), ascii, "
                                      "latin-1, cp1252, or any Python codec name")
    create_if_missing: bool = Field(True, title="Create the file if missing",
                                    description="false: a missing file fails the activity")
    line_ending: Literal["auto", "lf", "crlf"] = Field(
        "auto", title="Line ending",
        description="auto: the one the file's last line ends with (LF for a new file); lf; crlf (Windows)")


class AppendedLine(BaseModel):
    path: str = Field(description="The file's full path")
    text: str = Field(description="The text added")
    size: int = Field(description="The file's size in bytes afterwards")
    created: bool = Field(description="true when the file was created")


TAIL = 4  # bytes read from the end: enough for "\r\n" in UTF-16


def _utf16_without_bom(head: bytes) -> str:
    """The byte order of an existing UTF-16 file, so appended text gets no second byte-order mark."""
    return "utf-16-be" if head.startswith(b"\xfe\xff") else "utf-16-le"


class AppendLine(FileActivity):
    """Adds a line at the end of a text file."""

    type_name = "files.append_line"
    display_name = "Append Line"
    description = "Adds a line at the end of a text file (created if missing), here or on an ssh host."
    icon = "file_append"
    operation = "append line"
    Properties = AppendLineProperties
    Published = AppendedLine
    subject_field = "path"

    async def act(self, properties: AppendLineProperties, fs: FileSystem,
                  context: RunContext) -> dict[str, Any]:
        path = fs.full(properties.path)
        found = await fs.stat(path)
        if found is None and not properties.create_if_missing:
            raise PathError(path, "no such file (set create_if_missing to create it)", missing=True)
        if found is not None and found.is_folder:
            raise PathError(path, "is a folder, not a file")
        name = codec(properties.encoding)
        tail = ""
        if found is not None and found.size:
            if name in ("utf-16", "utf_16"):
                name = _utf16_without_bom(await fs.read(path, 0, 2))
            tail = (await fs.read(path, max(0, found.size - TAIL))).decode(name, errors="ignore")
        ending = {"lf": "\n", "crlf": "\r\n"}.get(properties.line_ending) or \
            ("\r\n" if tail.endswith("\r\n") else "\n")
        lines = properties.text.replace("\r\n", "\n").split("\n")
        text = ("" if not tail or tail.endswith("\n") else ending) + ending.join(lines) + ending
        try:
            data = text.encode(name)
        except UnicodeEncodeError as exc:
            raise PathError(path, f"the text cannot be written as {properties.encoding}: "
                                  f"{exc.object[exc.start:exc.end]!r} has no code in it") from None
        await fs.write(path, data, append=True)
        after = await fs.stat(path)
        return {"path": path, "text": properties.text, "size": after.size if after else len(data),
                "created": found is None}
