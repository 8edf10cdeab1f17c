"""`interlock-designer [RUNBOOK]`: the desktop designer's entry point."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    # The canvas is the designer issue's work; until it lands, say so plainly instead of failing oddly.
    print("interlock-designer: the desktop designer is not part of this build yet; "
          "use `interlock validate` and `interlock run`.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
