"""View state that several pages read from the query string and `site.py` does not: a pair
(`?dyad=RUS-PRK`), one country (`?country=PRK`) and a span of years (`?from=2018&to=2024`).
A bad value is a 400 naming the parameter, before anything is read."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

from pivotwatch.errors import UsageError
from pivotwatch.web.site import FIRST_YEAR, LAST_YEAR, param_codes, param_day


def param_pair(request: Request, name: str, default: str) -> str:
    """Two different country codes as "RUS-PRK" (either order is kept as given)."""
    from pivotwatch.analysis.dyads import parse_dyad

    value = request.query_params.get(name) or default
    try:
        return "-".join(parse_dyad(value[:40]))
    except UsageError as exc:
        raise HTTPException(400, f"{name}: {exc}") from None


def param_country(request: Request, name: str, default: str | None) -> str | None:
    codes = param_codes(request, name)
    if codes is None:
        return default
    if len(codes) != 1:
        raise HTTPException(400, f"{name}: give one country code")
    return codes[0]


def param_years(request: Request) -> tuple[int | None, int | None]:
    """`from` and `to` as years (a date stands for its year), in range and in order."""
    start, end = param_day(request, "from"), param_day(request, "to", end=True)
    years = (start.year if start else None, end.year if end else None)
    for year, name in zip(years, ("from", "to"), strict=True):
        if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
            raise HTTPException(400, f"{name} must be a year from {FIRST_YEAR} to {LAST_YEAR}")
    if None not in years and years[0] > years[1]:
        raise HTTPException(400, "from is after to")
    return years
