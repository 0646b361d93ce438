"""Alerts by e-mail: one plain-text message per batch, sent through an SMTP server.

The server and the account come from the environment only (``PIVOTWATCH_SMTP_HOST``,
``_PORT`` (587, submission), ``_USER``, ``_PASSWORD``, ``_FROM``, ``_TIMEOUT``), never from
the config file, which is often shared or kept in a repository.

TLS: ``PIVOTWATCH_SMTP_STARTTLS=required`` (the default) upgrades the connection with
STARTTLS, verifying the server's certificate against the system's authorities, and sends
nothing when the server does not offer it; ``optional`` upgrades when offered and otherwise
sends in plain text, but never a password; ``off`` never upgrades (a relay on the same
machine). Port 465 (TLS from the first byte) is not spoken.

Headers cannot be injected: every address is checked (plain ASCII, one ``@``, no space, no
line break, nothing but the characters an address may hold) and refused otherwise, and the
subject is made of the alerts' dyads written as one line with controls as visible escapes;
``email.policy.SMTP`` refuses a header with a line break in any case. The body is
``deliver.render_text`` of each alert (at most ``MAX_ALERTS``; the rest are counted), so it
carries no control character either. The message says it was sent by a program
(``Auto-Submitted: auto-generated``, RFC 3834), so vacation replies stay away, and carries the
batch key (``X-Pivotwatch-Batch``), as the webhook does.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

from pivotwatch.errors import DeliveryError, UsageError
from pivotwatch.markup import printable
from pivotwatch.settings import Settings
from pivotwatch.watch.deliver import batch_key, line, render_text
from pivotwatch.watch.model import Alert

MAX_ALERTS = 100  # alerts written in one message; the rest are counted
MAX_RECIPIENTS = 50
MAX_SUBJECT_DYADS = 4
SEPARATOR = "-" * 72

_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")


def check_address(text: str, what: str = "address") -> str:
    """`text` when it is a plain e-mail address (local@domain, ASCII, no space or line
    break); UsageError naming `what` otherwise."""
    shown = printable(text, 80)
    if any(not 0x21 <= ord(c) <= 0x7e for c in text):
        raise UsageError(f"{what} {shown!r}: an address is plain ASCII without spaces or line "
                         f"breaks")
    local, at, domain = text.partition("@")
    if not at or "@" in domain:
        raise UsageError(f"{what} {shown!r}: an address has exactly one @")
    if (len(text) > 254 or len(local) > 64 or not _LOCAL.fullmatch(local)
            or not _DOMAIN.fullmatch(domain)):
        raise UsageError(f"{what} {shown!r} is not an e-mail address (e.g. analyst@example.org)")
    return text


def subject(alerts: Sequence[Alert]) -> str:
    """E.g. 'pivotwatch: 3 alerts (RUS-PRK)': the count and the dyads, one line."""
    dyads = list(dict.fromkeys(line(a.dyad) for a in alerts))
    named = ", ".join(dyads[:MAX_SUBJECT_DYADS])
    if len(dyads) > MAX_SUBJECT_DYADS:
        named += f" +{len(dyads) - MAX_SUBJECT_DYADS} more"
    count = len(alerts)
    return f"pivotwatch: {count} alert{'' if count == 1 else 's'} ({named})"


def body(alerts: Sequence[Alert]) -> str:
    """The plain-text body: each alert as the terminal shows it, separated by a rule."""
    count = len(alerts)
    parts = [f"pivotwatch raised {count} alert{'' if count == 1 else 's'}."]
    for alert in alerts[:MAX_ALERTS]:
        parts += [SEPARATOR, render_text(alert)]
    if count > MAX_ALERTS:
        parts += [SEPARATOR, f"... and {count - MAX_ALERTS:,} more: `pivotwatch alerts` lists "
                             f"them all."]
    return "\n".join(parts) + "\n"


def message(sender: str, to: Sequence[str], alerts: Sequence[Alert]) -> EmailMessage:
    """The message of one batch, from and to addresses already checked."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject(alerts)
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid("pivotwatch", domain=sender.partition("@")[2])
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Pivotwatch-Batch"] = batch_key(alerts)
    msg.set_content(body(alerts))
    return msg


def _sender(settings: Settings) -> str:
    if settings.smtp_from:
        return check_address(settings.smtp_from, "PIVOTWATCH_SMTP_FROM")
    if "@" in settings.smtp_user:
        return check_address(settings.smtp_user, "PIVOTWATCH_SMTP_USER")
    raise UsageError("set PIVOTWATCH_SMTP_FROM to the address alerts are sent from")


