"""`pivotwatch claims`: every format, escaping of document markup, and bad inputs."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from httpserver import LocalServer, _Handler, _Server
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.sources.context import Context
from pivotwatch.sources.reference import ingest_reference
from pivotwatch.store import open_store

runner = CliRunner()
TEXT = ("# Russia and North Korea\n\n"
        "Russia's trade with North Korea was $34.4 million in 2023. "
        "Bilateral trade between Russia and North Korea reached $1 billion in 2023. "
        "It is a disgrace.\n")


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "ref.duckdb"
    with open_store(path, create=True) as st:
        assert ingest_reference(Context(st)).ok
    return str(path)


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "note.md"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_table_and_summary_line(db, doc):
    result = runner.invoke(app, ["--db", db, "claims", str(doc)])
    assert result.exit_code == 0, result.output
    assert "inconsistent" in result.output
    assert result.output.strip().splitlines()[-1] == (
        "3 claims: 2 inconsistent, 0 contradicted, 0 supported, 0 unverified, 1 not checkable")


def test_json_has_a_stable_schema(db, doc):
    result = runner.invoke(app, ["--db", db, "claims", str(doc), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == "pivotwatch.claims.audit/1"
    assert data["counts"] == {"inconsistent": 2, "contradicted": 0, "supported": 0,
                              "unverified": 0, "not_checkable": 1}
    claim = data["documents"][0]["claims"][0]
    assert set(claim) >= {"text", "start", "end", "mark", "verdict", "explanation", "evidence",
                          "quantities", "times", "actors", "topic", "modality", "check"}
    assert claim["quantities"][0]["value"] == 34400000.0
    assert {e["source"] for e in claim["evidence"]} >= {"document", "reference_trade"}


def test_markdown_and_html_files(db, doc, tmp_path):
    md = tmp_path / "audit.md"
    result = runner.invoke(app, ["--db", db, "claims", str(doc), "-o", str(md)])
    assert result.exit_code == 0, result.output
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Claims audit") and "| 1 | inconsistent |" in text
    page = tmp_path / "audit.html"
    result = runner.invoke(app, ["--db", db, "claims", str(doc), "-o", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "<mark>$34.4 million</mark> in 2023." in html and "<script" not in html


def test_html_escapes_scripts_in_documents(db, tmp_path):
    page = tmp_path / "evil.txt"
    page.write_text("Russia's trade with North Korea was $34.4 million in 2023 "
                    "<script>alert(1)</script> according to <b>Ushakov</b>.\n", encoding="utf-8")
    result = runner.invoke(app, ["--db", db, "claims", str(page), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert "<script" not in result.stdout and "<b>" not in result.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.stdout


def test_html_page_scripts_are_dropped_not_run(db, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><script>document.write('x')</script></head><body><p>Russia's "
                    "trade with North Korea was $34.4 million in 2023.</p></body></html>",
                    encoding="utf-8")
    result = runner.invoke(app, ["--db", db, "claims", str(page), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert "document.write" not in result.stdout and "<script" not in result.stdout


def test_without_a_store_checks_say_what_to_load(tmp_path, doc):
    result = runner.invoke(app, ["--db", str(tmp_path / "none.duckdb"), "claims", str(doc),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    claims = json.loads(result.stdout)["documents"][0]["claims"]
    assert claims[0]["verdict"] == "inconsistent"  # needs no store
    assert "no reference figures loaded: pivotwatch ingest reference" in claims[0]["explanation"]
    assert not (tmp_path / "none.duckdb").exists()


@pytest.mark.parametrize("content, message", [
    (b"", "empty document"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", None),
    ("Российско-корейская торговля".encode("utf-16-be"), None),
])
def test_bad_files_fail_in_one_line(tmp_path, db, content, message):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    result = runner.invoke(app, ["--db", db, "claims", str(bad)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert lines[0].startswith(f"error: {bad}: ")
    if message:
        assert message in lines[0]
    assert lines[-1] == "error: 1 of 1 input(s) could not be read"


def test_one_bad_input_does_not_stop_the_others(tmp_path, db, doc):
    result = runner.invoke(app, ["--db", db, "claims", str(tmp_path / "missing.md"), str(doc)])
    assert result.exit_code == 1
    assert f"error: {tmp_path / 'missing.md'}: no such file" in result.output
    assert "3 claims: 2 inconsistent" in result.output


def test_huge_file_is_refused(tmp_path, db, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_MAX_DOCUMENT_BYTES", "1000")
    big = tmp_path / "big.txt"
    big.write_text("Russia and North Korea signed a treaty. " * 100, encoding="utf-8")
    result = runner.invoke(app, ["--db", db, "claims", str(big)])
    assert result.exit_code == 1 and "over the 1,000-byte cap" in result.output


def test_unreachable_urls(db):
    for url in ("http://127.0.0.9:9/x.html", "http://127.0.0.1:9/x.html"):
        result = runner.invoke(app, ["--db", db, "claims", "--allow-private", url])
        assert result.exit_code == 1 and f"error: {url}: " in result.output
    result = runner.invoke(app, ["--db", db, "claims", "http://127.0.0.1:9/x.html"])
    assert result.exit_code == 1 and "loopback address" in result.output


class _Redirecting(_Handler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        if self.path.startswith("/r"):
            self.send_response(302)
            self.send_header("Location", "http://10.1.2.3/inside")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"<p>Russia's trade with North Korea was $34.4 million in 2023.</p>"
        self._send(200, body, "text/html; charset=utf-8")


class _RedirectServer(LocalServer):
    def __init__(self, root):
        super().__init__(root)
        self._server.server_close()
        self._server = _Server(self)
        self._server.RequestHandlerClass = _Redirecting
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)


def test_url_and_redirect_to_a_private_address(tmp_path, db, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_ALLOW_PRIVATE_URLS", "127.0.0.1")
    with _RedirectServer(tmp_path / "www") as srv:
        ok = runner.invoke(app, ["--db", db, "claims", srv.url("/page"), "--format", "json"])
        assert ok.exit_code == 0, ok.output
        (document,) = json.loads(ok.stdout)["documents"]
        assert document["claims"][0]["verdict"] == "supported"
        bad = runner.invoke(app, ["--db", db, "claims", srv.url("/r")])
    assert bad.exit_code == 1
    assert "redirected to http://10.1.2.3/inside: refused: 10.1.2.3 is a private address" \
        in bad.output


def test_bad_options_exit_2(db, doc):
    result = runner.invoke(app, ["--db", db, "claims", str(doc), "--date", "yesterday"])
    assert result.exit_code == 2 and "bad date for --date" in result.output


def test_output_names_and_repeated_inputs(db, doc, tmp_path):
    wrong = runner.invoke(app, ["--db", db, "claims", str(doc), "-o", str(tmp_path / "a.xml")])
    assert wrong.exit_code == 2 and "name a .json, .md or .html file" in wrong.output
    assert not (tmp_path / "a.xml").exists()
    twice = runner.invoke(app, ["--db", db, "claims", str(doc), str(doc)])
    assert twice.exit_code == 0 and twice.output.strip().splitlines()[-1].startswith("3 claims")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    none = runner.invoke(app, ["--db", db, "claims", str(empty), "--format", "json"])
    assert none.exit_code == 1
    assert json.loads(none.stdout)["documents"] == []  # still valid JSON


def test_report_with_an_unreadable_document_writes_the_briefing_and_exits_1(db, doc,
                                                                             tmp_path):
    empty, md = tmp_path / "empty.txt", tmp_path / "b.md"
    empty.write_text("")
    result = runner.invoke(app, ["--db", db, "report", "--dyad", "RUS-PRK", "-o", str(md),
                                 "--documents", str(doc), "--documents", str(empty)])
    assert result.exit_code == 1
    assert f"{empty}: empty document" in result.output
    assert "1 of 2 document(s) could not be read" in result.output
    assert f"> Not read: {empty}: empty document" in md.read_text(encoding="utf-8")


def test_report_with_documents_adds_the_claims_audit(db, doc, tmp_path):
    md, page = tmp_path / "b.md", tmp_path / "b.html"
    evil = tmp_path / "evil.txt"
    evil.write_text("Putin and Kim Jong Un signed a treaty on 19 June 2024 "
                    "<script>alert(1)</script>.\n", encoding="utf-8")
    for target in (md, page):
        result = runner.invoke(app, ["--db", db, "report", "--dyad", "RUS-PRK", "-o",
                                     str(target), "--documents", str(doc),
                                     "--documents", str(evil)])
        assert result.exit_code == 0, result.output
    text = md.read_text(encoding="utf-8")
    assert "## 10. Claims audit" in text  # numbered, after the outlook
    assert "4 claims in 2 documents: 2 inconsistent, 0 contradicted, 1 supported" in text
    assert "| 1 | inconsistent |" in text and "&lt;script&gt;" in text
    html = page.read_text(encoding="utf-8")
    assert '<section id="claims"><h2>10. Claims audit</h2>' in html
    assert "<mark>19 June 2024</mark>" in html and "<script>alert" not in html
    assert '<a href="https://tass.com/economy/1804561" rel="noopener noreferrer">' in html


def test_report_audits_a_un_vote_claim_against_the_loaded_votes(tmp_path):
    """The briefing's audit used to stop with DuckDB's 'unfinished result' when a document
    mentioned a UN vote: a count read with fetchone() left its result open."""
    db = str(tmp_path / "s.duckdb")
    assert runner.invoke(app, ["--db", db, "ingest", "sample"]).exit_code == 0
    votes = tmp_path / "v.md"
    votes.write_text("Russia voted with North Korea at the UN General Assembly in 2020.\n",
                     encoding="utf-8")
    page = tmp_path / "b.html"
    result = runner.invoke(app, ["--db", db, "report", "--dyad", "RUS-PRK", "-o", str(page),
                                 "--documents", str(votes)])
    assert result.exit_code == 0, result.output
    # the sample holds Voeten's published agreement, which decides it for the sessions of 2020
    shown = page.read_text(encoding="utf-8")
    assert "RUS and PRK: published agreement" in shown and "sessions 74-75" in shown
    assert not [p for p in Path(__file__).resolve().parents[1].joinpath("src").rglob("*.py")
                if ".fetchone()" in p.read_text(encoding="utf-8")]


def test_every_bad_input_is_one_line_and_the_good_one_is_still_audited(tmp_path, db, doc):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    inputs = {
        tmp_path / "empty.txt": b"",
        tmp_path / "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        tmp_path / "utf16.txt": "Russia and North Korea signed a treaty.".encode("utf-16-le"),
        tmp_path / "huge.txt": b"Russia and North Korea signed a treaty. " * 1_310_720,
    }
    for path, content in inputs.items():
        path.write_bytes(content)
    assert (tmp_path / "huge.txt").stat().st_size == 52_428_800
    bad = [*map(str, inputs), str(folder), str(tmp_path / "missing.md"),
           "http://127.0.0.1:9/x.html"]
    result = runner.invoke(app, ["--db", db, "claims", *bad, str(doc), "--format", "json"])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert [e.split(": ")[1] for e in errors[:-1]] == bad
    for name, why in zip(bad, ("empty document", "binary data", "binary data",
                               "52,428,800 bytes, over the 5,242,880-byte cap",
                               "is a directory", "no such file", "loopback address"),
                         strict=True):
        assert any(e.startswith(f"error: {name}: ") and why in e for e in errors), (name, why)
    assert errors[-1] == "error: 7 of 8 input(s) could not be read"
    (document,) = json.loads(result.stdout)["documents"]
    assert document["counts"]["inconsistent"] == 2


EVIL = ("<html><head><title>t<script>alert(0)</script></title></head><body><p>Putin and Kim "
        "Jong Un signed a treaty on 19 June 2024 <img src=x onerror=alert(1)> "
        "&lt;script&gt;alert(2)&lt;/script&gt; &lt;img src=y onerror=alert(3)&gt;.</p>"
        "<script>alert(4)</script></body></html>")


def test_markup_in_documents_is_never_echoed_unescaped(db, tmp_path):
    page = tmp_path / "evil.html"
    page.write_text(EVIL, encoding="utf-8")
    text = tmp_path / "evil.txt"
    text.write_text("Putin and Kim Jong Un signed a treaty on 19 June 2024 "
                    "<img src=x onerror=alert(1)> <script>alert(2)</script>.\n",
                    encoding="utf-8")
    for path in (page, text):
        result = runner.invoke(app, ["--db", db, "claims", str(path), "--format", "html"])
        assert result.exit_code == 0, result.output
        out = result.stdout
        assert "<script" not in out and "<img" not in out  # as text only: "&lt;img ..."
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in out
        assert "<mark>19 June 2024</mark>" in out
    briefing = tmp_path / "b.html"
    result = runner.invoke(app, ["--db", db, "report", "--dyad", "RUS-PRK", "-o", str(briefing),
                                 "--documents", str(page), "--documents", str(text)])
    assert result.exit_code == 0, result.output
    section = briefing.read_text(encoding="utf-8").split('<section id="claims">')[1]
    section = section.split("</section>")[0]
    assert "<script" not in section and "<img" not in section
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in section


def _check_types(value, spec, where):
    """``spec``: a type, a tuple of types, a one-item list (each element) or a dict (exact keys)."""
    if isinstance(spec, dict):
        assert isinstance(value, dict) and set(value) == set(spec), (where, sorted(value))
        for key, inner in spec.items():
            _check_types(value[key], inner, f"{where}.{key}")
    elif isinstance(spec, list):
        assert isinstance(value, list), where
        for n, item in enumerate(value):
            _check_types(item, spec[0], f"{where}[{n}]")
    else:
        assert isinstance(value, spec), (where, value)


OPT_STR = (str, type(None))
EVIDENCE = {"source": str, "key": str, "date": OPT_STR, "text": str, "url": OPT_STR}
CLAIM = {"index": int, "kind": str, "text": str, "start": int, "end": int, "mark": [int],
         "checkable": bool, "reason": OPT_STR, "actors": [str], "topic": OPT_STR,
         "modality": str, "quantities": [{"raw": str, "value": float, "unit": str, "per": OPT_STR,
                                          "bound": str, "high": (float, type(None))}],
         "times": [{"raw": str, "start": OPT_STR, "end": OPT_STR, "precision": str}],
         "organisations": [{"raw": str, "canonical": OPT_STR, "matched_as": str}],
         "verdict": str, "explanation": str, "check": str, "rule": str,
         "evidence": [EVIDENCE],
         "checks": [{"check": str, "rule": str, "verdict": str, "explanation": str}]}
VERDICTS = ["inconsistent", "contradicted", "supported", "unverified", "not_checkable"]
SCHEMA = {"schema": str, "counts": {v: int for v in VERDICTS},
          "documents": [{"doc_id": str, "title": OPT_STR, "source": OPT_STR,
                         "doc_date": OPT_STR, "counts": {v: int for v in VERDICTS},
                         "missing_tables": [str], "claims": [CLAIM]}]}


def test_json_schema_keys_and_types_are_stable(db, doc, tmp_path):
    other = tmp_path / "other.md"
    other.write_text("Iran joined the Shanghai Security Organisation as a full member in 2023. "
                     "Trade between Russia and North Korea was $34-40 million in 2023. "
                     "Putin visited Pyongyang on 19 June 2024.\n", encoding="utf-8")
    result = runner.invoke(app, ["--db", db, "claims", str(doc), str(other), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    _check_types(data, SCHEMA, "$")
    assert data["schema"] == "pivotwatch.claims.audit/1" and list(data["counts"]) == VERDICTS
    claims = [c for d in data["documents"] for c in d["claims"]]
    assert {c["verdict"] for c in claims} <= set(VERDICTS)
    assert {c["verdict"] for c in claims} >= {"inconsistent", "contradicted", "supported"}
    assert any(q["high"] for c in claims for q in c["quantities"])
    assert any(o["matched_as"] == "wrong_name" for c in claims for o in c["organisations"])
    assert sum(data["counts"].values()) == len(claims)
