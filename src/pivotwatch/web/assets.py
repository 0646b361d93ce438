"""The dashboard's static files: a fixed list of files from the package, by name, read once
when the app is made. No path from a request reaches the file system: each file in `ASSETS` has
its own route, and any other path under /static is a 404 (`..`, `%2e`, a template's name,
the vendored licences).

`pivotwatch.js` turns each chart's server-drawn image into an interactive Vega view; Vega and
its CSP-safe expression interpreter are vendored under `data/web/vendor/` (see its
README.md), so the pages need nothing from another origin and work offline.
"""

from __future__ import annotations

import gzip

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pivotwatch.errors import PivotwatchError
from pivotwatch.web.site import Site, template_text

KEEP_SECONDS = 3600  # a browser keeps the files an hour (a pivotwatch upgrade changes them)
JS = "application/javascript; charset=utf-8"  # vega.min.js holds non-ASCII text
ASSETS = {
    "pivotwatch.css": "text/css",
    "pivotwatch.js": JS,
    "vendor/vega.min.js": JS,
    "vendor/vega-interpreter.min.js": JS,
}


def routes(site: Site) -> list[Route]:
    """One route per file, at a fixed path: no part of a request's path is a name to look up."""

    def serve(name: str, kind: str) -> Route:
        text = template_text(name)
        if text is None:  # a broken install: say so at start, not with a blank chart later
            raise PivotwatchError(f"pivotwatch is installed without its web file {name}: "
                                  "reinstall it")

        body = text.encode("utf-8")
        packed = gzip.compress(body, mtime=0)  # Vega: 515 KB, 180 KB packed

        async def asset(request: Request) -> Response:
            headers = {"Cache-Control": f"public, max-age={KEEP_SECONDS}", "Vary":
                       "Accept-Encoding"}
            if "gzip" in request.headers.get("accept-encoding", ""):
                return Response(packed, media_type=kind,
                                headers={**headers, "Content-Encoding": "gzip"})
            return Response(body, media_type=kind, headers=headers)

        return Route(f"/static/{name}", asset)

    return [serve(name, kind) for name, kind in ASSETS.items()]
