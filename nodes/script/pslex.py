"""Just enough of PowerShell's lexing to know where its single-quoted strings are: a subscription inside
one would be literal text, so powershell.py turns such a string into a double-quoted one (its `$`, `"`
and backticks escaped) in which the value's `$( … )` expands.

What it knows: comments (`# …` at a token's start, `<# … #>`), single- and double-quoted strings with
PowerShell's typographic quotes, doubled quotes and backtick escapes, `$( … )` inside double quotes
(lexed as code, so quotes inside it are seen), and here-strings (`@' … '@`, `@" … "@`).
"""

from __future__ import annotations

from dataclasses import dataclass

SINGLE = "'\u2018\u2019\u201a\u201b"  # PowerShell reads the typographic single quotes as ' too
DOUBLE = '"\u201c\u201d\u201e'
_TOKEN_START = " \t\r\n;({|=,"


@dataclass(frozen=True)
class Span:
    start: int
    end: int  # just past the closing quote
    here: bool  # a here-string (@' … '@)


def single_quoted(text: str) -> list[Span]:
    """The single-quoted strings of a script, in order."""
    lexer = _Lexer(text)
    lexer.code(0, closing=False)
    return lexer.spans


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.spans: list[Span] = []

    def code(self, i: int, closing: bool) -> int:
        """Lex code from i; with closing, up to the ")" that ends a `$(` (returns the index past it)."""
        t, depth = self.text, 0
        while i < len(t):
            c = t[i]
            if c == "#" and (i == 0 or t[i - 1] in _TOKEN_START):
                i = _line_end(t, i)
            elif t.startswith("<#", i):
                end = t.find("#>", i + 2)
                i = len(t) if end < 0 else end + 2
            elif t[i:i + 2] in ("@'", '@"') and t[i + 2:_line_end(t, i)].strip() == "":
                i = self.here_string(i)
            elif c in SINGLE:
                i = self.single(i)
            elif c in DOUBLE:
                i = self.double(i + 1)
            elif c == "`":
                i += 2
            else:
                if closing and c == "(":
                    depth += 1
                elif closing and c == ")":
                    if depth == 0:
                        return i + 1
                    depth -= 1
                i += 1
        return len(t)

    def single(self, start: int) -> int:
        t, i = self.text, start + 1
        while i < len(t):
            if t[i] in SINGLE:
                if i + 1 < len(t) and t[i + 1] in SINGLE:  # '' is a quote inside the string
                    i += 2
                    continue
                self.spans.append(Span(start, i + 1, False))
                return i + 1
            i += 1
        return len(t)  # unterminated: PowerShell reports it

    def double(self, i: int) -> int:
        t = self.text
        while i < len(t):
            if t[i] == "`":
                i += 2
            elif t[i] in DOUBLE:
                if i + 1 < len(t) and t[i + 1] in DOUBLE:
                    i += 2
                    continue
                return i + 1
            elif t.startswith("$(", i):
                i = self.code(i + 2, closing=True)
            else:
                i += 1
        return len(t)

    def here_string(self, start: int) -> int:
        t = self.text
        quote = t[start + 1]
        end = t.find("\n" + quote + "@", start)
        if end < 0:
            return len(t)
        if quote == "'":
            self.spans.append(Span(start, end + 3, True))
        return end + 3


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def as_double_quoted(text: str, span: Span) -> str:
    """A single-quoted string's text as a double-quoted string holding the same characters."""
    if span.here:
        first = text.index("\n", span.start) + 1
        body = text[first:span.end - 3]
        return '@"\n' + _escape(body, quotes=False) + '\n"@'
    body = text[span.start + 1:span.end - 1]
    unquoted, i = [], 0
    while i < len(body):  # '' -> '
        unquoted.append(body[i])
        i += 2 if body[i] in SINGLE and i + 1 < len(body) and body[i + 1] in SINGLE else 1
    return '"' + _escape("".join(unquoted), quotes=True) + '"'


def _escape(text: str, quotes: bool) -> str:
    special = "`$" + (DOUBLE if quotes else "")
    return "".join("`" + c if c in special else c for c in text)
