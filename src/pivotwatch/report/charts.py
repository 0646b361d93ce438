"""Charts as inline SVG: Altair specs rendered offline by vl-convert (no JavaScript, no CDN)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import vl_convert


def series_chart(rows: pd.DataFrame, reference: pd.DataFrame, title: str) -> str | None:
    """Events per 10,000 events involving either country, per period, with curated reference
    events as dashed rules. None when there is nothing to draw."""
    data = rows[rows.per_10k.notna()][["period", "per_10k", "events"]].copy()
    if len(data) < 2 or not data.events.sum():
        return None
    data["period"] = pd.to_datetime(data["period"])
    line = alt.Chart(data).mark_line(point=True, color="#1f4e79").encode(
        x=alt.X("period:T", title=None),
        y=alt.Y("per_10k:Q", title="events per 10,000"),
    )
    layers = [line]
    if len(reference):
        marks = pd.DataFrame({"date": pd.to_datetime(reference["date"]),
                              "label": reference["event_type"]})
        marks = marks[(marks.date >= data.period.min()) & (marks.date <= data.period.max())]
        if len(marks):
            layers.append(alt.Chart(marks).mark_rule(strokeDash=[4, 3], color="#b03a2e")
                          .encode(x="date:T"))
    chart = alt.layer(*layers).properties(width=560, height=180, title=title)
    return vl_convert.vegalite_to_svg(chart.to_dict())
