"""What a figure in a claim is, from the words around it: its role, so that it is compared
only with a reference figure of the same role.

A dollar figure is a goal ("aim to reach $1 billion", "the $1 billion target") or a recorded
value; a part of a flow ("of which petroleum products accounted for $27.2 million",
"including", "petroleum imports of") or the flow itself; the total, one direction ("Russian
exports to North Korea"), or North Korea's trade with every partner ("North Korea's total
imports"); a change ("rose by $30 million") or a level; or the value of something that is not
trade at all ("contracts worth $500 million", "a $100 million road bridge"). A barrel figure
counts crude oil or refined products. Export words that name no flow ("the Russian exporters'
association", "export controls") say no direction.
"""

from __future__ import annotations

import re

from pivotwatch.claims.model import Claim, Quantity

_TARGET = re.compile(r"\b(?:targets?|goals?|aim(?:s|ed|ing)?|plan(?:s|ned)?|objectives?|"
                     r"(?:seek|hope|want)(?:s|ed|ing)?\s+to|"
                     # "agreed to raise trade to $1 billion by 2020": a level to be reached
                     r"(?:agree|pledge|promise|vow|undert[oa]ke|commit)\w*\s+(?:\w+\s+){0,2}"
                     r"to\s+(?:raise|increase|lift|boost|double|triple|bring|expand|grow)\b)",
                     re.IGNORECASE)
# "a $1 billion target", "$1 billion trade goal"
_TARGET_AFTER = re.compile(r"[\s-]*(?:(?:a|per)\s+year\s+|annual\s+)?(?:(?:trade|annual)\s+)?"
                           r"(?:target|goal)\b", re.IGNORECASE)
# A short aside between commas that holds no verb of its own clause: ", set in 2014,".
_ASIDE = re.compile(r",\s[^,;]{1,30},(?=\s)")
# Where a clause starts: what leads up to a figure from there says what the figure is.
_CLAUSE_BREAK = re.compile(r"[;:()—]|,\s|\s[–-]\s|\b(?:while|whereas|but)\s", re.IGNORECASE)
# A starting point, not a goal: "aim to lift trade to $1 billion from $34.4 million"
_FROM = re.compile(r"\bfrom\s+(?:about\s+|around\s+|some\s+)?$", re.IGNORECASE)
# An item within a flow: "of which ... $27.2 million", "including $27.2 million"
# ("trade including fuel reached $47.9 million" is the whole: "including" must lead to it)
_LEVEL_VERBS = (r"(?:reached|was|were|is|are|totall?ed|stood|hit|amounted|rose|fell|grew|came|"
                r"climbed|dropped|increased|decreased)\b")
_PART_OF = re.compile(r"\b(?:of which|among (?:them|which)|of (?:this|that|these|the total))\b|"
                      r"\b(?:including|included|includes)\s+"
                      r"(?:(?!" + _LEVEL_VERBS + r")[\w-]+\s+){0,3}$",
                      re.IGNORECASE)
# Kinds of goods: a figure of one of them is a part of a flow ("petroleum imports",
# "$27.2 million of fuel"), never the flow.
_GOODS = (r"(?:petroleum|oil|fuel|diesel|gasoline|coal|food|flour|grain|wheat|rice|seafood|fish|"
          r"fertili[sz]ers?|machinery|vehicles|cars|textiles|clothing|timber|iron|steel|"
          r"arms|weapons|munitions|medicines?|sugar)")
_GOODS_FLOW = re.compile(rf"\b{_GOODS}(?:\s+products)?\s+(?:exports?|imports?|sales|shipments|"
                         r"deliveries|purchases|supplies)\b", re.IGNORECASE)
_GOODS_BEFORE = re.compile(rf"\b{_GOODS}(?:\s+products)?\s+(?:worth|valued at|totalling|totaling|"
                           r"amounting to)\s+(?:about\s+|some\s+|around\s+)?$", re.IGNORECASE)
