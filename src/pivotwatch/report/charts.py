"""Charts as inline SVG: Altair specs rendered offline by vl-convert (no JavaScript, no CDN).

Every chart is drawn for a phone first: at most `WIDTH` px wide in all (axes and legends
included) with text of at least `FONT` px, and the SVG scales down to its container
(`width:100%`, its own size as the maximum, viewBox kept). Shown on a 390 px screen (about
350 px of content) the smallest text is then still about 10 px; on a desktop the chart keeps
its own size instead of growing its text. Long titles are wrapped into lines, never allowed to
widen the chart. Charts with several partners use the Okabe–Ito palette (distinguishable with
the common colour-vision deficiencies) and draw the focus partner thick and dark, the others
thin and muted.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd
import vl_convert

if TYPE_CHECKING:
    from pivotwatch.analysis.assessment import Assessment

WIDTH = 440  # the whole SVG, axes and legend included
FONT = 13  # axis and legend labels; titles are larger
TITLE_FONT = 15
SINCE = 1991  # multi-year charts start here (North Korea joined the UN); since=None: all years
# Okabe & Ito (2008), "Color universal design": black first, for the focus partner
OKABE_ITO = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
             "#CC79A7"]
MUTED = ["#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#F0E442"]
EVENT = "#D55E00"
# the framework's order (the briefing's sections), and plain titles
FRAMEWORK = ("economic", "military", "political", "security", "energy", "humanitarian")
TITLES = {"economic": "Economic ties", "military": "Military collaboration",
          "political": "Political and diplomatic support", "security": "Regional security",
          "energy": "Energy", "humanitarian": "Humanitarian"}
LEVEL_WORDS = ["none", "low", "moderate", "high", "very high"]

_STEPS = {"day": "D", "week": "W-MON", "month": "MS", "quarter": "QS", "year": "YS"}
_OPEN_SVG = re.compile(r'<svg\b([^>]*?)\swidth="([\d.]+)"\s+height="([\d.]+)"')


def _complete(data: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Every period from first to last; periods without data get NaN, so the line breaks
    there instead of drawing across a gap as if it were known."""
    index = pd.date_range(data.period.min(), data.period.max(), freq=_STEPS[freq])
    return data.set_index("period").reindex(index).rename_axis("period").reset_index()


def _lines(text: str | Sequence[str], size: int = FONT, width: int = WIDTH - 20) -> list[str]:
    """Text wrapped to lines that fit `width` px at `size` px (about 0.55 em per character)."""
    chars = max(20, int(width / (size * 0.55)))
    parts = [text] if isinstance(text, str) else list(text)
    return [line for part in parts for line in textwrap.wrap(part, chars) or [""]]


def _title(title: str, subtitle: str | Sequence[str] | None = None) -> alt.TitleParams:
    extra = {"subtitle": _lines(subtitle)} if subtitle else {}
    return alt.TitleParams(_lines(title, TITLE_FONT), anchor="start", fontSize=TITLE_FONT,
                           subtitleFontSize=FONT, subtitleColor="#444", **extra)


def _svg(chart, label: str) -> str:
    """Render with the phone-first fonts; the SVG scales down to its container, never up."""
    chart = chart.configure_axis(labelFontSize=FONT, titleFontSize=FONT).configure_legend(
        labelFontSize=FONT, titleFontSize=FONT, orient="bottom", direction="vertical",
        labelLimit=WIDTH - 60).configure_header(labelFontSize=FONT, titleFontSize=FONT)
    svg = vl_convert.vegalite_to_svg(chart.to_dict())
    safe = (label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))

    def sized(m: re.Match) -> str:
        attrs, width, height = m.group(1), m.group(2), m.group(3)
        return (f'<svg{attrs} width="{width}" height="{height}" role="img" '
                f'aria-label="{safe}" style="width:100%;max-width:{width}px;height:auto"')

    return _OPEN_SVG.sub(sized, svg, count=1)


def _since(years: pd.Series, since: int | None) -> pd.Series:
    return years >= since if since is not None else years == years


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
    line = alt.Chart(data).mark_line(point=True, color="#0072B2").encode(
        x=alt.X("period:T", title=None, axis=alt.Axis(tickCount=5)),
        y=alt.Y(f"{value}:Q", title=axis),
    )
    layers = [line]
    subtitle = (f"blank: periods with no data or under {min_volume} events involving either "
                "country")
    if len(reference):
        marks = pd.DataFrame({"date": pd.to_datetime(reference["date"])})
        marks = marks[(marks.date >= data.period.min()) & (marks.date <= data.period.max())]
        if len(marks):
            layers.append(alt.Chart(marks).mark_rule(strokeDash=[4, 3], color=EVENT)
                          .encode(x="date:T"))
            subtitle += "; dashed lines: curated reference events"
    chart = alt.layer(*layers).properties(width=WIDTH - 70, height=180,
                                          title=_title(title, subtitle))
    return _svg(chart, title)


