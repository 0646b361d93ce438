"""Trade and fuel (`/trade`): the pair's trade from UN Comtrade, each side's own reports and
the mirror figures, beside the curated reference totals (Russia-North Korea only, never added
to Comtrade's), as `pivotwatch trade` gives them; and refined-petroleum deliveries to North
Korea against the UNSCR 2397 cap, as `pivotwatch fuel` gives them.

The view's state is the URL: `?dyad=RUS-PRK&from=2015&to=2024`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pivotwatch.errors import UsageError
from pivotwatch.web.params import param_pair, param_years
from pivotwatch.web.site import Chart, Grid, Site, present

DEFAULT_DYAD = "RUS-PRK"
CAP_RECIPIENT = "PRK"  # the cap limits North Korea's imports


def _figures(dyad: str, first: int | None, last: int | None) -> Callable:
    def compute(store) -> dict:
        from pivotwatch.analysis.trade import fuel_vs_cap, trade_with_reference

        a, b = dyad.split("-")
        flows = trade_with_reference(a, b, store=store, start=first, end=last)
        fuel = None
        if CAP_RECIPIENT in (a, b):
            supplier = b if a == CAP_RECIPIENT else a
            fuel = fuel_vs_cap(supplier, store=store, start=first, end=last)
        return {"trade": flows, "warnings": list(flows.attrs.get("warnings", [])),
                "fuel": fuel, "supplier": supplier if fuel is not None else None}
    return compute


def _trade_grid(df: pd.DataFrame, dyad: str) -> Grid:
    rows = [[r["year"], r["source"], r["country"], present(r["partner"]), r["flow"],
             r["category"], present(r["value_usd"]), present(r["reported_by"]),
             present(r["basis"]), " / ".join(v for v in (present(r["valuation"]),
                                                         present(r["coverage"])) if v),
             present(r["note"]), present(r["confidence"]),
             r["source_urls"][0] if len(r["source_urls"]) else None]
            for r in df.to_dict(orient="records")]
    return Grid("trade", f"{dyad} trade, USD, by year",
                ["year", "source", "country", "partner", "flow", "category", "USD",
                 "reported by", "basis", "valuation / coverage", "note", "confidence",
                 "source url"], rows, links=("source url",), numeric=("USD",), cards=True,
                note="comtrade: UN Comtrade; \"mirror\" = the partner's report read from the "
                     "other side (imports valued CIF, exports FOB, so the two never agree "
                     "exactly; nothing is adjusted). reference: curated figures, shown beside "
                     "Comtrade's and never added to them. See docs/trade.md.")


def _fuel_grid(df: pd.DataFrame, supplier: str) -> Grid:
    rows = [[r["period_start"], r["period_end"], present(r["barrels"]), r["basis_label"],
             present(r["cap_barrels"]), present(r["share_of_cap"]), r["caveats"],
             r["confidence"], r["source_urls"][0] if len(r["source_urls"]) else None]
            for r in df.to_dict(orient="records")]
    return Grid("fuel", f"Refined petroleum, {supplier} to {CAP_RECIPIENT}, against the "
                "UNSCR 2397 cap", ["from", "to", "barrels", "basis", "cap (barrels)",
                                   "share of cap", "caveats", "confidence", "source"],
                rows, links=("source",), numeric=("barrels", "cap (barrels)", "share of cap"),
                cards=True,
                note="share = barrels / the annual cap in force: a one-supplier figure, while "
                     "the cap counts every supplier, so it is a floor for the whole. Rows are "
                     "never added: figures of different bases or overlapping periods count "
                     "the same deliveries.")


def _trade_chart(df: pd.DataFrame, dyad: str) -> Chart | None:
    """Each figure a point (figures of different sources and bases are not one series, and
    a year without a figure is not a zero); a log scale, as a stated target can be ten times
    the trade."""
    data = [{"year": int(r["year"]), "value": float(r["value_usd"]), "flow": r["flow"],
             "source": r["source"], "basis": r["basis"], "country": r["country"]}
            for r in df.to_dict(orient="records")
            if r["category"] == "all" and (present(r["value_usd"]) or 0) > 0]
    if not data:
        return None
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": {"text": f"{dyad} trade by year, USD",
                      "subtitle": "one point per figure as reported, never added; "
                                  "log scale"},
            "width": 560, "height": 240, "data": {"values": data},
            "mark": {"type": "point", "filled": True, "size": 70, "opacity": 0.8},
            "encoding": {
                "x": {"field": "year", "type": "quantitative", "axis": {"format": "d"},
                      "scale": {"zero": False}, "title": None},
                "y": {"field": "value", "type": "quantitative", "title": "USD (log scale)",
                      "scale": {"type": "log"}, "axis": {"format": "~s"}},
                "color": {"field": "flow", "type": "nominal", "legend": {"orient": "bottom"}},
                "shape": {"field": "source", "type": "nominal",
                          "legend": {"orient": "bottom"}},
                "tooltip": [{"field": "year"}, {"field": "source"}, {"field": "country"},
                            {"field": "flow"}, {"field": "basis"},
                            {"field": "value", "format": ",.0f", "title": "USD"}]}}
    return Chart("trade", f"{dyad} trade by year in USD, one point per figure", spec)


def _fuel_chart(df: pd.DataFrame, supplier: str) -> Chart | None:
    data = [{"start": r["period_start"].isoformat(), "end": r["period_end"].isoformat(),
             "barrels": float(r["barrels"]), "basis": r["basis_label"],
             "cap": None if present(r["cap_barrels"]) is None else float(r["cap_barrels"])}
            for r in df.to_dict(orient="records") if present(r["barrels"]) is not None]
    if not data:
        return None
    bars = {"mark": {"type": "bar", "opacity": 0.7},
            "encoding": {
                "x": {"field": "start", "type": "temporal", "title": None},
                "x2": {"field": "end"},
                "y": {"field": "barrels", "type": "quantitative", "title": "barrels",
                      "axis": {"format": "~s"}},
                "color": {"field": "basis", "type": "nominal",
                          "legend": {"orient": "bottom", "columns": 1}},
                "tooltip": [{"field": "start", "type": "temporal"},
                            {"field": "end", "type": "temporal"}, {"field": "basis"},
                            {"field": "barrels", "format": ",.0f"}]}}
    cap = {"mark": {"type": "rule", "color": "#D55E00", "strokeDash": [6, 3],
                    "strokeWidth": 2},
           "transform": [{"filter": "datum.cap != null"}],
           "encoding": {"x": {"field": "start", "type": "temporal"}, "x2": {"field": "end"},
                        "y": {"field": "cap", "type": "quantitative"},
                        "tooltip": [{"field": "cap", "format": ",.0f",
                                     "title": "annual cap (barrels)"}]}}
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": {"text": f"Refined petroleum, {supplier} to {CAP_RECIPIENT}, against the "
                              "cap", "subtitle": "bars: each figure over its period (never "
                                                 "added); dashed: the annual cap"},
            "width": 560, "height": 240, "data": {"values": data}, "layer": [bars, cap]}
    return Chart("fuel", f"Refined petroleum deliveries, {supplier} to {CAP_RECIPIENT}, "
                 "against the UNSCR 2397 cap", spec)


def routes(site: Site) -> list[Route]:
    async def trade_page(request: Request) -> Response:
        dyad = param_pair(request, "dyad", DEFAULT_DYAD)
        first, last = param_years(request)
        try:
            data = site.pages.get(("trade", dyad, first, last), _figures(dyad, first, last))
        except UsageError as exc:
            raise HTTPException(400, str(exc)) from None
        grids = [_trade_grid(data["trade"], dyad)]
        charts = [_trade_chart(data["trade"], dyad)]
        if data["fuel"] is not None:
            grids.append(_fuel_grid(data["fuel"], data["supplier"]))
            charts.append(_fuel_chart(data["fuel"], data["supplier"]))
        return site.page(request, "trade.html.j2", grids, charts=[c for c in charts if c],
                         stem=f"{dyad}-trade", dyad=dyad, first=first, last=last,
                         warnings=data["warnings"], supplier=data["supplier"])

    return [Route("/trade", trade_page)]
