"""Delivery to files and to a real SMTP server (aiosmtpd) on 127.0.0.1, plain, STARTTLS and TLS."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from digest_samples import DAY, NOW, SETTINGS, decode_png, make_alert, sample_data, sample_source

from monitor.deliver import (
    atomic_write,
    build_message,
    deliver_due,
    send_digest,
    write_digest_files,
    write_digest_to,
)
from monitor.digest import build_digest_data
from monitor.errors import DeliveryError
from monitor.models import FeedSpec
from monitor.settings import EmailConfig
from monitor.storage import open_storage

# -- a real SMTP server ---------------------------------------------------------------


class Inbox:
    """aiosmtpd handler keeping what it received and whether the session was encrypted."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "tls": server.transport.get_extra_info("ssl_object") is not None,
                "message": email.message_from_bytes(envelope.content, policy=email.policy.default),
            }
        )
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login, auth_data.password))
            return AuthResult(success=auth_data.password == b"s3cret", handled=False)
        return AuthResult(success=False, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


class Server:
    def __init__(self, inbox: Inbox, controller: Controller) -> None:
        self.inbox = inbox
        self.controller = controller
        self.port = controller.port

    def settings(self, **changes: Any) -> EmailConfig:
        base = EmailConfig(
            host="127.0.0.1",
            port=self.port,
            security="none",
            sender="monitor@example.org",
            recipients=("ops@example.org", "desk@example.org"),
            timeout=10,
        )
        return base.model_copy(update=changes)


def start(inbox: Inbox, **kwargs: Any) -> Controller:
    controller = Controller(
        inbox, hostname="127.0.0.1", port=free_port(), authenticator=inbox.authenticate, **kwargs
    )
    controller.start()
    return controller


@pytest.fixture
def plain_server() -> Iterator[Server]:
    inbox = Inbox()
    controller = start(inbox, auth_require_tls=False)
    yield Server(inbox, controller)
    controller.stop()


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path]) -> Iterator[Server]:
    inbox = Inbox()
    controller = start(inbox, tls_context=server_context(certificate), require_starttls=True)
    yield Server(inbox, controller)
    controller.stop()


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[Server]:
    inbox = Inbox()
    controller = start(inbox, ssl_context=server_context(certificate))
    yield Server(inbox, controller)
    controller.stop()


# -- the received message -----------------------------------------------------------


def check_digest_message(message: EmailMessage) -> None:
    """multipart/alternative: text, then related(html, png) with the html using the png's cid."""
    assert message["Subject"] == "[escalation-monitor] 2026-11-21 digest: critical, 3 alerts"
    assert message.get_content_type() == "multipart/alternative"
    text_part, related = message.get_payload()
    assert text_part.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert image.get_content_type() == "image/png"
    text = text_part.get_content()
    html = html_part.get_content()
    for title in (
        "Serbia puts army on full combat alert",
        "Barricades go up near Jarinje",
        "Brussels talks end without agreement",
    ):
        assert title in text and title in html
    assert "*full combat alert*" in text
    assert '<mark style="background-color:#fff1a8;color:#1f1f1f;">full combat alert</mark>' in html
    content_id = image["Content-ID"].strip("<>")
    assert f'src="cid:{content_id}"' in html
    assert "data:image/png" not in html  # mail clients block data URIs
    width, height, _ = decode_png(image.get_content())
    assert (width, height) == (600, 180)


def test_message_structure_without_a_server() -> None:
    message = build_message(sample_data(), Server(Inbox(), _Fake()).settings())
    check_digest_message(message)
    assert message["From"] == "monitor@example.org"
    assert message["To"] == "ops@example.org, desk@example.org"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@example.org>")


class _Fake:
    port = 25


def test_plain_smtp_delivers_the_digest(plain_server: Server) -> None:
    location = send_digest(sample_data(), plain_server.settings())
    assert location == (
        f"smtp://127.0.0.1:{plain_server.port} to ops@example.org, desk@example.org"
    )
    [received] = plain_server.inbox.messages
    assert received["from"] == "monitor@example.org"
    assert received["to"] == ["ops@example.org", "desk@example.org"]
    assert received["tls"] is False
    check_digest_message(received["message"])


def test_starttls_with_login(starttls_server: Server, certificate: tuple[Path, Path]) -> None:
    settings = starttls_server.settings(
        security="starttls", username="monitor", password_env="DIGEST_SMTP_PASSWORD"
    )
    send_digest(
        sample_data(),
        settings,
        env={"DIGEST_SMTP_PASSWORD": "s3cret"},
        ssl_context=client_context(certificate),
    )
    assert starttls_server.inbox.logins == [(b"monitor", b"s3cret")]
    [received] = starttls_server.inbox.messages
    assert received["tls"] is True
    check_digest_message(received["message"])


