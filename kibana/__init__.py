"""Kibana: the saved objects (saved_objects.ndjson, beside this file; package data of
newsmon.kibana) and the code that imports them into a Kibana.

The objects name the default indices (newsmon-articles, newsmon-claims); another index prefix
is written into the data views on the way in.
"""

from __future__ import annotations

import base64
import json
import uuid
from importlib import resources
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

# Package data, found the same way in a checkout and in an installed wheel.
SAVED_OBJECTS = Path(str(resources.files(__package__) / "saved_objects.ndjson"))


def load_objects(path: Path = SAVED_OBJECTS, prefix: str = "newsmon") -> list[dict]:
    objects = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    if prefix != "newsmon":
        for obj in objects:
            if obj["type"] == "index-pattern":
                obj["attributes"]["title"] = obj["attributes"]["title"].replace(
                    "newsmon-", f"{prefix}-", 1
                )
    return objects


def import_objects(
    kibana_url: str,
    objects: list[dict],
    username: str | None = None,
    password: str | None = None,
    api_key: str | None = None,
    space: str | None = None,
    timeout: float = 60.0,
) -> dict:
    """POST /api/saved_objects/_import?overwrite=true; returns Kibana's answer. Raises
    RuntimeError with Kibana's own error list if anything was not imported."""
    boundary = uuid.uuid4().hex
    ndjson = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode("utf-8")
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="newsmon.ndjson"\r\nContent-Type: application/ndjson\r\n\r\n'
        ).encode()
        + ndjson
        + f"\r\n--{boundary}--\r\n".encode()
    )
    base = kibana_url.rstrip("/") + (f"/s/{space}" if space else "")
    request = Request(
        f"{base}/api/saved_objects/_import?overwrite=true",
        data=body,
        method="POST",
        headers={
            "kbn-xsrf": "newsmon",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    if api_key:
        request.add_header("Authorization", f"ApiKey {api_key}")
    elif username:
        token = base64.b64encode(f"{username}:{password or ''}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except HTTPError as exc:
        raise RuntimeError(f"Kibana refused the import ({exc.code}): {exc.read()[:500]!r}") from exc
    if not answer.get("success"):
        raise RuntimeError(
            f"Kibana imported {answer.get('successCount', 0)} of {len(objects)} "
            f"objects: {json.dumps(answer.get('errors', []))[:1000]}"
        )
    return answer
