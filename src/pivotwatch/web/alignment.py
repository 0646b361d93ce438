"""UN General Assembly alignment (`/alignment`): how alike the focus country votes with each
partner, computed from the roll calls (`alignment()`: share of identical votes, Cohen's kappa,
Signorino-Ritter S, with the counts behind them), and apart from it E. Voeten's published
figures (`published()`: agreement by session, ideal-point distance with its 90% interval,
ranks). The two are never mixed in one table, as in `pivotwatch alignment --published`.

The view's state is the URL: `?focus=RUS&partners=PRK,CHN&by=year&issue=nu&from=2000&to=2019`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pivotwatch.analysis.alignment import ALL, BY, ISSUES, THIN
from pivotwatch.errors import UsageError
from pivotwatch.web.params import param_country, param_years
from pivotwatch.web.site import Chart, Grid, Site, param_choice, param_codes, present

DEFAULT_FOCUS = "RUS"
DEFAULT_PARTNERS = ("PRK", "CHN", "IRN", "IND", "VNM", "MNG")
MAX_PARTNERS = 12
VOTES = "votes (pivotwatch, from the roll calls)"
PUBLISHED = "published (Voeten et al.)"


def _figures(focus: str, partners: list[str], by: str, issue: str, first: int | None,
             last: int | None) -> Callable:
    def compute(store) -> dict:
        from pivotwatch.analysis.alignment import alignment, published

        notes: list[str] = []
        try:
            votes = alignment(focus, partners, store=store, by=by, issues=[issue],
                              first_year=first, last_year=last)
            notes += votes.attrs.get("warnings", [])
        except UsageError as exc:  # the published figures stand without the votes
            votes, notes = None, [f"{VOTES}: {exc}"]
        try:
            pub = published(focus, partners, store=store, first_year=first, last_year=last)
            pub = pub[pub["period_kind"] == by].reset_index(drop=True)
        except UsageError as exc:
            pub, notes = None, [*notes, f"{PUBLISHED}: {exc}"]
        if votes is None and pub is None:
            raise UsageError(" ".join(notes))
        return {"votes": votes, "published": pub, "notes": notes}
    return compute


def _votes_grid(df: pd.DataFrame | None, focus: str, by: str, issue: str) -> Grid:
    columns = ["period", "partner", "roll calls", "identical", "share", "kappa", "S",
               "thin"]
    rows = [] if df is None else [
        [r["period"], r["partner"], r["roll_calls"], r["identical"], present(r["share"]),
         present(r["kappa"]), present(r["s_score"]),
         "thin" if r["period"] != ALL and r["roll_calls"] < THIN else ""]
        for r in df.to_dict(orient="records")]
    return Grid("votes", f"{focus}: voting alignment by {by}, issue {issue}: {VOTES}",
                columns, rows, numeric=("roll calls", "identical", "share", "kappa", "S"),
                note="Counted on the roll calls both voted in (yes, abstain or no; absences "
                     "are not votes). share = identical / roll calls; kappa = agreement beyond "
                     "chance (empty where undefined); S = Signorino-Ritter, abstain halfway "
                     f"(-1 … +1); thin = fewer than {THIN} roll calls both voted in, too few "
                     "to read. Alike votes are not coordination: many resolutions pass "
                     "nearly unanimously. See docs/alignment.md.")


def _published_grid(df: pd.DataFrame | None, focus: str, by: str) -> Grid:
    rows = [] if df is None else [
        [r["period"], r["period_end"], r["partner"], r["estimate"], present(r["n_votes"]),
         present(r["agreement"]), present(r["ideal_distance"]), present(r["distance_low"]),
         present(r["distance_high"]), present(r["agreement_rank_partners"]),
         present(r["agreement_rank_all"]), present(r["distance_rank_partners"]),
         present(r["distance_rank_all"]), r["ranked_states"]]
        for r in df.to_dict(orient="records")]
    return Grid("published", f"{focus}: by {by}: {PUBLISHED}",
                ["period", "period end", "partner", "estimate", "votes", "agreement",
                 "distance", "distance 5%", "distance 95%", "agreement rank (partners)",
                 "agreement rank (all)", "distance rank (partners)", "distance rank (all)",
                 "ranked states"], rows,
                numeric=("votes", "agreement", "distance", "distance 5%", "distance 95%"),
                note="Voeten's figures as published: agreement by session only (empty where "
                     "his file has no column for the focus); distance = |ideal point of the "
                     "partner - the focus's| with a 90% interval from their posterior "
                     "quantiles; rank 1 = closest, among the partners / among all states with "
                     "enough votes in the period (PIVOTWATCH_MIN_VOTES).")


def _chart(df: pd.DataFrame | None, focus: str, by: str, issue: str) -> Chart | None:
    if df is None:
        return None
    data = [{"period": int(r["period"]), "partner": r["partner"], "share": float(r["share"]),
             "roll_calls": int(r["roll_calls"])}
            for r in df.to_dict(orient="records")
            if r["period"] != ALL and r["roll_calls"] >= THIN]
    if not data:
        return None
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": {"text": f"{focus}: share of identical UN votes by {by}, issue {issue}",
                      "subtitle": f"{VOTES}; periods with fewer than {THIN} roll calls "
                                  "both voted in are in the table only"},
            "width": 560, "height": 240, "data": {"values": data},
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": {"field": "period", "type": "quantitative", "title": by,
                      "axis": {"format": "d"}, "scale": {"zero": False}},
                "y": {"field": "share", "type": "quantitative", "title": "identical votes",
                      "axis": {"format": "%"}, "scale": {"domain": [0, 1]}},
                "color": {"field": "partner", "type": "nominal",
                          "legend": {"orient": "bottom"}},
                "tooltip": [{"field": "period"}, {"field": "partner"},
                            {"field": "share", "format": ".1%"},
                            {"field": "roll_calls", "title": "roll calls"}]}}
    return Chart("agreement", f"{focus}: share of identical UN votes with each partner by {by}",
                 spec)


def _distance_chart(df: pd.DataFrame | None, focus: str, by: str) -> Chart | None:
    if df is None:
        return None
    data = [{"period": int(r["period"]), "partner": r["partner"],
             "distance": float(r["ideal_distance"])}
            for r in df.to_dict(orient="records") if present(r["ideal_distance"]) is not None]
    if not data:
        return None
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": {"text": f"{focus}: ideal-point distance by {by}",
                      "subtitle": f"{PUBLISHED}; lower is closer"},
            "width": 560, "height": 220, "data": {"values": data},
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": {"field": "period", "type": "quantitative", "title": by,
                      "axis": {"format": "d"}, "scale": {"zero": False}},
                "y": {"field": "distance", "type": "quantitative", "title": "distance"},
                "color": {"field": "partner", "type": "nominal",
                          "legend": {"orient": "bottom"}},
                "tooltip": [{"field": "period"}, {"field": "partner"},
                            {"field": "distance", "format": ".3f"}]}}
    return Chart("distance", f"{focus}: published ideal-point distance to each partner by {by}",
                 spec)


def routes(site: Site) -> list[Route]:
    async def alignment_page(request: Request) -> Response:
        focus = param_country(request, "focus", DEFAULT_FOCUS)
        partners = param_codes(request, "partners") or list(DEFAULT_PARTNERS)
        if len(partners) > MAX_PARTNERS:
            raise HTTPException(400, f"partners: at most {MAX_PARTNERS}")
        if focus in partners:
            raise HTTPException(400, f"partners: the focus {focus} cannot be its own partner")
        by = param_choice(request, "by", BY, "year")
        issue = param_choice(request, "issue", (ALL, *ISSUES), ALL)
        first, last = param_years(request)
        key = ("alignment", focus, tuple(partners), by, issue, first, last)
        try:
            data = site.pages.get(key, _figures(focus, partners, by, issue, first, last))
        except UsageError as exc:
            raise HTTPException(400, str(exc)) from None
        charts = [c for c in (_chart(data["votes"], focus, by, issue),
                              _distance_chart(data["published"], focus, by)) if c]
        grids = [_votes_grid(data["votes"], focus, by, issue),
                 _published_grid(data["published"], focus, by)]
        return site.page(request, "alignment.html.j2", grids, charts=charts,
                         stem=f"{focus}-alignment", focus=focus, partners=partners, by=by,
                         bys=BY, issue=issue, issues=(ALL, *ISSUES), first=first, last=last,
                         notes=data["notes"])

    return [Route("/alignment", alignment_page)]