_GOODS_AFTER = re.compile(rf"\s+(?:worth\s+)?(?:of|in|for)\s+(?:[\w-]+\s+){{0,2}}?{_GOODS}\b",
                          re.IGNORECASE)
# Money that is not trade: what a figure is the value of, named just after it ("a $100
# million road bridge", "a $500 million loan") or just before it ("contracts worth", "an
# investment of", "debt of").
_NOT_TRADE = (r"(?:loans?|credits?|deals?|contracts?|agreements?|investments?|aid|grants?|debts?|"
              r"bridges?|projects?|plants?|funds?|packages?|budgets?|revenues?|earnings|wages|"
              r"salar(?:y|ies)|prices?|costs?|fines?|assets|stakes?|bonds?)")
_NOT_TRADE_AFTER = re.compile(rf"[\s-]*(?:[\w-]+\s+){{0,2}}?{_NOT_TRADE}\b", re.IGNORECASE)
_NOT_TRADE_BEFORE = re.compile(rf"\b{_NOT_TRADE}(?:\s+[\w'’-]+){{0,3}}?\s+(?:worth|of|valued at|"
                               r"totalling|totaling|amounting to)\s+(?:about\s+|some\s+|"
                               r"around\s+|an estimated\s+)?$", re.IGNORECASE)
# A change, not a level: "rose by $30 million", "an increase of $30 million"
_CHANGE = re.compile(r"\b(?:(?:rose|grew|fell|increased|decreased|dropped|declined|jumped|"
                     r"climbed|slipped|up|down)\s+(?:\w+\s+)?by|(?:increase|rise|fall|drop|"
                     r"decline|growth|jump)\s+of)\s+(?:about\s+|some\s+|around\s+)?$",
                     re.IGNORECASE)
# Export and import words that name no flow: an exporters' body, export controls, licences.
_NOT_FLOW = re.compile(r"\b(?:export|import)(?:-(?:export|import))?(?:ers?|ing)?['’]?s?\s+"
                       r"(?:association|union|council|federation|chamber|agency|bank|credit|"
                       r"controls?|licen[cs]es?|permits?|bans?|restrictions?|regimes?|dut(?:y|ies)|"
                       r"tariffs?|quotas?|rules?|laws?|regulations?|lists?|insurance|guarantees?)\b",
                       re.IGNORECASE)
_RUS = r"(?:russia\w*|moscow)(?:'s)?"
# "the North" (capitalised) is North Korea in a text about the two Koreas' neighbour
_PRK = r"(?:north korea\w*|(?:the )?dprk|pyongyang|(?-i:the North\b))(?:'s)?"
_GAP = r"\s+(?:[\w$.,]+\s+){0,5}?"
# words between a country and its verb ("Russia's total exports", not "Korea and imported")
_ADV = r"(?:(?!(?:and|or|to|from|with|of|by|but)\b)\w+\s+){0,2}?"
# Who sells to whom: "Russian exports (to North Korea)", "North Korea imported ... from Russia"
_DPRK_EXPORTS = re.compile(
    rf"\b{_PRK}\s+{_ADV}export\w*|\bexport\w*{_GAP}(?:to|into) {_RUS}\b|"
    rf"\b{_RUS}\s+{_ADV}import\w*|\bimport\w*{_GAP}(?:from|of) {_PRK}", re.IGNORECASE)
_DPRK_IMPORTS = re.compile(
    rf"\b{_RUS}\s+{_ADV}export\w*|\bexport\w*{_GAP}(?:to|into) {_PRK}|"
    rf"\b{_PRK}\s+{_ADV}import\w*|\bimport\w*{_GAP}(?:from|of) {_RUS}\b", re.IGNORECASE)
