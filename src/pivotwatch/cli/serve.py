"""`pivotwatch serve`: the web dashboard over the store."""

from __future__ import annotations

import os

import typer

from pivotwatch.cli.common import err, handle_errors, shown, state


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


@handle_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; anything but "
                             "loopback needs PIVOTWATCH_TOKEN."),
    port: int = typer.Option(8787, "--port", min=1, max=65535, help="Port to listen on."),
    dyads: list[str] = typer.Option(None, "--dyad", help="A dyad on the overview (repeat; "
                                    "default: Russia with each of its Asian partners)."),
    warm_pages: bool = typer.Option(True, "--warm/--no-warm", help="Compute the overview and "
                                    "each dyad's page right after starting, so the first "
                                    "visit does not wait for them."),
) -> None:
    """Serve the dashboard: the watched dyads' bottom lines and scorecards, the latest alerts
    and each source's freshness, and a page per dyad, computed by the same functions as the
    commands and once per change of the store. Bound to 127.0.0.1 by default; another address
    requires a token in PIVOTWATCH_TOKEN for every request.

    Example: pivotwatch --db study.duckdb serve --port 8787
    """
    import uvicorn

    from pivotwatch.analysis.dyads import parse_dyad
    from pivotwatch.settings import get_settings
    from pivotwatch.store.store import open_store
    from pivotwatch.web import warm
    from pivotwatch.web.app import DEFAULT_DYADS, create_app
    from pivotwatch.web.security import check_binding

    token = check_binding(host, os.environ.get("PIVOTWATCH_TOKEN", "").strip() or None)
    db = state.db or get_settings().db
    with open_store(db, read_only=True, command="pivotwatch serve"):
        pass  # a missing or foreign store is an error now, not on the first page
    chosen = tuple("-".join(parse_dyad(d)) for d in dyads) if dyads else DEFAULT_DYADS
    err.print(f"serving {shown(db)} on http://{shown(host)}:{port}/ (Ctrl-C stops)")
    server = uvicorn.Server(uvicorn.Config(create_app(db, dyads=chosen, token=token),
                                           host=host, port=port, log_level="warning",
                                           server_header=False))
    if warm_pages:  # the watched pages computed before the first visit asks for them
        warm.start(warm.base_url(host, port), chosen, token, lambda: server.started)
    server.run()
