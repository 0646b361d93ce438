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


def alignment_chart(rows: pd.DataFrame, focus: str, min_roll_calls: int) -> str | None:
    """Share of identical UN General Assembly votes of `focus` with each partner, by year;
    years with fewer than `min_roll_calls` shared roll calls are left out (drawn as gaps)."""
    data = rows[(rows.period != "all") & (rows.issue == "all")
                & (rows.roll_calls >= min_roll_calls)][["period", "partner", "share"]].copy()
    if data.period.nunique() < 2:
        return None
    data["year"] = data.period.astype(int)
    chart = alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1),
                scale=alt.Scale(nice=False)),
        y=alt.Y("share:Q", title="identical votes (share)", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("partner:N", title=f"{focus} with"),
    ).properties(width=WIDTH - 120, height=220, title=alt.TitleParams(
        f"UN General Assembly: share of roll calls on which {focus} and each partner voted alike",
        subtitle=f"roll calls both voted on (yes, no, abstain); years with under "
                 f"{min_roll_calls} shared roll calls left out"))
    return vl_convert.vegalite_to_svg(chart.to_dict())


def fuel_chart(rows: pd.DataFrame, title: str) -> str | None:
    """Each refined-petroleum figure (barrels) as a bar coloured by basis, with the annual cap
    as a rule; figures are never stacked or added."""
    data = rows[rows.barrels.notna()][["period_start", "period_end", "basis_label", "barrels",
                                       "cap_barrels"]].copy()
    if data.empty:
        return None
    data["figure"] = [f"{s:%Y-%m}–{e:%Y-%m} ({b})" for s, e, b in
                      zip(data.period_start, data.period_end, data.basis_label, strict=True)]
    data = data.drop(columns=["period_start", "period_end"])
    bars = alt.Chart(data).mark_bar().encode(
        y=alt.Y("figure:N", title=None, sort=None, axis=alt.Axis(labelLimit=400)),
        x=alt.X("barrels:Q", title="barrels"),
        color=alt.Color("basis_label:N", title="basis"),
    )
    caps = pd.DataFrame({"cap": sorted(set(data.cap_barrels.dropna()))})
    layers = [bars]
    if len(caps):
        layers.append(alt.Chart(caps).mark_rule(color="#b03a2e", strokeDash=[4, 3])
                      .encode(x="cap:Q"))
    chart = alt.layer(*layers).properties(width=WIDTH - 380, title=alt.TitleParams(
        title, subtitle=["dashed line: the annual cap; each bar is one published figure for its "
                         "own period (not added up)", "lower bounds ('at least') are marked "
                         "in the table below; a figure with no volume has no bar"]))
    return vl_convert.vegalite_to_svg(chart.to_dict())
