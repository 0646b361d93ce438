"""The dashboard's static files: a fixed list of files from the package, by name. No path
from a request reaches the file system: a name not in `ASSETS` is a 404."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pivotwatch.web.site import Site, template_text

ASSETS = {"pivotwatch.css": "text/css"}


def routes(site: Site) -> list[Route]:
    loaded = {name: (template_text(name) or "", kind) for name, kind in ASSETS.items()}

    async def asset(request: Request) -> Response:
        found = loaded.get(request.path_params["name"])
        if found is None:
            raise HTTPException(404, "no such file")
        return Response(found[0], media_type=found[1])

    return [Route("/static/{name}", asset)]
