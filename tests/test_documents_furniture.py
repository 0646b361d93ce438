"""Page furniture (cookie banners, tickers, "Most read" lists, share bars...) is dropped from
HTML pages before the claims stage, and the article stays."""

from __future__ import annotations

import lxml.html

from pivotwatch.claims.audit import audit
from pivotwatch.sources.documents import drop_furniture, read_document

# A wire story on a news site: the article is marked (<main>, <article>); furniture around it
# and inside it.
NEWS_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Russia shipped fuel to North Korea, monitors say | Example News</title></head>
<body class="cookie-banner-visible">
<div id="onetrust-consent-sdk" role="dialog" class="ot-cookie-consent">
  <p>We use cookies to personalise content and ads. By clicking Accept all, you agree to
  the storing of cookies on your device.</p><button>Accept all</button></div>
<header class="site-header"><a href="/">Example News</a>
  <nav aria-label="Sections"><ul><li><a href="/world">World</a></li>
  <li><a href="/asia">Asia</a></li></ul></nav></header>
<div class="breaking-news-ticker"><span>BREAKING: Markets fall 3% after rate decision</span></div>
<ol class="breadcrumb"><li>Home</li><li>World</li><li>Asia</li></ol>
<main id="content">
<article class="story">
  <header><h1>Russia shipped fuel to North Korea, monitors say</h1>
  <p class="byline">By A. Reporter, SEOUL, June 2, 2025</p></header>
  <div class="share-bar"><a>Share on Facebook</a><a>Share on X</a><a>Copy link</a></div>
  <p>Russia delivered more than one million barrels of refined petroleum to North Korea
  between March and November 2024, the Multilateral Sanctions Monitoring Team said.</p>
  <aside class="related"><h3>Related</h3><ul><li>China's trade with Pyongyang hit a record
  in 2023</li></ul></aside>
  <p>The figure is more than double the annual cap of 500,000 barrels set by the Security
  Council in 2017.</p>
  <table><tr><th>Year</th><th>Barrels</th></tr><tr><td>2023</td><td>1,000,000</td></tr>
  </table>
  <div class="newsletter-signup"><p>Get our Asia briefing in your inbox every morning.</p>
  <a>Subscribe</a></div>
</article>
<section class="most-read"><h2>Most read</h2><ol><li>Ten things to do in Seoul this
summer</li><li>Kim Jong Un visits new factory</li></ol></section>
<section id="comments"><h2>Comments (12)</h2><p>I think the UN has failed completely.</p>
</section>
</main>
<footer><p>© 2025 Example News. All rights reserved.</p></footer>
</body></html>"""

# A think-tank page without article markup: div soup with a layout wrapper whose class names
# the sidebar, and furniture named by id, aria-label and camel case.
BRIEF_PAGE = """<html><head><title>Brief: the Russia-DPRK treaty one year on</title></head>
<body>
<div id="gdpr-banner">This site uses cookies. <a>Manage preferences</a></div>
<div id="page" class="layout layout--with-sidebar">
  <div class="content">
    <h1>The Russia-DPRK treaty one year on</h1>
    <p>Russia and North Korea signed the Treaty on Comprehensive Strategic Partnership in
    Pyongyang on 19 June 2024.</p>
    <p>Article 4 commits each side to provide military assistance without delay if the other
    is attacked.</p>
    <p>Trade between the two countries was reported at $34.4 million in 2023.</p>
    <ul><li>Treaty signed: June 2024</li><li>Ratified by Russia: November 2024</li></ul>
  </div>
  <div class="sidebar"><div class="c-mostRead"><h3>Trending</h3><ul><li>Why the SCO
  matters</li></ul></div>
  <div aria-label="Most popular"><p>Iran's oil exports explained</p></div>
  <div class="promo-box"><p>Download our annual report</p></div></div>
