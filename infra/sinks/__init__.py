"""Local stand-ins for what the platform talks to outside itself, run by `infra.stack` with the
services of every profile (pid files, logs, `./thidua status`):

- `mail`: an SMTP server storing each message as an .eml file (notify's emails);
- `hooks`: the demo webhook receiver, verifying notify's signatures (notify's webhooks);
- `traces`: an OTLP/HTTP receiver writing one JSON line per span (the services' traces).

Each is `python -m infra.sinks.<name> --port N …` and writes under `<state>/sinks/`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def append_lines(path: Path, records: list[dict[str, Any]]) -> None:
    """Append records as JSON lines with one write, so a reader never sees half a batch of
    a request (the sinks are single-threaded event loops)."""
    if not records:
        return
    text = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records)
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)
