"""Writing quote pages and other files into a test's temporary folder."""

from __future__ import annotations

from pathlib import Path


def write_file(root: Path, name: str, content: str | bytes) -> Path:
    """Write `content` to `root/name` (folders made as needed): text as UTF-8, bytes as is."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path
