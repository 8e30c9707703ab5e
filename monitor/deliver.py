"""Deliver a digest: dated files written atomically, and email over SMTP.

:func:`deliver_due` is what the daemon calls on a timer: it asks
:func:`monitor.digest_schedule.due_days` which days are due on each channel
(``file``, ``email``), builds each day's :class:`~monitor.digest.DigestData`
once, delivers it and records the delivery in storage, so a day goes out once
per channel. A delivery is recorded only after it succeeded: a crash in
between sends the digest again rather than never. One failing channel never
stops the other.

Errors are :class:`monitor.errors.DeliveryError` naming the file or the SMTP
server; the cause stays on ``__cause__``.
"""

from __future__ import annotations

import ipaddress
import os
import smtplib
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

from monitor.charts import render_chart_png
from monitor.digest import (
    DigestData,
    DigestSettings,
    DigestSource,
    build_digest_data,
    subject,
)
from monitor.digest_html import render_html
from monitor.digest_schedule import due_days
from monitor.digest_text import render_text
from monitor.errors import DeliveryError
from monitor.settings import EmailConfig
from monitor.textsafe import single_line

FILE = "file"
EMAIL = "email"


class DigestStore(DigestSource, Protocol):
    """The storage methods :func:`deliver_due` needs."""

    def digest_delivered(self, day: date, channel: str) -> bool: ...

    def mark_digest_delivered(
        self, day: date, channel: str, location: str, when: datetime
    ) -> bool: ...


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """One digest on one channel: ``location`` when delivered, ``error`` when not."""

    day: date
    channel: str
    location: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


# -- files ---------------------------------------------------------------------------


def digest_filenames(day: date) -> tuple[str, str]:
    return f"digest-{day.isoformat()}.html", f"digest-{day.isoformat()}.txt"