def test_starttls_refuses_an_untrusted_certificate(starttls_server: Server) -> None:
    settings = starttls_server.settings(security="starttls")
    with pytest.raises(
        DeliveryError, match=rf"smtp://127.0.0.1:{starttls_server.port}.*CERTIFICATE"
    ):
        send_digest(sample_data(), settings)  # the system trust store does not know our cert
    assert starttls_server.inbox.messages == []


def test_starttls_fails_when_the_server_does_not_offer_it(plain_server: Server) -> None:
    with pytest.raises(DeliveryError, match="STARTTLS"):
        send_digest(sample_data(), plain_server.settings(security="starttls"))
    assert plain_server.inbox.messages == []


def test_implicit_tls(tls_server: Server, certificate: tuple[Path, Path]) -> None:
    send_digest(
        sample_data(),
        tls_server.settings(security="ssl"),
        ssl_context=client_context(certificate),
    )
    [received] = tls_server.inbox.messages
    assert received["tls"] is True
    check_digest_message(received["message"])


def test_a_wrong_password_is_a_delivery_error(plain_server: Server) -> None:
    settings = plain_server.settings(username="monitor", password_env="PW")
    with pytest.raises(DeliveryError, match=r"sending failed.*535"):
        send_digest(sample_data(), settings, env={"PW": "wrong"})
    assert plain_server.inbox.messages == []


def test_a_missing_password_names_the_variable() -> None:
    settings = EmailConfig(
        host="127.0.0.1", port=free_port(), recipients=("a@example.org",), username="u",
        password_env="MISSING_PW",
    )  # fmt: skip
    with pytest.raises(DeliveryError, match="MISSING_PW"):
        send_digest(sample_data(), settings, env={})


def test_no_password_in_clear_text_to_another_host() -> None:
    settings = EmailConfig(
        host="mail.example.org", port=25, security="none", recipients=("a@example.org",),
        username="u", password_env="PW",
    )  # fmt: skip
    with pytest.raises(DeliveryError, match="without TLS"):
        send_digest(sample_data(), settings, env={"PW": "x"})


def test_an_unreachable_server_names_the_target() -> None:
    port = free_port()
    settings = EmailConfig(host="127.0.0.1", port=port, security="none", recipients=("a@x.org",))
    with pytest.raises(DeliveryError, match=rf"^smtp://127.0.0.1:{port}: sending failed") as info:
        send_digest(sample_data(), settings)
    assert isinstance(info.value.__cause__, OSError)


def test_feed_content_cannot_add_headers(plain_server: Server) -> None:
    source = sample_source()
    source.alerts[:] = [
        make_alert(
            30,
            title="Title\r\nBcc: victim@example.org",
            body="Police raided the office.",
            score=90,
            level="critical\r\nBcc: victim@example.org",
            created_at=datetime(2026, 11, 20, 10, tzinfo=UTC),
            indicators=[
                ("police_operation", "event", 9.0, [("Police raided the office.", ["raided"])])
            ],
        )
    ]

    data = build_digest_data(source, day=DAY, settings=SETTINGS, now=NOW)
    send_digest(data, plain_server.settings())
    [received] = plain_server.inbox.messages
    message = received["message"]
    assert message["Bcc"] is None
    assert received["to"] == ["ops@example.org", "desk@example.org"]
    assert message["Subject"] == (
        "[escalation-monitor] 2026-11-21 digest: critical Bcc: victim@example.org, 1 alert"
    )
    assert message.keys().count("Subject") == 1


def test_a_bad_sender_is_refused() -> None:
    settings = EmailConfig(
        host="127.0.0.1", recipients=("ops@example.org",), sender="not an address"
    )
    with pytest.raises(DeliveryError, match="sender"):
        build_message(sample_data(), settings)


# -- files ------------------------------------------------------------------------------


def test_files_are_dated_and_complete(tmp_path: Path) -> None:
    html_path, text_path = write_digest_files(sample_data(), tmp_path / "digests")
    assert html_path.name == "digest-2026-11-21.html" and text_path.name == "digest-2026-11-21.txt"
    html = html_path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "data:image/png;base64," in html
    assert "Serbia put its troops on *full combat alert*" in text_path.read_text(encoding="utf-8")
    assert sorted(p.name for p in html_path.parent.iterdir()) == [html_path.name, text_path.name]


