"""The floor for bench_http.py: uvicorn serving constant bodies, no archive at all.

``python benchmarks/http_floor.py BODIES PORT WORKERS`` serves, at
``/api/stories/{slug}``, for each query string in the JSON file BODIES (query string →
file holding the body), that file's bytes as ``application/json``: the very answers
story serve gave to the same requests, read once at start-up. Its uvicorn settings are
`story serve`'s (cli/serving.py: an app factory, 127.0.0.1, the same workers, log level
info, so one access-log line per request); its endpoint is a plain async function that
looks the body up: what any Starlette service must do to send those bytes on this
machine, with nothing of story in it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def app() -> Starlette:
    """The floor app (uvicorn's factory: each worker reads the bodies itself)."""
    index = json.loads(Path(os.environ["STORY_FLOOR_BODIES"]).read_text())
    bodies = {query.encode(): Path(file).read_bytes() for query, file in index.items()}

    async def constant(request: Request) -> Response:
        return Response(bodies[request.scope["query_string"]], media_type="application/json")

    return Starlette(routes=[Route("/api/stories/{slug}", constant)])


def main() -> None:
    import uvicorn

    bodies, port, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.environ["STORY_FLOOR_BODIES"] = bodies
    uvicorn.run(
        "http_floor:app",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="info",
    )


if __name__ == "__main__":
    main()
