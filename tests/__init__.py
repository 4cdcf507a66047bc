ENGLISH = {"Accept-Language": "en"}
"""The tests' clients read the services' answers in English, the source language: a person's
token is answered in Vietnamese unless the request asks otherwise (servicekit/messages.py)."""


def every_revision(schema_id: str) -> list[dict]:
    """Every published revision of an event's JSON Schema (`progress.TargetReported.v1`), the
    current strict form last: a payload valid against all of them is one that consumers of each
    revision, old and new, accept."""
    import json
    from pathlib import Path

    generated = Path(__file__).resolve().parent.parent / "schemas" / "generated" / "jsonschema"
    files = [*sorted((generated / "rev" / schema_id).glob("*.json"))]
    files.append(generated / "strict" / f"{schema_id}.json")
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]