def reference_chart(reference: pd.DataFrame, title: str, since: int | None = SINCE) -> str | None:
    """Curated reference events per year and dimension (hand-compiled, not GDELT), from
    `since` (None: every year)."""
    if not len(reference):
        return None
    data = pd.DataFrame({"year": pd.to_datetime(reference["date"]).dt.year,
                         "dimension": reference["dimension"]})
    data = data[_since(data.year, since)]
    if data.empty:
        return None
    order = [d for d in FRAMEWORK if d in set(data.dimension)]
    order += sorted(set(data.dimension) - set(order))
    chart = alt.Chart(data).mark_bar(size=8).encode(
        x=alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1, tickCount=6),
                scale=alt.Scale(nice=False, padding=8)),
        y=alt.Y("count():Q", title="curated events", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("dimension:N", title="dimension",
                        scale=alt.Scale(domain=order, range=MUTED[:len(order)] or MUTED)),
    ).properties(width=WIDTH - 70, height=160, title=_title(
        title, "hand-compiled from cited sources; not counted with GDELT"))
    return _svg(chart, title)


def alignment_chart(rows: pd.DataFrame, focus: str, min_roll_calls: int,
                    highlight: str | None = None, since: int | None = SINCE) -> str | None:
    """Share of identical UN General Assembly votes of `focus` with each partner, by year from
    `since` (None: every year); years with fewer than `min_roll_calls` shared roll calls are
    left out (drawn as gaps). The `highlight` partner is drawn thick and black, the others
    thin in muted Okabe–Ito colours."""
    data = rows[(rows.period != "all") & (rows.issue == "all")
                & (rows.roll_calls >= min_roll_calls)][["period", "partner", "share"]].copy()
    data["year"] = data.period.astype(int)
    data = data[_since(data.year, since)]
    if data.period.nunique() < 2:
        return None
    partners = sorted(set(data.partner), key=lambda p: (p != highlight, p))
    colours = ([OKABE_ITO[0]] if highlight in partners else []) + MUTED
    colours = colours[:len(partners)] if len(partners) <= len(colours) else colours
    focus_only = alt.datum.partner == highlight
    chart = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1, tickCount=6),
                scale=alt.Scale(nice=False)),
        y=alt.Y("share:Q", title="identical votes", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("partner:N", title=f"{focus} with",
                        scale=alt.Scale(domain=partners, range=colours),
                        legend=alt.Legend(columns=4, direction="horizontal")),
        strokeWidth=alt.condition(focus_only, alt.value(3.5), alt.value(1.2)),
        opacity=alt.condition(focus_only, alt.value(1.0), alt.value(0.55)),
        order=alt.condition(focus_only, alt.value(1), alt.value(0)),
    ).properties(width=WIDTH - 70, height=200)
    first = int(data.year.min())
    subtitle = [f"roll calls both voted on (yes, no, abstain), {first} on; years with under "
                f"{min_roll_calls} shared roll calls left out"]
    if highlight in partners:
        subtitle.append(f"thick black line: {highlight}")
    title = f"UN General Assembly: how often {focus} and each partner voted alike"
    return _svg(chart.properties(title=_title(title, subtitle)), title)


def fuel_chart(rows: pd.DataFrame, title: str) -> str | None:
    """Each refined-petroleum figure (barrels) as a bar coloured by basis, with the annual cap
    as a rule; figures are never stacked or added."""
    data = rows[rows.barrels.notna()][["period_start", "period_end", "basis_label", "barrels",
                                       "cap_barrels"]].copy()
    if data.empty:
        return None
    # the period on the axis, the basis in the colour: short labels that fit a phone
    data["figure"] = [f"{s:%Y-%m}–{e:%Y-%m}" + ("" if i == 0 else " " * i)
                      for i, (s, e) in enumerate(zip(data.period_start, data.period_end,
                                                     strict=True))]
    data = data.drop(columns=["period_start", "period_end"])
    bars = alt.Chart(data).mark_bar().encode(
        y=alt.Y("figure:N", title=None, sort=None, axis=alt.Axis(labelLimit=140)),
        x=alt.X("barrels:Q", title="barrels", axis=alt.Axis(format="~s", tickCount=4)),
        color=alt.Color("basis_label:N", title="basis",
                        scale=alt.Scale(range=MUTED)),
    )
    caps = pd.DataFrame({"cap": sorted(set(data.cap_barrels.dropna()))})
    layers = [bars]
    if len(caps):
        layers.append(alt.Chart(caps).mark_rule(color=EVENT, strokeDash=[4, 3])
                      .encode(x="cap:Q"))
    chart = alt.layer(*layers).properties(width=WIDTH - 180, title=_title(
        title, ["dashed line: the annual cap; each bar is one published figure for its own "
                "period (not added up)", "lower bounds ('at least') are marked in the table "
                "below; a figure with no volume has no bar"]))
    return _svg(chart, title)