def atomic_write(path: Path, content: str | bytes) -> None:
    """Write ``path`` so a reader sees the old file or the whole new one, never a part."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o644)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise DeliveryError(f"cannot write: {exc.strerror or exc}", target=str(path)) from exc


def write_digest_files(data: DigestData, folder: Path) -> tuple[Path, Path]:
    """``digest-YYYY-MM-DD.html`` (chart embedded) and ``.txt`` in ``folder``; replaces old ones."""
    html_name, text_name = digest_filenames(data.day)
    html_path, text_path = folder / html_name, folder / text_name
    atomic_write(text_path, render_text(data))
    atomic_write(html_path, render_html(data))  # the chart as a data: URI
    return html_path, text_path


def write_digest_to(data: DigestData, target: Path) -> list[Path]:
    """Write where the user asked (``monitor digest --out``).

    A folder (existing, or a path without a suffix) gets the dated pair of
    files; ``x.html`` gets the HTML and ``x.txt`` beside it; ``x.txt`` gets only
    the text.
    """
    suffix = target.suffix.lower()
    if target.is_dir() or not suffix:
        return list(write_digest_files(data, target))
    if suffix == ".txt":
        atomic_write(target, render_text(data))
        return [target]
    if suffix not in (".html", ".htm"):
        raise DeliveryError(
            "expected a folder, or a file ending in .html or .txt", target=str(target)
        )
    text_path = target.with_suffix(".txt")
    atomic_write(text_path, render_text(data))
    atomic_write(target, render_html(data))
    return [target, text_path]


# -- email ---------------------------------------------------------------------------


def _address(value: str, key: str) -> Address:
    cleaned = single_line(value)
    try:
        return Address(addr_spec=cleaned)
    except (ValueError, IndexError) as exc:
        raise DeliveryError(f"{cleaned!r} is not an email address", target=key) from exc


def build_message(data: DigestData, email: EmailConfig) -> EmailMessage:
    """multipart/alternative: text/plain, then multipart/related (text/html + the chart PNG).

    The subject and every header value pass through
    :func:`monitor.textsafe.single_line`, so feed content can never add a header.
    """
    sender = _address(email.sender, "digest.email.sender")
    recipients = [_address(r, "digest.email.recipients") for r in email.recipients]
    if not recipients:
        raise DeliveryError("no recipients configured", target="digest.email.recipients")
    message = EmailMessage()
    message["Subject"] = subject(data)
    message["From"] = sender
    message["To"] = recipients
    message["Date"] = format_datetime(data.generated_at)
    message["Message-ID"] = make_msgid("digest", domain=sender.domain or None)
    message["Auto-Submitted"] = "auto-generated"

    chart_id = make_msgid("trend", domain=sender.domain or None)
    message.set_content(render_text(data), subtype="plain", charset="utf-8")
    message.add_alternative(
        render_html(data, chart_src=f"cid:{chart_id[1:-1]}"), subtype="html", charset="utf-8"
    )
    html_part = message.get_payload()[1]
    html_part.add_related(
        render_chart_png(data.trend),
        maintype="image",
        subtype="png",
        cid=chart_id,
        filename=f"trend-{data.day.isoformat()}.png",
        disposition="inline",
    )
    return message


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def send_message(
    message: EmailMessage,
    email: EmailConfig,
    *,
    env: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> str:
    """Send over SMTP as ``email.security`` says; return where it went.

    ``ssl_context`` defaults to the system's verifying context. A password
    (read from the variable named by ``password_env``) is never sent over an
    unencrypted connection to another host.
    """
    env = os.environ if env is None else env
    target = f"smtp://{email.host}:{email.port}"
    password = None
    if email.username:
        if not email.password_env or not env.get(email.password_env):
            variable = email.password_env or "(digest.email.password_env not set)"
            raise DeliveryError(f"no password in environment variable {variable}", target=target)
        if email.security == "none" and not _is_loopback(email.host):
            raise DeliveryError(
                "refusing to send a password without TLS; set security to starttls or ssl",
                target=target,
            )
        password = env[email.password_env]
    context = ssl_context or ssl.create_default_context()
    recipients = [str(_address(r, "digest.email.recipients").addr_spec) for r in email.recipients]
    try:
        if email.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                email.host, email.port, timeout=email.timeout, context=context
            )
        else:
            client = smtplib.SMTP(email.host, email.port, timeout=email.timeout)
        with client:
            client.ehlo()
            if email.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if email.username and password is not None:
                client.login(email.username, password)
            refused = client.send_message(
                message,
                from_addr=_address(email.sender, "digest.email.sender").addr_spec,
                to_addrs=recipients,
            )
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(
            f"sending failed: {single_line(str(exc)) or type(exc).__name__}", target=target
        ) from exc
    accepted = [r for r in recipients if r not in refused]
    location = f"{target} to {', '.join(accepted)}"
    if refused:
        location += f" (refused: {', '.join(sorted(refused))})"
    return location


def send_digest(
    data: DigestData,
    email: EmailConfig,
    *,
    env: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> str:
    return send_message(build_message(data, email), email, env=env, ssl_context=ssl_context)


# -- the scheduled job ---------------------------------------------------------------


def channels(settings: DigestSettings) -> list[str]:
    """The configured delivery channels: ``file`` when a folder is set, ``email`` when mail is."""
    out = []
    if settings.folder is not None:
        out.append(FILE)
    if settings.email is not None:
        out.append(EMAIL)
    return out


def deliver(
    data: DigestData,
    channel: str,
    settings: DigestSettings,
    *,
    env: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> str:
    """Deliver one digest on one channel; return its location (path or SMTP target)."""
    if channel == FILE and settings.folder is not None:
        html_path, _ = write_digest_files(data, settings.folder)
        return str(html_path)
    if channel == EMAIL and settings.email is not None:
        return send_digest(data, settings.email, env=env, ssl_context=ssl_context)
    raise DeliveryError("channel is not configured", target=channel)


def deliver_due(
    storage: DigestStore,
    settings: DigestSettings,
    *,
    now: datetime,
    not_before: datetime | None = None,
    indicator_titles: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> list[DeliveryResult]:
    """Build and deliver every digest that is due at ``now``, and record each delivery.

    Safe to call as often as you like (every few minutes from the daemon, or
    at start-up): a day already recorded for a channel is not sent again.
    Storage errors propagate; delivery errors become failed results and are
    retried on the next call.
    """
    due: dict[date, list[str]] = {}
    for channel in channels(settings):
        for day in due_days(
            now,
            at=settings.time,
            tz=settings.timezone,
            delivered=lambda d, c=channel: storage.digest_delivered(d, c),
            catch_up_days=settings.catch_up_days,
            not_before=not_before,
        ):
            due.setdefault(day, []).append(channel)
    results = []
    for day in sorted(due):
        data = build_digest_data(
            storage, day=day, settings=settings, now=now, indicator_titles=indicator_titles
        )
        for channel in due[day]:
            try:
                location = deliver(data, channel, settings, env=env, ssl_context=ssl_context)
            except DeliveryError as exc:
                results.append(DeliveryResult(day, channel, error=str(exc)))
                continue
            storage.mark_digest_delivered(day, channel, location, now)
            results.append(DeliveryResult(day, channel, location=location))
    return results
