"""The provider sandbox of ``make demo``: the organisations' side of every channel, on 127.0.0.1.

- a receiver (``hikkoshi receiver``) for the organisations whose procedures go by the web channel
  to the sandbox address (the shipped catalogue points them at 127.0.0.1:8401), with their
  receipt keys put in the directory so the portal can verify their receipts;
- the SMTP sink (``hikkoshi smtpsink``) standing in for the organisations' mail servers and for
  the e-mail-to-fax gateway, with a page that shows the mails and the fax pages;
- the delivery workers (``hikkoshi worker``).

Procedures shipped as samples without a destination (``"sample": true``) get a sandbox one
from their channel (``Channel.stand_in_settings``: ``<slug>@sandbox.localhost``, a fax number
that the gateway turns into a sink address, …) in the demo database only, and stay marked as
samples.
"""

from __future__ import annotations

from collections.abc import Callable
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

from django.conf import settings

from hikkoshi.channels import StandIns, registry
from hikkoshi.processes import die_with_parent
from hikkoshi.serving import port_is_free

from ..smtp import config as smtp_config

SANDBOX_HOST = "127.0.0.1"
RECEIVER_PORT = 8401
SINK_WEB_PORT = 8402
# Not a number anyone answers: the sandbox's e-mail-to-fax gateway turns it into a sink address.
SANDBOX_FAX_NUMBER = "011-000-0000"


def stand_ins(receiver_port: int = RECEIVER_PORT) -> StandIns:
    """The sandbox's stand-ins, its receiver on ``receiver_port``."""
    return StandIns(
        receiver_url=lambda path: f"http://{SANDBOX_HOST}:{receiver_port}{path}",
        mail_domain="sandbox.localhost",
        fax_number=SANDBOX_FAX_NUMBER,
    )


STAND_INS = stand_ins()


class SandboxError(RuntimeError):
    pass


def _answers(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((SANDBOX_HOST, port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def _to_receiver(value: object, port: int) -> bool:
    url = urlsplit(value) if isinstance(value, str) else None
    return url is not None and url.hostname == SANDBOX_HOST and url.port == port


def web_organisations(receiver_port: int = RECEIVER_PORT) -> list[str]:
    """Organisations whose active procedures are sent to the sandbox receiver (a setting of
    theirs is a URL there)."""
    from hikkoshi.catalogue.models import Procedure

    slugs = []
    for procedure in Procedure.objects.filter(active=True).select_related("organisation"):
        if any(_to_receiver(value, receiver_port) for value in (procedure.channel_settings or {}).values()):
            slugs.append(procedure.organisation.slug)
    return sorted(set(slugs))


def configure_sample_destinations(stand_ins: StandIns = STAND_INS) -> list[str]:
    """Give procedures whose channel sends but lacks a destination (shipped samples) the
    sandbox's stand-in for it."""
    from hikkoshi.catalogue.models import Procedure

    installed = registry()
    changed = []
    for procedure in Procedure.objects.select_related("organisation"):
        channel = installed.find(procedure.channel)
        channel_settings = dict(procedure.channel_settings)
        if channel is None or not channel.sends or channel.is_configured(channel_settings):
            continue
        channel_settings.update(
            channel.stand_in_settings(
                procedure=procedure.slug, organisation=procedure.organisation.slug, stand_ins=stand_ins
            )
        )
        channel_settings["sample"] = True
        procedure.channel_settings = channel_settings
        procedure.save()  # type: ignore[no-untyped-call]  # catalogue's Procedure.save has no annotations
        changed.append(procedure.slug)
    return changed


def answers_endpoint_url() -> str:
    """This portal's endpoint for the organisations' signed answers, at its public address."""
    from django.urls import reverse  # the URL configuration, loaded when the sandbox starts

    return settings.HIKKOSHI_PORTAL_URL.rstrip("/") + reverse("answers-endpoint")


class Sandbox:
    """The receiver, the SMTP sink (on the portal's SMTP port, ``HIKKOSHI_SMTP``) and the workers,
    each a process of its own in ``<data_dir>/sandbox``; ``start`` them, ``stop`` them. The
    receiver and the sink's page listen on the demo's ports unless told otherwise."""

    def __init__(
        self,
        data_dir: Path,
        *,
        workers: int = 2,
        log: Callable[[str], None] = print,
        receiver_port: int = RECEIVER_PORT,
        web_port: int = SINK_WEB_PORT,
    ):
        self.dir = Path(data_dir) / "sandbox"
        self.workers = workers
        self.log = log
        self.receiver_port = receiver_port
        self.web_port = web_port
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def _spawn(self, name: str, args: list[str]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / f"{name}.log", "ab") as out:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "hikkoshi.cli", *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=os.environ.copy(),
                preexec_fn=die_with_parent,
            )

    def start(self) -> dict[str, str]:
        """Start everything; what to show the person trying the demo."""
        from hikkoshi.delivery.keys import jwks
        from hikkoshi.directory.services import set_receipt_keys

        smtp_port = smtp_config()["port"]
        for port in (self.receiver_port, smtp_port, self.web_port):
            if not port_is_free(port, SANDBOX_HOST):
                raise SandboxError(f"port {port} on {SANDBOX_HOST} is taken (another demo running?)")
        # before asking which organisations the receiver serves
        configure_sample_destinations(stand_ins(self.receiver_port))
        organisations = web_organisations(self.receiver_port)
        portal_keys = self.dir / "portal-keys.json"
        self.dir.mkdir(parents=True, exist_ok=True)
        portal_keys.write_text(json.dumps(jwks()))
        receiver_dir = self.dir / "receiver"
        args = [
            "receiver",
            "--host",
            SANDBOX_HOST,
            "--port",
            str(self.receiver_port),
            "--data-dir",
            str(receiver_dir),
            "--portal-key-file",
            str(portal_keys),
            # Where the receiver's staff's answers (処理状況) go, signed: this portal's endpoint
            # (the receiver finds it beside a keys URL; a key file names no portal).
            "--portal-answers-url",
            answers_endpoint_url(),
            "--open-staff-pages",
            "--workers",
            "2",
        ]
        for slug in organisations:
            args += ["--organisation", slug]
        self._spawn("receiver", args)
        self._spawn(
            "smtpsink",
            [
                "smtpsink",
                "--smtp-port",
                str(smtp_port),
                "--web-port",
                str(self.web_port),
                "--dir",
                str(self.dir / "mail"),
            ],
        )
        if not _answers(self.receiver_port, 60) or not _answers(smtp_port, 30):
            self.stop()
            raise SandboxError(f"the sandbox did not start; see the logs in {self.dir}")
        import httpx

        for slug in organisations:
            url = f"http://{SANDBOX_HOST}:{self.receiver_port}/{slug}/.well-known/receipt-keys.json"
            for _ in range(50):
                try:
                    set_receipt_keys(slug=slug, keys=httpx.get(url, timeout=5).json())
                    break
                except (httpx.HTTPError, ValueError):
                    time.sleep(0.2)
            else:
                self.stop()
                raise SandboxError(f"the receiver did not publish the keys of {slug}")
        self._spawn("worker", ["worker", "--processes", str(self.workers)])
        return {
            "receiver": f"http://{SANDBOX_HOST}:{self.receiver_port}/",
            "mail": f"http://{SANDBOX_HOST}:{self.web_port}/",
            "logs": str(self.dir),
        }

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 20
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.processes.clear()