def _events_frame(events: pd.DataFrame | None, dimensions: Sequence[str]) -> pd.DataFrame:
    """date, dimension, label of curated key events (a `label` column, else the event type in
    words), on the panels drawn."""
    if events is None or not len(events):
        return pd.DataFrame({"date": pd.to_datetime([]), "dimension": [], "label": []})
    label = (events["label"] if "label" in events else
             events.get("event_type", pd.Series([""] * len(events), index=events.index))
             .astype(str).str.replace("_", " "))
    data = pd.DataFrame({"date": pd.to_datetime(events["date"]),
                         "dimension": events["dimension"].astype(str),
                         "label": label.astype(str).str.slice(0, 40)})
    return data[data.dimension.isin(dimensions)]


def trajectory_chart(history: Sequence[Assessment],
                     events: pd.DataFrame | None = None) -> str | None:
    """The assessment history as small multiples: one panel per dimension (framework order),
    the level (none 0 … very high 4) as of each date; a date without data is a gap, not a
    zero. Curated key events (`date`, `dimension`, `label`) are a rug of ticks under their
    dimension's panel, the latest named under the panel's title (labels in the plot would
    overprint each other). None with fewer than two dates."""
    from pivotwatch.analysis.assessment import history_frame

    frame = history_frame(history)
    if frame.as_of.nunique() < 2:
        return None
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    frame["level"] = pd.to_numeric(frame["level"], errors="coerce")
    dims = [d for d in FRAMEWORK if d in set(frame.dimension)]
    dims += sorted(set(frame.dimension) - set(dims))
    lo, hi = frame.as_of.min() - pd.Timedelta(days=366), frame.as_of.max()
    # a year's label under its own year-end point (a time axis's own ticks fall on 1 January,
    # which put each year-end point above the next year's label)
    year_ends = [d.isoformat() for d in sorted(frame.as_of.unique())
                 if pd.Timestamp(d).month == 12 and pd.Timestamp(d).day == 31]
    marks = _events_frame(events, dims)
    marks = marks[(marks.date > lo) & (marks.date <= hi)]
    x_scale = alt.Scale(domain=[lo.isoformat(), hi.isoformat()])
    y_scale = alt.Scale(domain=[-0.9, 4.1], nice=False)
    levels = "['" + "','".join(LEVEL_WORDS) + "'][datum.value]"
    # the same axis on every layer: layers whose axes differ lose the explicit values
    y_axis = alt.Axis(values=[0, 2, 4], labelExpr=levels, grid=True, labelOverlap=False,
                      title=None)
    panels = []
    for n, dim in enumerate(dims):
        last = n == len(dims) - 1
        x = alt.X("as_of:T", title=None, scale=x_scale,
                  axis=alt.Axis(format="%Y", values=year_ends, labels=last, ticks=last,
                                labelOverlap=True))
        line = alt.Chart(frame[frame.dimension == dim]).mark_line(
            point=alt.OverlayMarkDef(size=22, filled=True), color="#0072B2",
            strokeWidth=2).encode(
            x=x, y=alt.Y("level:Q", title=None, scale=y_scale, axis=y_axis))
        layers = [line]
        mine = marks[marks.dimension == dim].sort_values("date")
        sub = {}
        if len(mine):
            layers.append(alt.Chart(mine).mark_rule(color=EVENT, strokeWidth=1.5).encode(
                x=alt.X("date:T", scale=x_scale), y=alt.YDatum(-0.9, scale=y_scale, axis=y_axis),
                y2=alt.datum(-0.3)))
            latest = mine.iloc[-1]
            sub = {"subtitle": f"{len(mine)} key event(s); latest: {latest.label}, "
                               f"{latest.date:%b %Y}", "subtitleFontSize": FONT,
                   "subtitleColor": EVENT, "subtitlePadding": 1}
        panels.append(alt.layer(*layers).properties(
            width=WIDTH - 100, height=70,
            title=alt.TitleParams(TITLES.get(dim, dim), anchor="start", fontSize=FONT,
                                  fontWeight="bold", **sub)))
    title = "How the judgments moved: level by year end, per dimension"
    subtitle = ["gap: no data as of that date; orange ticks under a panel: curated key "
                "events"]
    chart = alt.vconcat(*panels, spacing=12).resolve_scale(x="shared").properties(
        title=_title(title, subtitle))
    return _svg(chart, title)
