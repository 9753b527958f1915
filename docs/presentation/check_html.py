"""Fail when the rendered slides would fetch anything: every resource must be inline.

Usage: ``python check_html.py build/slides/presentation.html`` (exit 1 listing the offenders).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# src/href attributes, CSS url(...) and @import that point outside the file
_EXTERNAL = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])((?:https?:)?//[^"')\s>]+)""",
    re.IGNORECASE,
)


def external_references(html: str) -> list[str]:
    """URLs the page would load from the network (anchors to other pages are links, not loads,
    but slides have no business linking out either)."""
    return sorted(set(_EXTERNAL.findall(html)))


def main(argv: list[str]) -> int:
    path = Path(argv[1])
    found = external_references(path.read_text("utf-8"))
    if found:
        sys.stderr.write(f"{path}: external references: {', '.join(found)}\n")
        return 1
    sys.stdout.write(f"{path}: self-contained ({path.stat().st_size / 1e6:.1f} MB)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