# North Korea's trade with the world, not with Russia: "North Korea's total imports"
_WORLD = re.compile(rf"\b{_PRK}\s+(?:total|overall|global|worldwide)\s+(?:imports|exports|trade)\b"
                    rf"(?!\s+(?:[\w$.,]+\s+){{0,3}}?(?:from|to|with)\s+{_RUS})", re.IGNORECASE)
_BARE = re.compile(r"\b(?:export|import)\w*", re.IGNORECASE)
_TOTAL = re.compile(r"\b(?:bilateral|two-way|total|overall)\s+trade\b|\btrade\s+(?:turnover|"
                    r"volume|between)\b|\bturnover\b", re.IGNORECASE)
# Crude oil and refined products, the two things UNSCR 2397 caps apart.
_CRUDE = re.compile(r"\bcrude\b", re.IGNORECASE)
_REFINED = re.compile(r"\b(?:refined|petroleum products|diesel|gasoline|petrol|kerosene|"
                      r"jet fuel|fuel oil)\b", re.IGNORECASE)
# What may stand between a barrel figure and the oil it counts: "4 million barrels a year of
# crude", "a 4 million barrel crude cap"
_HEAD_OF = re.compile(r"[\s-]*(?:barrels?\s*)?(?:(?:a|per)\s+year\s+|annually\s+)?"
                      r"(?:(?:of|for|in)\s+(?:[\w-]+\s+)?)?", re.IGNORECASE)


def _flow_text(text: str) -> str:
    """``text`` with the export and import words that name no trade flow blanked out ("the
    Russian exporters' association", "export controls", "import licences"), so that they are
    not read as a direction; offsets are kept."""
    return _NOT_FLOW.sub(lambda m: " " * len(m.group()), text)


def _clause_before(text: str, at: int) -> str:
    """The words of the clause that lead up to offset ``at``: from the last ';', ':', ', ',
    dash, bracket, 'while', 'whereas' or 'but' before it."""
    head = text[:at]
    cut = max((m.end() for m in _CLAUSE_BREAK.finditer(head)), default=0)
    return head[cut:]


def is_target(claim: Claim, q: Quantity) -> bool:
    """Whether a figure is a goal, not a recorded value: a target word leads up to it in its
    own clause ("aim to reach $1 billion", "a target of $1 billion") or names it just after
    ("a $1 billion target"). "Trade reached $34.4 million, far short of the target" and
    "aim to lift trade to $1 billion from $34.4 million" keep their recorded figure."""
    at = q.start - claim.start
    after = claim.text[at + len(q.raw):at + len(q.raw) + 30]
    # an aside between commas is not a clause of its own: "Moscow's official target, set in
    # 2014, was $1 billion a year" has the target word in the figure's clause
    head = _ASIDE.sub(lambda m: " " * len(m.group()), claim.text[:at])
    lead = _clause_before(head, at)
    if _FROM.search(lead):
        return False
    return bool(_TARGET.search(lead) or _TARGET_AFTER.match(after))


def is_part(claim: Claim, q: Quantity) -> bool:
    """Whether a trade figure is a part of a flow, not the flow itself: an item within it
    ("of which petroleum products accounted for $27.2 million", "including $27.2 million"),
    or a kind of goods named as its head ("$27.2 million of fuel", "petroleum imports of
    $27.2 million"). The reference figures are totals and flows."""
    at = q.start - claim.start
    lead = _clause_before(claim.text, at)
    after = claim.text[at + len(q.raw):at + len(q.raw) + 40]
    goods = [m.end() for m in _GOODS_FLOW.finditer(lead)]
    flows = [m.end() for m in _TOTAL.finditer(lead)] + \
        [m.end() for m in _BARE.finditer(lead) if m.end() not in goods]
    nearest_is_goods = bool(goods) and max(goods) >= max(flows, default=0)
    item = _PART_OF.search(lead)
    # "of which imports from Russia were $44.9 million": the item is the flow itself
    item = item and not directed(lead[item.end():])
    return bool(item or _GOODS_AFTER.match(after) or _GOODS_BEFORE.search(lead) or
                nearest_is_goods)


