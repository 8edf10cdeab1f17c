"""Readable, unique ids and file names from Orchestrator's names (which may be in any language)."""

from __future__ import annotations

import re
import unicodedata

_CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
                      "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
                     strict=True))
_UNSAFE_IN_FILE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
# File systems allow 255 bytes a name; room is left for " 99" and ".json".
MAX_NAME_BYTES = 200


def slug(name: str, fallback: str = "activity") -> str:
    """`[a-z][a-z0-9_]*` from a name: Cyrillic transliterated, accents dropped, the rest as `_`."""
    text = "".join(_CYRILLIC.get(c, c) for c in name.casefold())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    if not text:
        return fallback
    return text if text[0].isalpha() else f"{fallback}_{text}"


def unique(base: str, taken: set[str], fold: bool = False, sep: str = "_") -> str:
    """`base`, or `base_2`, `base_3`, ... (or with `sep`), the first not in `taken`; adds it."""
    candidate, n = base, 1
    while (candidate.casefold() if fold else candidate) in taken:
        n += 1
        candidate = f"{base}{sep}{n}"
    taken.add(candidate.casefold() if fold else candidate)
    return candidate


def file_part(name: str) -> str:
    """A folder or file name for a runbook or folder name: the name, minus what file systems refuse."""
    cleaned = _UNSAFE_IN_FILE.sub("_", name).strip().strip(".")
    cleaned = cleaned.encode()[:MAX_NAME_BYTES].decode(errors="ignore").strip()
    return cleaned or "_"
