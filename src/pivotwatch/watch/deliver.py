"""Delivering alerts: what every channel says about an alert, and how a batch is named.

The channels are small modules, each with one entry function, and all of them write an alert
with the same words (``render_text``):

- the terminal: ``render_text(alert)``, printed by the CLI;
- an Atom feed file: ``watch/atom.py`` (``write_feed``, ``feed_xml``);
- a webhook: ``watch/webhook.py`` (``post_webhook``), a JSON POST;
- e-mail: ``watch/mail.py`` (``send_mail``), one plain-text message per batch over SMTP.

Everything in an alert may come from a stranger: a title from a GDELT SOURCEURL, an evidence
row from an article or a sanctions list. ``render_text`` writes every control character and
bidirectional control as a visible escape (``markup.visible``), so its lines cannot act on a
terminal, reorder themselves in a mail reader or break a header; each value is cut for display
(``markup.clip``) and at most ``MAX_EVIDENCE`` evidence rows are listed, so one alert stays
readable whatever its rows hold. The JSON of the webhook carries the alert whole
(``Alert.to_dict``), for a program to read.

A batch (the alerts one cycle delivers) has a key, ``batch_key``: a hash of its alert ids,
whatever their order. The webhook sends it as ``Idempotency-Key`` and the mail as a header, so
a receiver can drop a batch that was sent again after a failure.
"""

from __future__ import annotations

from collections.abc import Sequence

import xxhash

from pivotwatch.markup import clip, visible
from pivotwatch.watch.model import Alert

MAX_EVIDENCE = 20  # evidence rows written per alert; the rest are counted
MAX_SUMMARY = 2000  # characters of an alert's summary written
MISSING = "-"  # a figure with no value on one side


def batch_key(alerts: Sequence[Alert]) -> str:
    """The key of a batch: the same alerts give the same key, in any order."""
    ids = sorted({a.id for a in alerts})
    return xxhash.xxh3_128_hexdigest("\n".join(ids).encode())


def line(text: object) -> str:
    """`text` as one line: runs of whitespace made one space, controls made visible, cut."""
    return clip(visible(" ".join(str(text).split())))


def figure(value: object) -> str:
    """A figure as text: whole numbers with thousands separators, others to 4 significant
    digits, a missing one as MISSING."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"
    return line(value)


def figures(alert: Alert) -> list[str]:
    """One 'name: before -> after' line per figure named before or after."""
    names = list(dict.fromkeys([*alert.before, *alert.after]))
    return [f"{line(n)}: {figure(alert.before.get(n))} \u2192 {figure(alert.after.get(n))}"
            for n in names]


def evidence_lines(alert: Alert) -> list[str]:
    """One line per evidence row (source, key, date, text, URL), at most MAX_EVIDENCE."""
    out = []
    for e in alert.evidence[:MAX_EVIDENCE]:
        head = " ".join(line(p) for p in (e.source, e.key, e.date or "") if p)
        url = f" <{line(e.url)}>" if e.url else ""
        out.append(f"- {head}: {line(e.text)}{url}")
    if len(alert.evidence) > MAX_EVIDENCE:
        out.append(f"- ... and {len(alert.evidence) - MAX_EVIDENCE:,} more")
    return out


def render_text(alert: Alert) -> str:
    """The alert as plain lines: title, severity, rule, dyad and date, summary, the figures
    before and after, the evidence and the command that reproduces it."""
    when = alert.as_of.isoformat() if alert.as_of else "no date"
    lines = [line(alert.title),
             f"{line(alert.severity)} | {line(alert.rule)} | {line(alert.dyad)} | {when}"]
    summary = clip(visible(alert.summary.strip(), keep="\n"), MAX_SUMMARY)
    if summary:
        lines.append(summary)
    if alert.before or alert.after:
        lines += ["Figures (before \u2192 after):", *(f"  {f}" for f in figures(alert))]
    if alert.evidence:
        lines += ["Evidence:", *(f"  {e}" for e in evidence_lines(alert))]
    if alert.command:
        lines.append(f"Reproduce: {line(alert.command)}")
    return "\n".join(lines)