def names_trade(text: str) -> bool:
    """Whether a text names trade between the two: bilateral or total trade, or one flow."""
    return bool(_TOTAL.search(text)) or directed(text)


def directed(text: str) -> bool:
    """Whether a text names a flow between the two countries, one way or the other."""
    text = _flow_text(text)
    return bool(_DPRK_EXPORTS.search(text) or _DPRK_IMPORTS.search(text))


def other_money(claim: Claim, q: Quantity) -> bool:
    """Whether a dollar figure is the value of something other than trade ("contracts worth
    $500 million", "a $100 million road bridge"): it is left to the other checks."""
    at = q.start - claim.start
    after = claim.text[at + len(q.raw):at + len(q.raw) + 40]
    return bool(_NOT_TRADE_AFTER.match(after) or
                _NOT_TRADE_BEFORE.search(_clause_before(claim.text, at)))


def trade_flow(claim: Claim, q: Quantity) -> str | None:
    """The flow a figure is about: a target, a part of a flow, the total, or one direction.
    When a claim names several, the phrase nearest the figure decides ("exported $40m and
    imported $3m"); None when that phrase is an export or import whose direction the words do
    not say."""
    if is_target(claim, q):
        return "target"
    if is_part(claim, q):
        return "part"
    phrases = _flow_phrases(claim.text)
    if not phrases and claim.context:  # a table row: its header and section heading say it
        phrases = _flow_phrases(claim.context)
        return phrases[0][2] if phrases else "total"
    if not phrases:
        return "total"
    at = q.start - claim.start
    return min(phrases, key=lambda p: min(abs(p[0] - at), abs(p[1] - at)))[2]


def _flow_phrases(raw: str) -> list[tuple[int, int, str | None]]:
    """The phrases of a text that name a trade flow, with their offsets (None: an export or
    import whose direction the words do not say)."""
    text = _flow_text(raw)
    phrases = [(m.start(), m.end(), flow) for flow, pattern in (
        ("world", _WORLD), ("dprk_exports_to_rus", _DPRK_EXPORTS),
        ("dprk_imports_from_rus", _DPRK_IMPORTS), ("total", _TOTAL))
        for m in pattern.finditer(text)]
    phrases += [(m.start(), m.end(), None) for m in _BARE.finditer(text)
                if not any(a <= m.start() < b for a, b, _ in phrases)]
    return sorted(phrases, key=lambda p: p[0])


def commodity(claim: Claim, q: Quantity | None = None) -> str:
    """'crude_oil' or 'refined_petroleum': what a barrel figure (or, without one, the claim)
    counts. A figure takes the oil named as its head ("4 million barrels a year of crude oil
    and 500,000 barrels of refined products"), else the nearest one named before it
    ("refined products to 500,000 barrels and crude oil to 4 million"), else the nearest after;
    a claim that names no crude oil is about refined products, the reference figures' kind."""
    named = [(m.start(), m.end(), "crude_oil") for m in _CRUDE.finditer(claim.text)]
    if not named:
        return "refined_petroleum"
    named += [(m.start(), m.end(), "refined_petroleum") for m in _REFINED.finditer(claim.text)]
    if q is None:
        return "crude_oil" if {n[2] for n in named} == {"crude_oil"} else "refined_petroleum"
    at, end = q.start - claim.start, q.end - claim.start
    head = [n for n in named if n[0] >= end and _HEAD_OF.fullmatch(claim.text[end:n[0]])]
    before = [n for n in named if n[1] <= at]
    if head:
        return min(head)[2]
    if before:
        return max(before, key=lambda n: n[1])[2]
    return min(named)[2]


def is_change(claim: Claim, q: Quantity) -> bool:
    """Whether a figure is a change, not a level: "rose by $30 million", "an increase of"."""
    return bool(_CHANGE.search(claim.text[:q.start - claim.start]))