</div>
<div role="contentinfo"><p>Institute for Strategic Studies, 2025</p></div>
</body></html>"""

# A blog post whose article element carries a furniture-like modifier, with a share block
# whose name only contains a furniture word ("shareable" is not "share").
BLOG_PAGE = """<html><head><title>Notes on sanctions</title></head><body>
<article class="post post--has-related-links">
<h1>Notes on sanctions monitoring</h1>
<p class="lead shareable">The UN Panel of Experts stopped work at the end of April 2024 after
Russia vetoed the renewal of its mandate.</p>
<p>Eleven states set up the Multilateral Sanctions Monitoring Team in October 2024.</p>
<div class="social-links"><a>Follow us on Telegram</a></div>
</article>
<div class="adSlot advert"><p>Advertisement: cheap flights to Vladivostok</p></div>
</body></html>"""


def text_of(page: str) -> str:
    return read_document(page.encode(), "page.html").text


def test_furniture_around_and_inside_a_marked_article_is_dropped():
    text = text_of(NEWS_PAGE)
    for kept in ("Russia shipped fuel to North Korea, monitors say", "By A. Reporter",
                 "more than one million barrels", "annual cap of 500,000 barrels",
                 "| 2023 | 1,000,000 |"):
        assert kept in text
    for dropped in ("cookies", "Accept all", "Sections", "BREAKING", "Share on", "Related",
                    "China's trade with Pyongyang", "Asia briefing", "Subscribe", "Most read",
                    "Ten things", "Comments", "UN has failed", "All rights reserved",
                    "Home"):
        assert dropped not in text, dropped


def test_an_unmarked_article_keeps_its_text_and_loses_the_sidebar():
    text = text_of(BRIEF_PAGE)
    for kept in ("signed the Treaty on Comprehensive Strategic Partnership",
                 "military assistance without delay", "$34.4 million in 2023",
                 "- Treaty signed: June 2024", "- Ratified by Russia: November 2024"):
        assert kept in text
    for dropped in ("uses cookies", "Trending", "Why the SCO", "Iran's oil exports",
                    "annual report", "Institute for Strategic Studies"):
        assert dropped not in text, dropped


def test_the_article_is_never_furniture_and_names_match_whole_words():
    text = text_of(BLOG_PAGE)
    assert "stopped work at the end of April 2024" in text  # "shareable" is not "share"
    assert "Eleven states set up" in text  # the article though its class says "related"
    assert "Telegram" not in text and "cheap flights" not in text


def test_a_layout_wrapper_named_like_furniture_stays_when_it_holds_the_page():
    tree = lxml.html.document_fromstring(
        "<html><body><div class='page-with-sidebar'><p>" + "Russia and North Korea held "
        "talks in Moscow. " * 20 + "</p></div><div class='sidebar'><p>Popular</p></div>"
        "</body></html>")
    drop_furniture(tree)
    assert "held talks" in tree.text_content() and "Popular" not in tree.text_content()


def test_furniture_never_reaches_the_claims():
    claims = [c.claim.text for c in audit(read_document(NEWS_PAGE.encode(), "news.html"),
                                          store=None).claims]
    assert any("one million barrels" in c for c in claims)
    assert not any("Markets fall" in c or "Seoul this summer" in c or "UN has failed" in c
                   for c in claims)


def test_an_article_wrapped_in_a_header_is_not_dropped():
    page = ("<html><body><header><h1>Fuel deliveries</h1>" + "<p>Russia delivered refined "
            "petroleum to North Korea by tanker in 2024.</p>" * 5 + "</header>"
            "<footer><p>Contact us</p></footer></body></html>")
    text = text_of(page)
    assert "Russia delivered refined petroleum" in text and "Contact us" not in text


# A WordPress post: furniture named in compounds ("jp-relatedposts", "sharebar") and a widget
# sidebar; the post's own "commentary" class is no "comments".
WORDPRESS_PAGE = """<html><head><title>Tankers at Vostochny</title></head><body>
<div id="page" class="site"><div id="content" class="site-content">
<div class="entry-content commentary">
<p>Satellite images show North Korean tankers loading at Vostochny on 12 occasions between
March and October 2024.</p>
<p>Each tanker can carry about 15,000 barrels of refined petroleum.</p>
<div class="sharebar"><a>Tweet</a><a>Email</a></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3>Like this:</h3>
<p>Russia's Far East ports in 2023</p></div>
<div class="mostread-widget"><p>Top posts this week</p></div>
</div></div>
<div id="secondary" class="widget-area"><section class="widget"><h2>Archives</h2>
<ul><li>October 2024</li></ul></section></div></div>
</body></html>"""


def test_furniture_named_in_compounds_is_dropped_and_commentary_is_not_comments():
    text = text_of(WORDPRESS_PAGE)
    assert "tankers loading at Vostochny" in text and "about 15,000 barrels" in text
    for dropped in ("Tweet", "Like this", "Far East ports", "Top posts"):
        assert dropped not in text, dropped


# A page built with generated class names: only the headings say what a block is.
GENERATED_CLASSES_PAGE = """<html><head><title>Trade with Pyongyang</title></head><body>
<main class="dcr-7f2k1"><article class="dcr-q1w2e3">
<h1>China's trade with North Korea rose in 2023</h1>
<p>China's trade with North Korea reached $2.3 billion in 2023, up 125% on the year before,
according to Chinese customs data.</p>
<h2>Related developments</h2>
<p>Russia's trade with North Korea was far smaller, at $34.4 million.</p>
<h3>Related stories</h3>
<ul><li>Kim meets Putin at Vostochny</li><li>Pyongyang reopens its border</li></ul>
</article>
<div class="dcr-9z8y7"><h2>Most viewed</h2><ol><li>Celebrity chef opens Seoul
restaurant</li></ol></div>
<div class="dcr-5t6y7"><h2>Comments (40)</h2><p>Sanctions never work.</p></div>
</main></body></html>"""


def test_blocks_titled_as_furniture_are_dropped_where_classes_say_nothing():
    text = text_of(GENERATED_CLASSES_PAGE)
    assert "reached $2.3 billion in 2023" in text
    assert "Related developments" in text and "$34.4 million" in text  # a section of the text
    for dropped in ("Related stories", "Kim meets Putin", "Most viewed", "Celebrity chef",
                    "Comments", "Sanctions never work"):
        assert dropped not in text, dropped
