"""Sanctions (`/sanctions`): the designations under one country's programmes that name the
other (or, without `linked`, every designation under the country's programmes), with counts
by list, programme and kind and by listing year, as `pivotwatch sanctions` gives them.

The view's state is the URL: `?country=PRK&linked=RUS&list=un_sc&as_of=2024-12-31`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pivotwatch.analysis.sanctions import LISTS
from pivotwatch.errors import UsageError
from pivotwatch.web.params import param_country
from pivotwatch.web.site import Chart, Grid, Site, param_choice, param_day, present

DEFAULT_COUNTRY, DEFAULT_LINKED = "PRK", "RUS"
NO_DATE = "no listing date"


def _day(value) -> date | None:
    """A listing or publication time as its day (the lists give days; pandas, timestamps)."""
    value = present(value)
    return value.date() if hasattr(value, "date") else value


def _codes(values) -> str:
    return "" if values is None or len(values) == 0 else ", ".join(values)


def _figures(country: str, linked: str | None, lists: list[str],
             as_of: date | None) -> Callable:
    def compute(store) -> dict:
        from pivotwatch.analysis.sanctions import by_year, sanctions

        df = sanctions(country, linked, lists=lists, store=store, as_of=as_of)
        return {"entries": df, "years": by_year(df), "attrs": dict(df.attrs)}
    return compute


def _entries_grid(df: pd.DataFrame, what: str) -> Grid:
    rows = [[r["list"], r["list_id"], r["kind"], r["name"], _codes(r["country_programmes"]),
             r["under"], present(r["tie"]), _day(r["listed_on"]), _codes(r["nationalities"]),
             _codes(r["address_countries"]), _codes(r["flag_countries"]),
             _day(r["published_at"])] for r in df.to_dict(orient="records")]
    return Grid("designations", f"{len(rows):,} designations {what}",
                ["list", "id", "kind", "name", "programme", "under", "tie", "listed",
                 "nationality", "address", "flag", "list published"], rows,
                note="tie = where the entry names the other country: nationality, address, "
                     "a vessel's flag, place of birth or the list's remarks. A designation is "
                     "a listing by one authority, not proof of the conduct; OFAC gives no "
                     "listing date. See docs/sanctions.md.")


def _summary_grid(rows: list[dict]) -> Grid:
    return Grid("summary", "Designations by list, programme and kind",
                ["list", "programme", "kind", "designations"],
                [[r["list"], r["programme"], r["kind"], r["designations"]] for r in rows],
                numeric=("designations",),
                note="An entry under two matched programmes counts under each.")


def _years_grid(df: pd.DataFrame) -> Grid:
    rows = [[r["list"], NO_DATE if present(r["year"]) is None else int(r["year"]),
             int(r["designations"])] for r in df.to_dict(orient="records")]
    return Grid("years", "Designations by list and listing year", ["list", "year",
                "designations"], rows, numeric=("designations",),
                note="Each entry counts once, even under both countries' programmes. The "
                     "year is the listing's, not the conduct's; a list that gives no listing "
                     f"date counts its entries under \"{NO_DATE}\".")


def _chart(df: pd.DataFrame, what: str) -> Chart | None:
    data = [{"year": int(r["year"]), "list": r["list"], "designations": int(r["designations"])}
            for r in df.to_dict(orient="records") if present(r["year"]) is not None]
    if not data:
        return None
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": {"text": f"Designations {what} by listing year",
                      "subtitle": f"entries with {NO_DATE} are in the table only"},
            "width": 560, "height": 220, "data": {"values": data},
            "mark": {"type": "bar"},
            "encoding": {
                "x": {"field": "year", "type": "ordinal", "title": None},
                "y": {"field": "designations", "type": "quantitative",
                      "title": "designations", "stack": True},
                "color": {"field": "list", "type": "nominal", "legend": {"orient": "bottom"}},
                "tooltip": [{"field": "year"}, {"field": "list"},
                            {"field": "designations"}]}}
    return Chart("years", f"Designations {what} by listing year and list", spec)


def routes(site: Site) -> list[Route]:
    async def sanctions_page(request: Request) -> Response:
        country = param_country(request, "country", DEFAULT_COUNTRY)
        linked_given = "linked" in request.query_params
        linked = param_country(request, "linked", None if linked_given else DEFAULT_LINKED)
        if linked == country:
            raise HTTPException(400, "linked must name another country than country")
        chosen = param_choice(request, "list", LISTS)
        as_of = param_day(request, "as_of", end=True)
        lists = [chosen] if chosen else []
        try:
            data = site.pages.get(("sanctions", country, linked, chosen, as_of),
                                  _figures(country, linked, lists, as_of))
        except UsageError as exc:
            raise HTTPException(400, str(exc)) from None
        what = f"tying {country} and {linked}" if linked else f"under {country}'s programmes"
        grids = [_entries_grid(data["entries"], what),
                 _summary_grid(data["attrs"]["summary"]), _years_grid(data["years"])]
        chart = _chart(data["years"], what)
        return site.page(request, "sanctions.html.j2", grids, charts=[chart] if chart else [],
                         stem=f"{country}-{linked or 'all'}-sanctions", country=country,
                         linked=linked, chosen=chosen, lists=LISTS, as_of=as_of, what=what,
                         attrs=data["attrs"])

    return [Route("/sanctions", sanctions_page)]