def check_setup(to: Sequence[str], settings: Settings) -> None:
    """What a mail needs, checked before a cycle starts: the addresses, the sender and the
    server settings; UsageError with one line otherwise."""
    for address in to:
        check_address(address, "--mail-to")
    _check_server(settings)
    _sender(settings)


def _check_server(settings: Settings) -> None:
    if not settings.smtp_host:
        raise UsageError("set PIVOTWATCH_SMTP_HOST (and PIVOTWATCH_SMTP_FROM) to send alerts "
                         "by mail")
    if not _DOMAIN.fullmatch(settings.smtp_host) and not re.fullmatch(r"[0-9a-fA-F:.]+",
                                                                      settings.smtp_host):
        raise UsageError(f"PIVOTWATCH_SMTP_HOST {printable(settings.smtp_host, 80)!r} is not a "
                         f"host name or address")
    if not 1 <= settings.smtp_port <= 65535:
        raise UsageError(f"PIVOTWATCH_SMTP_PORT must be 1 to 65535, not {settings.smtp_port}")
    if settings.smtp_timeout <= 0:
        raise UsageError("PIVOTWATCH_SMTP_TIMEOUT must be above 0 seconds")


def _converse(smtp: smtplib.SMTP, settings: Settings, label: str) -> None:
    """EHLO, STARTTLS as the setting asks, and the login."""
    mode = settings.smtp_starttls
    smtp.ehlo()
    secure = False
    if mode != "off" and smtp.has_extn("starttls"):
        smtp.starttls(context=ssl.create_default_context())
        smtp.ehlo()
        secure = True
    elif mode == "required":
        raise DeliveryError(f"{label} does not offer STARTTLS, so nothing was sent (set "
                            f"PIVOTWATCH_SMTP_STARTTLS=optional to send without it)")
    if settings.smtp_user:
        if not secure and mode != "off":
            raise DeliveryError(f"{label} does not offer STARTTLS: the password is not sent in "
                                f"plain text (PIVOTWATCH_SMTP_STARTTLS=off allows it)")
        smtp.login(settings.smtp_user, settings.smtp_password)


def _smtp_reason(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
        else str(exc.smtp_error)
    return f"{exc.smtp_code} {printable(' '.join(text.split()), 200)}"


def send_mail(to: Sequence[str], alerts: Sequence[Alert], *, settings: Settings) -> None:
    """Send `alerts` to the addresses `to` in one message through the SMTP server the
    settings name; UsageError for a bad address or setting, DeliveryError (one line) when
    the server cannot be reached or refuses. No alert, no message."""
    if not alerts:
        return
    if isinstance(to, str):  # one address, not its characters
        to = [to]
    recipients = list(dict.fromkeys(check_address(a.strip(), "mail-to") for a in to))
    if not recipients:
        raise UsageError("no address to mail the alerts to")
    if len(recipients) > MAX_RECIPIENTS:
        raise UsageError(f"{len(recipients)} mail-to addresses: at most {MAX_RECIPIENTS}")
    _check_server(settings)
    sender = _sender(settings)
    msg = message(sender, recipients, alerts)
    label = f"mail server {settings.smtp_host}:{settings.smtp_port}"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout,
                          local_hostname=socket.gethostname() or "localhost") as smtp:
            _converse(smtp, settings, label)
            refused = smtp.send_message(msg, sender, recipients)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"{label}: login refused: {_smtp_reason(exc)}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"{label}: every recipient refused: "
                            f"{_refused(exc.recipients)}") from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"{label}: {_smtp_reason(exc)}") from None
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"{label}: {printable(' '.join(str(exc).split()), 200)}") from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(f"{label}: TLS failed: the server's certificate is not trusted "
                            f"({printable(str(exc.verify_message), 200)})") from None
    except ssl.SSLError as exc:
        raise DeliveryError(f"{label}: TLS failed: {printable(str(exc.reason or exc), 200)}"
                            ) from None
    except TimeoutError:
        raise DeliveryError(f"{label}: no answer within {settings.smtp_timeout:g} s") from None
    except OSError as exc:
        raise DeliveryError(f"{label}: cannot connect: {exc.strerror or exc}") from None
    if refused:
        raise DeliveryError(f"{label}: sent, but refused for {_refused(refused)}")


def _refused(recipients: dict) -> str:
    return "; ".join(f"{printable(str(who), 80)} ({code} "
                     f"{printable(' '.join(bytes(why).decode('utf-8', 'replace').split()), 120)})"
                     for who, (code, why) in recipients.items())
