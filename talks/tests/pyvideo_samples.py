"""pyvideo.org event folders written by tests: a record, a JSON file, an event."""

import json
from pathlib import Path


def video(**overrides) -> dict:
    record = {
        "title": "Making Things Fast",
        "speakers": ["Ada Lovelace"],
        "recorded": "2021-06-01",
        "description": "A talk about `speed <https://speed.example.org/>`_.",
        "videos": [{"type": "youtube", "url": "https://www.youtube.com/watch?v=abc123"}],
    }
    record.update(overrides)
    return record


def write_json(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else json.dumps(data, indent=2, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def write_event(root: Path, folder: str, videos: dict, *, category=None) -> Path:
    event = root / folder
    write_json(event / "category.json", category or {"title": "PyTest Con 2021"})
    for name, record in videos.items():
        write_json(event / "videos" / f"{name}.json", record)
    return event
