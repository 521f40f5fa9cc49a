"""A real SMTP server on loopback that records what it receives.

Used by the tests (in a thread) and by the benchmarks (as a process:
`python -m tests.smtp_sink --port 2525 --delay 0.5`). Its `mode` makes it
misbehave the ways real servers do: answer 4xx or 5xx, or accept a
connection and never reply.
"""

import argparse
import asyncio
import contextlib
import email
import email.parser
import email.policy
import logging
import socket
import threading
from dataclasses import dataclass, field
from typing import TextIO

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    mail_options: list[str] = field(default_factory=list)

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


@dataclass
class SinkHandler:
    mode: str = "accept"  # accept | tempfail | permfail
    delay: float = 0.0
    refused: set[str] = field(default_factory=set)  # recipients answered "550 user unknown"
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.mode == "tempfail":
            return "451 4.3.0 Try again later"
        if self.mode == "permfail":
            return "550 5.1.1 Mailbox does not exist"
        with self.lock:
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.original_content,
                    list(envelope.mail_options),
                )
            )
        return "250 2.0.0 OK"


class SmtpSink:
    """Start/stop an aiosmtpd server in a thread; inspect what it received.

    `smtputf8`: whether it offers SMTPUTF8 (RFC 6531), i.e. takes addresses with
    non-ASCII local parts; aiosmtpd, like many servers, does not by default."""

    def __init__(self, port: int | None = None, *, smtputf8: bool = False):
        self.port = port or free_port()
        self.smtputf8 = smtputf8
        self.handler = SinkHandler()
        self._controller: Controller | None = None

    def start(self) -> "SmtpSink":
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10, enable_SMTPUTF8=self.smtputf8
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def messages_to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


class SilentServer:
    """Accepts TCP connections and never says a word: a hung SMTP server."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.listen(50)
        self._open: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        self._sock.settimeout(0.1)
        while not self._stopped.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._open.append(conn)

    def start(self) -> "SilentServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        for conn in self._open:
            conn.close()
        self._sock.close()


@dataclass
class RecordingHandler(SinkHandler):
    """The sink's handler that also appends each accepted message's Message-ID to a file, one a line."""

    record: TextIO | None = None

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if self.record is not None and reply.startswith("250"):
            headers = email.parser.BytesHeaderParser().parsebytes(envelope.original_content)
            self.record.write(" ".join((headers["Message-ID"] or "-").split()) + "\n")
            self.record.flush()
        return reply


def main() -> None:
    parser = argparse.ArgumentParser(description="SMTP sink on loopback (for benchmarks)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before answering DATA")
    parser.add_argument("--record", metavar="FILE", help="append each accepted Message-ID to FILE, one a line")
    args = parser.parse_args()
    with open(args.record, "a", encoding="utf-8") if args.record else contextlib.nullcontext() as record:
        sink = SmtpSink(args.port)
        sink.handler = RecordingHandler(delay=args.delay, record=record)
        sink.start()
        print(f"listening on 127.0.0.1:{args.port}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            sink.stop()


if __name__ == "__main__":
    main()
