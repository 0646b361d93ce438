"""Charts as inline SVG: Altair specs rendered offline by vl-convert (no JavaScript, no CDN)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import vl_convert

WIDTH = 860
_STEPS = {"day": "D", "week": "W-MON", "month": "MS", "quarter": "QS", "year": "YS"}


def _complete(data: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Every period from first to last; periods without data get NaN, so the line breaks
    there instead of drawing across a gap as if it were known."""
    index = pd.date_range(data.period.min(), data.period.max(), freq=_STEPS[freq])
    return data.set_index("period").reindex(index).rename_axis("period").reset_index()


def series_chart(rows: pd.DataFrame, reference: pd.DataFrame, title: str, freq: str,
                 min_volume: int, value: str = "per_10k",
                 axis: str = "events per 10,000") -> str | None:
    """A per-period series (events per 10,000 by default) with curated reference events as
    dashed rules. Periods whose denominator is under `min_volume` are left blank, like gaps.
    None when there is nothing to draw."""
    data = rows[rows[value].notna() & (rows.volume >= min_volume)][
        ["period", value, "events"]].copy()
    if len(data) < 2 or not data.events.sum():
        return None
    data["period"] = pd.to_datetime(data["period"])
    data = _complete(data, freq)
    line = alt.Chart(data).mark_line(point=True, color="#1f4e79").encode(
        x=alt.X("period:T", title=None),
        y=alt.Y(f"{value}:Q", title=axis),
    )
    layers = [line]
    subtitle = (f"blank: periods with no data or under {min_volume} events involving either "
                "country")
    if len(reference):
        marks = pd.DataFrame({"date": pd.to_datetime(reference["date"])})
        marks = marks[(marks.date >= data.period.min()) & (marks.date <= data.period.max())]
        if len(marks):
            layers.append(alt.Chart(marks).mark_rule(strokeDash=[4, 3], color="#b03a2e")
                          .encode(x="date:T"))
            subtitle += "; dashed lines: curated reference events"
    chart = alt.layer(*layers).properties(
        width=WIDTH, height=200, title=alt.TitleParams(title, subtitle=subtitle))
    return vl_convert.vegalite_to_svg(chart.to_dict())


def reference_chart(reference: pd.DataFrame, title: str) -> str | None:
    """Curated reference events per year and dimension (hand-compiled, not GDELT)."""
    if not len(reference):
        return None
    data = pd.DataFrame({"year": pd.to_datetime(reference["date"]).dt.year,
                         "dimension": reference["dimension"]})
    chart = alt.Chart(data).mark_bar(size=14).encode(
        x=alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1),
                scale=alt.Scale(nice=False, padding=12)),
        y=alt.Y("count():Q", title="curated events"),
        color=alt.Color("dimension:N", title="dimension"),
    ).properties(width=WIDTH - 120, height=180, title=alt.TitleParams(
        title, subtitle="hand-compiled from cited sources; not counted with GDELT"))
    return vl_convert.vegalite_to_svg(chart.to_dict())
