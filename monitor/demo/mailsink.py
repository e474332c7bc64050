"""A local SMTP server that accepts every mail and keeps it: aiosmtpd on 127.0.0.1, an ephemeral port."""

from __future__ import annotations

import asyncio
import email
import threading
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _Keep:
    """The aiosmtpd handler: each message delivered is parsed, kept in order and saved as an .eml file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data: bytes = envelope.original_content or envelope.content
        message = email.message_from_bytes(data, _class=EmailMessage, policy=default)
        with self.lock:
            self.messages.append(message)
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{len(self.messages):03d}.eml").write_bytes(data)
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's threaded controller, able to listen on port 0: its readiness check connects to the
    port the server was actually given."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class MailSink:
    """The SMTP server as a context manager; `port` once started, `messages` as received (each also
    written to `folder` as 001.eml, 002.eml, …)."""

    host = "127.0.0.1"

    def __init__(self, folder: Path) -> None:
        self.handler = _Keep(folder)
        self.controller = _Controller(self.handler, hostname=self.host, port=0)

    def __enter__(self) -> MailSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)
