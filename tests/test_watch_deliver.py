"""Delivering alerts: the Atom feed file, the webhook (against a real HTTP server on
127.0.0.1), e-mail (against a real aiosmtpd server, with STARTTLS on a certificate made here)
and the terminal text."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import ipaddress
import json
import os
import socket
import ssl
import threading
import time
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from lxml import etree

from pivotwatch.analysis.judgment import Evidence
from pivotwatch.errors import DeliveryError, UsageError
from pivotwatch.settings import get_settings
from pivotwatch.sources.fetch import AddressPolicy
from pivotwatch.watch import atom
from pivotwatch.watch.atom import ENTRY_PREFIX, feed_xml, write_feed
from pivotwatch.watch.deliver import batch_key, render_text
from pivotwatch.watch.mail import check_address, send_mail
from pivotwatch.watch.model import Alert, Severity
from pivotwatch.watch.webhook import post_webhook

A = "{http://www.w3.org/2005/Atom}"
RFC3339 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def make_alert(week: int, *, title: str | None = None, summary: str = "Military events rose.",
               dyad: str = "RUS-PRK", evidence: tuple[Evidence, ...] = (),
               raised: dt.datetime | None = None) -> Alert:
    return Alert(
        rule="volume_jump", dyad=dyad, key=f"military 2024-W{week:02d}",
        severity=Severity.LARGE, title=title or f"Military activity jumped in week {week}",
        summary=summary, as_of=dt.date(2024, 1, 1) + dt.timedelta(weeks=week),
        before={"events": 12, "per_10k": 1.25}, after={"events": 40, "per_10k": 4.5},
        evidence=evidence or (Evidence("events", f"{1000 + week}", "2024-06-10",
                                       "Shoigu in Pyongyang", "https://example.org/a?b=1&c=2"),),
        command="pivotwatch indicators --dyad RUS-PRK --dimension military --freq week",
        raised_at=raised or dt.datetime(2024, 6, 1, 12) + dt.timedelta(days=week))


def entries(path_or_bytes) -> list[etree._Element]:
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    return etree.fromstring(data).findall(f"{A}entry")


def entry_ids(path_or_bytes) -> list[str]:
    return [e.findtext(f"{A}id") for e in entries(path_or_bytes)]


# --- Atom ------------------------------------------------------------------------------------


def test_the_feed_is_valid_atom(tmp_path):
    import feedparser

    path = tmp_path / "alerts.xml"
    alerts = [make_alert(1), make_alert(2)]
    assert write_feed(path, alerts) == 2
    root = etree.fromstring(path.read_bytes())
    assert root.tag == f"{A}feed" and root.nsmap[None] == "http://www.w3.org/2005/Atom"
    # RFC 4287 4.1.1: a feed has exactly one id, title and updated, and an author (here, for
    # every entry)
    for name in ("id", "title", "updated", "author"):
        assert len(root.findall(f"{A}{name}")) == 1, name
    assert root.findtext(f"{A}id").startswith("urn:pivotwatch:feed:")
    assert root.find(f"{A}author").findtext(f"{A}name") == "pivotwatch"
    for element, alert in zip(entries(path), [alerts[1], alerts[0]], strict=True):
        for name in ("id", "title", "updated", "published", "summary", "content"):
            assert len(element.findall(f"{A}{name}")) == 1, name
        assert element.findtext(f"{A}id") == ENTRY_PREFIX + alert.id
        assert element.findtext(f"{A}updated") == alert.raised_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert element.find(f"{A}content").get("type") == "text"
        assert {(c.get("scheme"), c.get("term")) for c in element.findall(f"{A}category")} == {
            ("urn:pivotwatch:rule", "volume_jump"), ("urn:pivotwatch:dyad", "RUS-PRK"),
            ("urn:pivotwatch:severity", "large")}
        assert [(link.get("rel"), link.get("href")) for link in element.findall(f"{A}link")] \
            == [("alternate", "https://example.org/a?b=1&c=2"),
                ("related", "https://example.org/a?b=1&c=2")]
        content = element.findtext(f"{A}content")
        assert "events: 12 \u2192 40" in content and alert.command in content
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo and parsed.version == "atom10"
    assert [e.id for e in parsed.entries] == [ENTRY_PREFIX + a.id for a in alerts[::-1]]


def test_two_writes_never_repeat_an_entry_and_keep_newest_first(tmp_path):
    path = tmp_path / "alerts.xml"
    a1, a2, a3 = make_alert(1), make_alert(2), make_alert(3)
    assert write_feed(path, [a1, a2]) == 2
    feed_id = etree.fromstring(path.read_bytes()).findtext(f"{A}id")
    # the cycle after a kill sees a2 again, with a later raised_at: it is the same alert
    again = make_alert(2, raised=dt.datetime(2025, 1, 1))
    assert write_feed(path, [again, a3, a3]) == 1
    assert entry_ids(path) == [ENTRY_PREFIX + a.id for a in (a3, a2, a1)]
    assert etree.fromstring(path.read_bytes()).findtext(f"{A}id") == feed_id  # stable
    # nothing new: the file is not rewritten
    before = path.stat().st_mtime_ns, path.read_bytes()
    time.sleep(0.01)
    assert write_feed(path, [a1, a2, a3]) == 0
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_the_feed_is_capped_at_the_newest_entries(tmp_path):
    path = tmp_path / "alerts.xml"
    assert write_feed(path, [make_alert(w) for w in (5, 6, 7)], max_entries=3) == 3
    # two newer alerts push the two oldest out; an older one does not get in at all
    assert write_feed(path, [make_alert(8), make_alert(9), make_alert(1)], max_entries=3) == 2
    assert entry_ids(path) == [ENTRY_PREFIX + make_alert(w).id for w in (9, 8, 7)]
    with pytest.raises(UsageError, match="max_entries must be 1 to"):
        write_feed(path, [make_alert(10)], max_entries=0)


def test_hostile_text_is_escaped_and_bad_links_dropped(tmp_path):
    path = tmp_path / "alerts.xml"
    hostile = make_alert(
        1, title="<script>alert(1)</script> ]]> \x00\x1b[31m red \ufffe \u202eevil",
        summary="a <b>bold</b> & ]]> claim\x07\r\nnext line",
        evidence=(Evidence("events", "1", None, "<img src=x onerror=alert(1)>",
                           "javascript:alert(1)"),
                  Evidence("events", "2", None, "data", "data:text/html,<script>x</script>"),
                  Evidence("events", "3", None, "ok", "https://example.org/ok"),
                  Evidence("events", "4", None, "proto-relative", "//evil.example/x")))
    write_feed(path, [hostile])
    data = path.read_bytes()
    assert b"<script" not in data and b"<img" not in data and b"<b>" not in data
    assert not any(0 < byte < 0x20 and byte not in b"\t\n\r" for byte in data)
    assert "\ufffe".encode() not in data and "\u202e".encode() not in data
    (element,) = entries(data)
    title = element.findtext(f"{A}title")
    assert title.startswith("<script>alert(1)</script> ]]> \\x00\\x1b[31m red")
    assert "\\u202eevil" in title
    assert "<b>bold</b> & ]]> claim\\x07" in element.findtext(f"{A}summary")
    assert [link.get("href") for link in element.findall(f"{A}link")] == \
        ["https://example.org/ok"] * 2  # the alternate link and the related one
    # the same entry from feed_xml, which `pivotwatch alerts --format atom` prints
    (printed,) = entries(feed_xml([hostile]))
    assert etree.tostring(printed) == etree.tostring(element)


def test_feed_xml_lists_each_alert_once_newest_first():
    a1, a2 = make_alert(1), make_alert(2)
    data = feed_xml([a1, a2, a1], title="RUS-PRK watch", feed_id="urn:pivotwatch:feed:test")
    root = etree.fromstring(data)
    assert root.findtext(f"{A}title") == "RUS-PRK watch"
    assert root.findtext(f"{A}id") == "urn:pivotwatch:feed:test"
    assert root.findtext(f"{A}updated") == "2024-06-03T12:00:00Z"  # the newest alert's
    assert entry_ids(data) == [ENTRY_PREFIX + a2.id, ENTRY_PREFIX + a1.id]
    assert feed_xml([a1, a2]) == feed_xml([a2, a1])  # same alerts, same bytes
    with pytest.raises(UsageError, match="is not a URI"):
        feed_xml([a1], feed_id="not a uri")


FOREIGN = {
    "notes.xml": (b"my own notes, not a feed\n", "not well-formed XML"),
    "rss.xml": (b"<rss version='2.0'><channel><title>x</title></channel></rss>",
                "not an Atom feed"),
    "other.xml": (b"<feed xmlns='http://www.w3.org/2005/Atom'><id>tag:example.org,2024:x</id>"
                  b"</feed>", "an Atom feed that pivotwatch did not write"),
    "dtd.xml": (b"<?xml version='1.0'?><!DOCTYPE feed [<!ENTITY x 'y'>]>"
                b"<feed xmlns='http://www.w3.org/2005/Atom'><id>urn:pivotwatch:feed:1</id>"
                b"<title>&x;</title></feed>", "it has a DOCTYPE"),
}


@pytest.mark.parametrize("name", sorted(FOREIGN))
def test_a_file_that_is_not_our_feed_is_refused_and_kept(tmp_path, name):
    data, why = FOREIGN[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(UsageError, match=why) as caught:
        write_feed(path, [make_alert(1)])
    assert "refusing to overwrite it" in str(caught.value) and "\n" not in str(caught.value)
    assert path.read_bytes() == data


def test_a_directory_is_refused_and_an_empty_file_becomes_a_feed(tmp_path):
    with pytest.raises(UsageError, match="not a regular file"):
        write_feed(tmp_path, [make_alert(1)])
    empty = tmp_path / "empty.xml"
    empty.touch()
    assert write_feed(empty, [make_alert(1)]) == 1
    assert len(entry_ids(empty)) == 1


def test_a_failed_write_leaves_the_old_feed_whole(tmp_path, monkeypatch):
    path = tmp_path / "alerts.xml"
    write_feed(path, [make_alert(1)])
    path.chmod(0o640)
    old = path.read_bytes()

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(DeliveryError, match="cannot write the feed: No space left on device"):
        write_feed(path, [make_alert(2)])
    assert path.read_bytes() == old
    assert not [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"]  # none left over
    monkeypatch.undo()
    assert write_feed(path, [make_alert(2)]) == 1
    assert path.stat().st_mode & 0o777 == 0o640  # the file keeps its permissions


def test_writers_to_one_feed_take_turns(tmp_path):
    path = tmp_path / "alerts.xml"
    errors = []

    def writer(first: int) -> None:
        try:
            for week in range(first, first + 5):
                write_feed(path, [make_alert(week)])
        except Exception as exc:  # reported below: a thread's exception is lost otherwise
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(first,)) for first in (1, 11, 21, 31)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(entry_ids(path)) == sorted(ENTRY_PREFIX + make_alert(w).id for f in
                                             (1, 11, 21, 31) for w in range(f, f + 5))


def test_a_link_to_the_feed_is_followed(tmp_path):
    real = tmp_path / "www" / "alerts.xml"
    real.parent.mkdir()
    link = tmp_path / "alerts.xml"
    link.symlink_to(real)
    assert write_feed(link, [make_alert(1)]) == 1
    assert link.is_symlink() and len(entry_ids(real)) == 1
    assert atom.FEED_PREFIX in real.read_text()


# --- the terminal ----------------------------------------------------------------------------


def test_render_text_says_what_moved_with_its_evidence():
    alert = make_alert(3, title="Jump \x1b]0;owned\x07 here", summary="Rose by 233%.")
    lines = render_text(alert).splitlines()
    assert lines[0] == "Jump \\x1b]0;owned\\x07 here"
    assert lines[1] == "large | volume_jump | RUS-PRK | 2024-01-22"
    assert lines[2] == "Rose by 233%."
    assert "  events: 12 \u2192 40" in lines and "  per_10k: 1.25 \u2192 4.5" in lines
    assert ("  - events 1003 2024-06-10: Shoigu in Pyongyang <https://example.org/a?b=1&c=2>"
            in lines)
    assert lines[-1] == f"Reproduce: {alert.command}"


def test_render_text_caps_the_evidence():
    rows = tuple(Evidence("events", str(i), None, "x" * 1000, None) for i in range(25))
    text = render_text(make_alert(1, evidence=rows))
    assert text.count("\n  - events ") == 20 and "- ... and 5 more" in text
    assert "(1,000 characters)" in text  # each row cut for display


# --- webhook ---------------------------------------------------------------------------------


class Receiver:
    """A webhook receiver: answers POSTs from a script of (status, headers), records them."""

    def __init__(self, answers: list[tuple[int, dict[str, str]]]) -> None:
        self.answers = list(answers)
        self.requests: list[tuple[str, dict[str, str], bytes]] = []


@contextlib.contextmanager
def receiver(*answers: tuple[int, dict[str, str]]):
    state = Receiver(list(answers))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append((self.path, dict(self.headers), body))
            status, headers = state.answers.pop(0) if state.answers else (200, {})
            reply = b'{"error": "nope"}' if status >= 400 else b"ok"
            self.send_response(status)
            for key, value in {"Content-Length": str(len(reply)), **headers}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hooks/T000/SECRET-TOKEN", state
    finally:
        server.shutdown()
        server.server_close()


LOCAL = AddressPolicy.from_setting("127.0.0.1")


def test_the_webhook_gets_the_batch_as_json():
    alerts = [make_alert(1), make_alert(2)]
    with receiver((200, {})) as (url, state):
        post_webhook(url, alerts, policy=LOCAL)
    ((path, headers, body),) = state.requests
    assert path == "/hooks/T000/SECRET-TOKEN"
    assert json.loads(body) == {"alerts": [a.to_dict() for a in alerts]}
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"].startswith("pivotwatch")
    assert headers["Idempotency-Key"] == headers["X-Pivotwatch-Batch"] == batch_key(alerts)
    assert batch_key(alerts) == batch_key(alerts[::-1]) != batch_key(alerts[:1])
    assert headers["Host"] == url.split("/")[2]


def test_the_webhook_is_tried_again_after_a_503():
    with receiver((503, {"Retry-After": "0"}), (200, {})) as (url, state):
        post_webhook(url, [make_alert(1)], policy=LOCAL)
    assert len(state.requests) == 2
    assert state.requests[0][2] == state.requests[1][2]  # the same body
    assert state.requests[0][1]["Idempotency-Key"] == state.requests[1][1]["Idempotency-Key"]


def test_the_webhook_gives_up_after_its_retries():
    with receiver(*[(503, {"Retry-After": "0"})] * 3) as (url, state), \
            pytest.raises(DeliveryError, match=r"failed after 3 attempt\(s\): HTTP 503"):
        post_webhook(url, [make_alert(1)], policy=LOCAL, retries=2)
    assert len(state.requests) == 3


def test_the_webhook_gives_up_at_once_on_a_400_and_keeps_its_secret():
    with receiver((400, {})) as (url, state), pytest.raises(DeliveryError) as caught:
        post_webhook(url, [make_alert(1)], policy=LOCAL)
    assert len(state.requests) == 1
    message = str(caught.value)
    port = url.split(":")[2].split("/")[0]
    assert message == f'webhook http://127.0.0.1:{port}/\u2026: HTTP 400 Bad Request: ' \
                      f'{{"error": "nope"}}'
    assert "SECRET" not in message


def test_a_redirect_is_not_followed():
    with receiver((307, {"Location": "http://127.0.0.1:9/elsewhere"})) as (url, state), \
            pytest.raises(DeliveryError, match="redirect is not followed"):
        post_webhook(url, [make_alert(1)], policy=LOCAL)
    assert len(state.requests) == 1


def test_a_webhook_that_never_answers_times_out():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel accepts the connection; nobody ever reads or answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        started = time.monotonic()
        with pytest.raises(DeliveryError, match=r"failed after 2 attempt\(s\): no answer "
                                                r"within 0.3 s"):
            post_webhook(url, [make_alert(1)], policy=LOCAL, timeout=0.3, retries=1)
        assert time.monotonic() - started < 3  # 2 x 0.3 s and one 0.5 s pause
    finally:
        silent.close()


def test_the_address_policy_applies_to_the_webhook():
    with receiver((200, {})) as (url, state):
        with pytest.raises(DeliveryError, match="refused: 127.0.0.1 is a loopback address"):
            post_webhook(url, [make_alert(1)], policy=AddressPolicy.from_setting("", False))
        assert state.requests == []
        post_webhook(url, [make_alert(1)], policy=AddressPolicy().trusting(url))
        assert len(state.requests) == 1
        with pytest.raises(DeliveryError, match="only http and https"):
            post_webhook("file:///etc/passwd", [make_alert(1)], policy=LOCAL)
        post_webhook(url, [], policy=LOCAL)  # no alert, no request
        assert len(state.requests) == 1


# --- mail ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """What an aiosmtpd server received: messages, envelopes, logins, whether TLS was on."""

    def __init__(self) -> None:
        self.mail: list[tuple[str, list[str], bytes, bool]] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.mail.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                          session.ssl is not None))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)


@contextlib.contextmanager
def smtp_server(tls_context: ssl.SSLContext | None = None):
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                            tls_context=tls_context, authenticator=inbox.authenticate,
                            auth_require_tls=True)
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_tls(certificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def mail_settings(monkeypatch, port: int, *, starttls: str = "required", user: str = ""):
    for name, value in {"HOST": "127.0.0.1", "PORT": str(port), "FROM": "watch@example.org",
                        "STARTTLS": starttls, "TIMEOUT": "5", "USER": user,
                        "PASSWORD": "s3cret" if user else ""}.items():
        monkeypatch.setenv(f"PIVOTWATCH_SMTP_{name}", value)
    return get_settings()


def test_a_mail_carries_the_batch(monkeypatch):
    alerts = [make_alert(1), make_alert(2), make_alert(3, dyad="RUS-CHN")]
    with smtp_server() as (port, inbox):
        settings = mail_settings(monkeypatch, port, starttls="optional")
        send_mail(["analyst@example.org", "desk@example.org", "analyst@example.org"], alerts,
                  settings=settings)
        send_mail("analyst@example.org", alerts[:1], settings=settings)  # one address
        send_mail(["analyst@example.org"], [], settings=settings)  # no alert, no message
    assert [m[1] for m in inbox.mail[1:]] == [["analyst@example.org"]]
    ((sender, rcpt, content, tls), _) = inbox.mail
    assert (sender, rcpt, tls) == ("watch@example.org",
                                   ["analyst@example.org", "desk@example.org"], False)
    msg = message_from_bytes(content, policy=default_policy)
    assert msg["Subject"] == "pivotwatch: 3 alerts (RUS-PRK, RUS-CHN)"
    assert msg["To"] == "analyst@example.org, desk@example.org"
    assert msg["From"] == "watch@example.org"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Pivotwatch-Batch"] == batch_key(alerts)
    text = msg.get_content().replace("\r\n", "\n")  # SMTP's line ends
    assert text.startswith("pivotwatch raised 3 alerts.\n")
    for alert in alerts:
        assert render_text(alert) in text


def test_starttls_required_but_not_offered_sends_nothing(monkeypatch):
    with smtp_server() as (port, inbox), pytest.raises(DeliveryError) as caught:
        send_mail(["analyst@example.org"], [make_alert(1)],
                  settings=mail_settings(monkeypatch, port))
    assert str(caught.value) == (f"mail server 127.0.0.1:{port} does not offer STARTTLS, so "
                                 f"nothing was sent (set PIVOTWATCH_SMTP_STARTTLS=optional to "
                                 f"send without it)")
    assert inbox.mail == []


def test_a_password_is_never_sent_in_plain_text(monkeypatch):
    with smtp_server() as (port, inbox), pytest.raises(DeliveryError,
                                                      match="password is not sent in plain"):
        send_mail(["analyst@example.org"], [make_alert(1)],
                  settings=mail_settings(monkeypatch, port, starttls="optional",
                                         user="watch@example.org"))
    assert inbox.logins == [] and inbox.mail == []


def test_starttls_then_login_then_the_mail(monkeypatch, certificate):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust the test's own CA
    with smtp_server(server_tls(certificate)) as (port, inbox):
        send_mail(["analyst@example.org"], [make_alert(1)],
                  settings=mail_settings(monkeypatch, port, user="watch@example.org"))
    assert inbox.logins == [(b"watch@example.org", b"s3cret")]
    ((_sender, rcpt, content, tls),) = inbox.mail
    assert tls and rcpt == ["analyst@example.org"]
    assert message_from_bytes(content, policy=default_policy)["Subject"] == \
        "pivotwatch: 1 alert (RUS-PRK)"


def test_an_untrusted_certificate_or_a_wrong_password_is_a_clear_error(monkeypatch,
                                                                        certificate):
    with smtp_server(server_tls(certificate)) as (port, inbox):
        settings = mail_settings(monkeypatch, port, user="watch@example.org")
        monkeypatch.setenv("SSL_CERT_FILE", str(Path(__file__)))  # no CA in there
        with pytest.raises(DeliveryError, match="TLS failed: the server's certificate is "
                                                "not trusted .self-signed certificate."):
            send_mail(["analyst@example.org"], [make_alert(1)], settings=settings)
        assert inbox.logins == []  # nothing sent before the certificate was checked
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        monkeypatch.setenv("PIVOTWATCH_SMTP_PASSWORD", "wrong")
        with pytest.raises(DeliveryError, match="login refused: 535"):
            send_mail(["analyst@example.org"], [make_alert(1)], settings=get_settings())
    assert set(inbox.logins) == {(b"watch@example.org", b"wrong")} and inbox.mail == []


def test_nothing_listening_is_a_clear_error(monkeypatch):
    settings = mail_settings(monkeypatch, free_port(), starttls="off")
    with pytest.raises(DeliveryError, match="cannot connect: Connection refused"):
        send_mail(["analyst@example.org"], [make_alert(1)], settings=settings)


def test_header_injection_is_refused_or_defused(monkeypatch):
    with smtp_server() as (port, inbox):
        settings = mail_settings(monkeypatch, port, starttls="off")
        with pytest.raises(UsageError, match="plain ASCII without spaces or line breaks"):
            send_mail(["analyst@example.org\r\nBcc: spy@evil.example"], [make_alert(1)],
                      settings=settings)
        # a dyad with a line break (alert text comes from data): one subject line, no Bcc
        send_mail(["analyst@example.org"],
                  [make_alert(1, dyad="RUS-PRK\r\nBcc: spy@evil.example")], settings=settings)
        monkeypatch.setenv("PIVOTWATCH_SMTP_FROM", "watch@example.org\nBcc: spy@evil.example")
        with pytest.raises(UsageError, match="PIVOTWATCH_SMTP_FROM"):
            send_mail(["analyst@example.org"], [make_alert(1)], settings=get_settings())
    ((_sender, rcpt, content, _tls),) = inbox.mail
    assert rcpt == ["analyst@example.org"]
    msg = message_from_bytes(content, policy=default_policy)
    assert msg["Bcc"] is None
    assert msg["Subject"] == "pivotwatch: 1 alert (RUS-PRK Bcc: spy@evil.example)"


@pytest.mark.parametrize(("text", "why"), [
    ("analyst@example.org", None),
    ("first.last+tag@sub.example-mail.org", None),
    ("two@@example.org", "exactly one @"),
    ("a@b@example.org", "exactly one @"),
    ("no-at.example.org", "exactly one @"),
    ("with space@example.org", "plain ASCII"),
    ("tab\t@example.org", "plain ASCII"),
    ("ana\u00efs@example.org", "plain ASCII"),
    ("<analyst@example.org>", "is not an e-mail address"),
    ("analyst@example..org", "is not an e-mail address"),
    (".analyst@example.org", "is not an e-mail address"),
    ("analyst@", "is not an e-mail address"),
    ("a,b@example.org", "is not an e-mail address"),
])
def test_addresses_are_checked(text, why):
    if why is None:
        assert check_address(text) == text
    else:
        with pytest.raises(UsageError, match=why):
            check_address(text)


def test_the_smtp_settings(monkeypatch):
    for name in ("HOST", "PORT", "USER", "PASSWORD", "FROM", "STARTTLS", "TIMEOUT"):
        monkeypatch.delenv(f"PIVOTWATCH_SMTP_{name}", raising=False)
    settings = get_settings()
    assert (settings.smtp_port, settings.smtp_starttls) == (587, "required")
    monkeypatch.setenv("PIVOTWATCH_SMTP_PASSWORD", "hunter2")
    assert "hunter2" not in repr(get_settings())
    monkeypatch.setenv("PIVOTWATCH_SMTP_STARTTLS", "sometimes")
    with pytest.raises(UsageError, match="PIVOTWATCH_SMTP_STARTTLS must be one of required, "
                                         "optional, off"):
        get_settings()
    monkeypatch.setenv("PIVOTWATCH_SMTP_STARTTLS", "off")
    with pytest.raises(UsageError, match="set PIVOTWATCH_SMTP_HOST"):
        send_mail(["analyst@example.org"], [make_alert(1)], settings=get_settings())