def test_out_accepts_a_folder_an_html_file_or_a_text_file(tmp_path: Path) -> None:
    data = sample_data()
    folder = write_digest_to(data, tmp_path / "out")
    assert [p.name for p in folder] == ["digest-2026-11-21.html", "digest-2026-11-21.txt"]
    pair = write_digest_to(data, tmp_path / "today.html")
    assert [p.name for p in pair] == ["today.html", "today.txt"]
    assert pair[0].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    [text] = write_digest_to(data, tmp_path / "today-only.txt")
    assert text.read_text(encoding="utf-8").startswith("[escalation-monitor] 2026-11-21 digest")
    with pytest.raises(DeliveryError, match=r"today\.pdf"):
        write_digest_to(data, tmp_path / "today.pdf")


def test_atomic_write_replaces_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "digest.txt"
    atomic_write(target, "old")
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["digest.txt"]


def test_an_unwritable_folder_is_a_delivery_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(DeliveryError, match="not-a-folder"):
        write_digest_files(sample_data(), blocker)


# -- the scheduled job ---------------------------------------------------------------


def test_deliver_due_sends_each_day_once_per_channel(tmp_path: Path, plain_server: Server) -> None:
    source = sample_source()
    # Delivered on the 19th, then down until just after the 21st's digest time.
    source.delivered = {(date(2026, 11, 19), "file"): "x", (date(2026, 11, 19), "email"): "x"}
    settings = dataclasses.replace(
        SETTINGS, folder=tmp_path, email=plain_server.settings(), catch_up_days=2
    )
    now = datetime(2026, 11, 21, 6, 1, tzinfo=UTC)
    results = deliver_due(source, settings, now=now)
    assert [(r.day.isoformat(), r.channel, r.ok) for r in results] == [
        ("2026-11-20", "file", True),
        ("2026-11-20", "email", True),
        ("2026-11-21", "file", True),
        ("2026-11-21", "email", True),
    ]
    assert (tmp_path / "digest-2026-11-20.html").exists() and (
        tmp_path / "digest-2026-11-21.txt"
    ).exists()
    subjects = [m["message"]["Subject"] for m in plain_server.inbox.messages]
    assert subjects[0].startswith("[escalation-monitor] 2026-11-20 digest")
    assert subjects[1] == "[escalation-monitor] 2026-11-21 digest: critical, 3 alerts"
    assert source.delivered[(DAY, "file")] == str(tmp_path / "digest-2026-11-21.html")
    assert deliver_due(source, settings, now=now + timedelta(hours=3)) == []
    assert len(plain_server.inbox.messages) == 2


def test_a_failing_channel_does_not_stop_the_other_and_is_retried(tmp_path: Path) -> None:
    source = sample_source()
    email_settings = EmailConfig(
        host="127.0.0.1", port=free_port(), security="none", recipients=("a@x.org",)
    )
    settings = dataclasses.replace(SETTINGS, folder=tmp_path, email=email_settings, catch_up_days=0)
    now = datetime(2026, 11, 21, 6, 1, tzinfo=UTC)
    results = deliver_due(source, settings, now=now)
    assert [(r.channel, r.ok) for r in results] == [("file", True), ("email", False)]
    assert "sending failed" in (results[1].error or "")
    assert list(source.delivered) == [(DAY, "file")]
    retry = deliver_due(source, settings, now=now + timedelta(minutes=5))
    assert [(r.channel, r.ok) for r in retry] == [("email", False)]


def test_deliver_due_with_the_real_storage(tmp_path: Path) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 'monitor.db'}")
    storage.add_feed(FeedSpec(url="https://news.example.org/feed.xml"), 1800, now=NOW)
    settings = dataclasses.replace(SETTINGS, folder=tmp_path / "digests")
    now = datetime(2026, 11, 21, 6, 1, tzinfo=UTC)
    [result] = deliver_due(storage, settings, now=now)
    assert (result.day, result.channel, result.ok) == (DAY, "file", True)
    assert storage.digest_delivered(DAY, "file")
    text = (tmp_path / "digests" / "digest-2026-11-21.txt").read_text(encoding="utf-8")
    assert "no alerts" in text.splitlines()[0]
    assert deliver_due(storage, settings, now=now + timedelta(minutes=5)) == []
    [tomorrow] = deliver_due(storage, settings, now=now + timedelta(days=1))
    assert tomorrow.day == date(2026, 11, 22)
