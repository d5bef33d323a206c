"""``hikkoshi federation demo``: three moving portals on this machine, peered by thumbprint.

- sapporo (port 8000) and kansai (8200) run this software, each a process tree of its own with
  its own data dir, SQLite database and keys (``<dir>/sapporo``, ``<dir>/kansai``), its
  ``HIKKOSHI_REGION`` and its real ``HIKKOSHI_PORTAL_URL``; each directory holds only its own
  region's shipped files (a copy with an area outside a peer's region is refused whole);
- kanto (8100) is the 引越れんらく帳 fake (``fakes.renrakucho``), reached through the
  ``renrakucho`` adapter; ``--kansai=json`` puts the 関西引越し手続きサービス fake
  (``fakes.kansai_json``, adapter ``kansai-json``) in kansai's place.

The operators' steps are the command line's: ``federation keys`` on each side, ``peer add`` with
the thumbprint the other printed (``peer refresh`` when a run before pinned it already), then
``federation pull`` on sapporo, as the worker does every 15 minutes. Each portal runs its worker
(sapporo the provider sandbox of ``hikkoshi demo``, with its workers, unless ``--no-sandbox``).

Every child starts in a session of its own and dies with this process (``die_with_parent``);
Ctrl-C or SIGTERM stops them all, and so does any one of them stopping.

A hikkoshi portal's own steps run in a child with that portal's settings:
``federation demo --as-portal prepare`` (migrate, its region's directory and catalogue, a demo
mover; prints the mover as JSON) and ``--as-portal serve`` (the sandbox or a worker, then
``hikkoshi serve``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
import io
import itertools
import json
import os
from pathlib import Path
import secrets
import signal
import socket
import subprocess
import sys
import time
from types import FrameType
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from hikkoshi.places.regions import get_region
from hikkoshi.processes import die_with_parent
from hikkoshi.serving import port_is_free

HOST = "127.0.0.1"
OFFSETS = {"sapporo": 0, "kanto": 100, "kansai": 200}  # from --base-port
DEMO_MOVER = "mover@example.jp"  # sapporo's, as in ``hikkoshi demo``
FAKES = {
    "renrakucho": ("hikkoshi.federation.fakes.renrakucho", "--api-key", "引越れんらく帳"),
    "kansai-json": ("hikkoshi.federation.fakes.kansai_json", "--key", "関西引越し手続きサービス"),
}
# Variables of the environment that name one portal's database, keys or identity: never passed
# on, so each portal of the demo makes its own in its data dir.
OWN = (
    "DATABASE_URL",
    "HIKKOSHI_PORTAL_ID",
    "HIKKOSHI_PORTAL_NAME",
    "HIKKOSHI_PORTAL_URL",
    "HIKKOSHI_OIDC_ISSUER",
    "HIKKOSHI_SIGNING_KEY",
    "HIKKOSHI_SIGNING_KEY_FILE",
    "HIKKOSHI_SIGNING_KEY_ID",
    "HIKKOSHI_SIGNING_KEY_NEXT",
    "HIKKOSHI_SIGNING_KEY_NEXT_FILE",
    "HIKKOSHI_DATA_KEYS",
    "HIKKOSHI_DATA_KEY_FILE",
    "HIKKOSHI_PEER_CREDENTIAL",
)
START_TIMEOUT = 180.0  # seconds for a portal to answer after it started serving
STOP_TIMEOUT = 30.0


def add_arguments(parser) -> None:
    parser.add_argument("--base-port", type=int, default=8000, help="sapporo's port; kanto +100, kansai +200")
    for portal in OFFSETS:
        parser.add_argument(f"--{portal}-port", type=int, default=None, help=f"{portal}'s port (overrides the base)")
    parser.add_argument(
        "--kansai",
        choices=["hikkoshi", "json"],
        default="hikkoshi",
        help="kansai runs this software (default), or the kansai-json fake reached through its adapter",
    )
    parser.add_argument("--dir", type=Path, default=None, help="the portals' data dirs (default: DATA_DIR/federation)")
    parser.add_argument("--no-sandbox", action="store_true", help="no provider sandbox at sapporo (a worker only)")
    # One hikkoshi portal's own step, run by the demo in a child with that portal's settings.
    parser.add_argument("--as-portal", choices=["prepare", "serve"], default="", help=argparse.SUPPRESS)


# -- the whole demo (the parent process) --------------------------------------------------------------


@dataclass
class Portal:
    id: str
    port: int
    kind: str  # "hikkoshi", or the name of the adapter that reaches its fake
    data_dir: Path
    log: Path
    credential: str = ""  # what a fake expects from sapporo's adapter
    process: subprocess.Popen[bytes] | None = None
    mover: dict[str, str] = field(default_factory=dict)
    thumbprint: str = ""

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def runs_hikkoshi(self) -> bool:
        return self.kind == "hikkoshi"

    @property
    def name(self) -> str:
        return "this software" if self.runs_hikkoshi else f"{FAKES[self.kind][2]} ({self.kind} fake)"


def fake_args(kind: str, port: int, credential: str) -> list[str]:
    """The command line of a partner's fake: its module, port and credential. The credential is
    given as ``--option=value``: a random one may start with "-", which argparse would otherwise
    take for an option of its own."""
    module, key_option, _name = FAKES[kind]
    return [module, "--port", str(port), f"{key_option}={credential}"]


class Demo:
    def __init__(self, portals: list[Portal], *, sandbox: bool, write: Callable[[str], None]):
        self.portals = {portal.id: portal for portal in portals}
        self.sandbox = sandbox
        self.write = write

    # -- environments and commands ---------------------------------------------------------------

    def env(self, portal: Portal) -> dict[str, str]:
        env = {name: value for name, value in os.environ.items() if name not in OWN}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.federation_demo",
                "HIKKOSHI_DATA_DIR": str(portal.data_dir),
                "HIKKOSHI_REGION": portal.id,
                "HIKKOSHI_PORTAL_URL": portal.url + "/",
            }
        )
        return env

    def cli(
        self, portal: Portal, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``hikkoshi ARGS`` as that portal's operator runs it (its data dir and settings)."""
        done = subprocess.run(
            [sys.executable, "-m", "hikkoshi.cli", *args],
            env={**self.env(portal), **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
        )
        if check and done.returncode != 0:
            raise CommandError(f"{portal.id}: `hikkoshi {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
        return done

    def spawn(self, portal: Portal, args: list[str], env: dict[str, str]) -> None:
        portal.log.parent.mkdir(parents=True, exist_ok=True)
        with open(portal.log, "ab") as out:
            portal.process = subprocess.Popen(
                [sys.executable, "-m", *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches this process only; it stops the others
                preexec_fn=die_with_parent,
            )

    # -- the steps --------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Each hikkoshi portal's database, at once (each in a process with its settings)."""
        running = {}
        for portal in self.portals.values():
            if portal.runs_hikkoshi:
                self.write(f"Preparing {portal.id} in {portal.data_dir} …")
                running[portal.id] = subprocess.Popen(
                    [sys.executable, "-m", "hikkoshi.cli", "federation", "demo", "--as-portal", "prepare"],
                    env=self.env(portal),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                    preexec_fn=die_with_parent,
                )
        for slug, process in running.items():
            try:
                out, err = process.communicate(timeout=600)
            except BaseException:
                for other in running.values():
                    other.kill()
                raise
            if process.returncode != 0:
                raise CommandError(f"{slug} could not be prepared:\n{err.decode(errors='replace')[-3000:]}")
            self.portals[slug].mover = json.loads(out.decode().strip().splitlines()[-1])

    def start(self) -> None:
        for portal in self.portals.values():
            if portal.runs_hikkoshi:
                args = ["hikkoshi.cli", "federation", "demo", "--as-portal", "serve"]
                if not (self.sandbox and portal.id == "sapporo"):
                    args.append("--no-sandbox")
            else:
                args = fake_args(portal.kind, portal.port, portal.credential)
            self.spawn(portal, args, self.env(portal))
        deadline = time.monotonic() + START_TIMEOUT
        for portal in self.portals.values():
            while not self._answers(portal):
                self.check_running()
                if time.monotonic() > deadline:
                    raise CommandError(f"{portal.id} did not answer on {portal.url}; see {portal.log}")
                time.sleep(0.3)

    def _answers(self, portal: Portal) -> bool:
        if not portal.runs_hikkoshi:
            try:
                socket.create_connection((HOST, portal.port), timeout=1).close()
                return True
            except OSError:
                return False
        import httpx

        try:
            return httpx.get(portal.url + "/.well-known/hikkoshi-portal", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def peer(self) -> list[str]:
        """Each side pins the other as its operator would; what was done, to show."""
        sapporo, kanto, kansai = (self.portals[slug] for slug in ("sapporo", "kanto", "kansai"))
        for portal in (sapporo, kansai):
            if portal.runs_hikkoshi:
                printed = self.cli(portal, "federation", "keys").stdout.splitlines()
                portal.thumbprint = dict(line.split(None, 1) for line in printed)["thumbprint"].strip()
        # kansai first: sapporo's first pull is signed with a key kansai must know by then.
        pairs = [(kansai, sapporo)] if kansai.runs_hikkoshi else []
        pairs += [(sapporo, kansai), (sapporo, kanto)]
        done = []
        for here, there in pairs:
            areas = ",".join(get_region(there.id).areas)
            done.append(f"{here.id} pins {there.id} ({there.url}, areas {areas}): {self.pin(here, there, areas)}")
        return done

    def pin(self, here: Portal, there: Portal, areas: str) -> str:
        """``peer add`` (or ``peer refresh`` when an earlier run pinned the same portal)."""
        listed = self.cli(here, "federation", "peer", "list").stdout.splitlines()
        line = next((n for n, text in enumerate(listed) if text.startswith(there.id + "\t")), None)
        if line is not None:
            own_lines = itertools.takewhile(lambda text: text.startswith("\t"), listed[line + 1 :])
            pinned = {text.split()[-1] for text in own_lines if text.startswith("\tpinned ")}
            adapter = "-" if there.runs_hikkoshi else there.kind
            same = f"\t{there.url}\tadapter={adapter}\t" in listed[line]
            if same and there.runs_hikkoshi and there.thumbprint in pinned:
                self.cli(here, "federation", "peer", "refresh", there.id)
                return "pinned before, its document fetched again (peer refresh)"
            if same and not there.runs_hikkoshi:  # the fake's key is new each run
                self.cli(here, "federation", "peer", "set-credential", there.id, env=self._credential(there))
                return f"adapter {there.kind}, added before, its new key stored (peer set-credential)"
            self.cli(here, "federation", "peer", "remove", there.id)
        if there.runs_hikkoshi:
            self.cli(
                here,
                "federation",
                "peer",
                "add",
                there.id,
                there.url,
                f"--thumbprint={there.thumbprint}",
                "--areas",
                areas,
            )
            return f"thumbprint {there.thumbprint}"
        adding = ["federation", "peer", "add", there.id, there.url, "--adapter", there.kind, "--areas", areas]
        self.cli(here, *adding, "--name", FAKES[there.kind][2], env=self._credential(there))
        return f"adapter {there.kind}"

    @staticmethod
    def _credential(there: Portal) -> dict[str, str]:
        """The fake's key, as its operator hands it over: in the environment, never an argument."""
        return {"HIKKOSHI_PEER_CREDENTIAL": there.credential}

    def pull(self) -> list[str]:
        done = self.cli(self.portals["sapporo"], "federation", "pull", check=False)
        return [line for line in done.stdout.splitlines() if line.strip()] or [done.stderr.strip()]

    def check_running(self) -> None:
        for portal in self.portals.values():
            if portal.process is not None and portal.process.poll() is not None:
                raise CommandError(f"{portal.id} stopped (exit {portal.process.returncode}); see {portal.log}")

    def stop(self) -> None:
        running = [portal.process for portal in self.portals.values() if portal.process is not None]
        for process in running:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def portals_from(options: dict, root: Path) -> list[Portal]:
    base = options["base_port"]
    kinds = {
        "sapporo": "hikkoshi",
        "kanto": "renrakucho",
        "kansai": "kansai-json" if options["kansai"] == "json" else "hikkoshi",
    }
    portals = []
    for slug, kind in kinds.items():
        port = options[f"{slug}_port"] or base + OFFSETS[slug]
        credential = "" if kind == "hikkoshi" else secrets.token_urlsafe(16)
        portals.append(Portal(slug, port, kind, root / slug, root / "logs" / f"{slug}.log", credential))
    return portals


def run(options: dict, write: Callable[[str], None]) -> None:
    root = Path(options["dir"] or settings.DATA_DIR / "federation").resolve()
    portals = portals_from(options, root)
    ports = [portal.port for portal in portals]
    if len(set(ports)) != len(ports):
        raise CommandError(f"the three portals need three ports, not {ports}")
    taken = [str(port) for port in ports if not port_is_free(port, HOST)]
    if taken:
        raise CommandError(f"port {', '.join(taken)} on {HOST} is taken (another demo running?)")
    demo = Demo(portals, sandbox=not options["no_sandbox"], write=write)

    def stopped(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Ctrl-C too, even when this process was started with SIGINT ignored (in the background).
    previous = {signum: signal.signal(signum, stopped) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        demo.prepare()
        write("Starting the three portals …")
        demo.start()
        peered = demo.peer()
        pulled = demo.pull()
        banner(demo, root, peered, pulled, write)
        while True:
            demo.check_running()
            time.sleep(0.5)
    except KeyboardInterrupt:
        write("Stopping the three portals …")
    finally:
        for signum in previous:  # a second Ctrl-C (or `timeout`'s signal to the group) waits for the stop
            signal.signal(signum, signal.SIG_IGN)
        demo.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def banner(demo: Demo, root: Path, peered: list[str], pulled: list[str], write: Callable[[str], None]) -> None:
    sapporo, kanto, kansai = (demo.portals[slug] for slug in ("sapporo", "kanto", "kansai"))
    write("\nhikkoshi federation demo is ready: three moving portals on this machine")
    for portal in (sapporo, kanto, kansai):
        where = f"data {portal.data_dir}" if portal.runs_hikkoshi else "samples, in memory"
        write(f"  {portal.id:<8} {portal.url}/  {portal.name}; {where}")
    write("peered (`hikkoshi federation keys` / `peer add`; a portal reached through an adapter has no key):")
    for line in peered:
        write(f"  {line}")
    write("sapporo copied the peers' directories (`hikkoshi federation pull`; its worker does it every 15 min):")
    for line in pulled:
        write(f"  {line}")
    if demo.sandbox:
        from hikkoshi.delivery.sandbox.demo import RECEIVER_PORT, SANDBOX_HOST, SINK_WEB_PORT

        write(
            f"sapporo's provider sandbox (as in `make demo`): receiver http://{SANDBOX_HOST}:{RECEIVER_PORT}/, "
            f"mail and fax http://{SANDBOX_HOST}:{SINK_WEB_PORT}/ (unless {sapporo.log.name} says it could not start)"
        )
    write("sign in as:")
    for portal in (sapporo, kansai):
        if portal.mover:
            mover = portal.mover
            write(f"  {portal.id:<8} {portal.url}/accounts/login/  {mover['email']}  password {mover['password']}")
    write("next steps:")
    osaka = "kansai's entries, a dated copy" if kansai.runs_hikkoshi else "kansai's, asked through its adapter"
    write(f"  1. from sapporo, search Osaka:  {sapporo.url}/search/?postcode=530-0001  ({osaka})")
    write(f"     and Tokyo:                   {sapporo.url}/search/?postcode=100-0001  (kanto's, through its adapter)")
    write(f"  2. sign in at sapporo as {DEMO_MOVER}, start a move to Osaka at {sapporo.url}/moves/ and open its")
    write("     review page: agree to kansai's policy and the items that go, follow the link to continue,")
    if kansai.runs_hikkoshi:
        write(
            "     sign in at kansai through sapporo, and find kansai's wizard filled in (README: the federation demo)"
        )
    else:
        write("     where kansai's service answers with its 受付番号 (README: the federation demo)")
    write("  3. the same with a move to Tokyo: kanto receives its form and answers with a 受付番号")
    write(
        f"  4. an operator's view: HIKKOSHI_DATA_DIR={sapporo.data_dir} HIKKOSHI_REGION=sapporo "
        ".venv/bin/hikkoshi federation peer list"
    )
    write(f"logs: {root / 'logs'}")
    write("Press Ctrl-C to stop everything.\n")


# -- one hikkoshi portal's own steps (in a child, with that portal's settings) -----------------------------


def directory_files(region_id: str) -> list[Path]:
    """The shipped directory files of a region: every organisation serves some place of it."""
    import hikkoshi.directory
    from hikkoshi.directory.validators import area_within

    areas = list(get_region(region_id).areas)

    def meets(code: str) -> bool:
        return area_within(code, areas) or any(area_within(area, [code]) for area in areas)

    found = []
    for path in sorted((Path(hikkoshi.directory.__file__).parent / "data").glob("*.json")):
        organisations = json.loads(path.read_text(encoding="utf-8"))["organisations"]
        if organisations and all(any(meets(a.get("area_code", "")) for a in o.get("areas", [])) for o in organisations):
            found.append(path)
    return found


def prepare_here() -> dict[str, str]:
    """Migrate, import this region's directory (and its catalogue), make the demo mover."""
    import hikkoshi.catalogue
    from hikkoshi.federation import keys

    quiet = {"verbosity": 0, "stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("migrate", interactive=False, **quiet)
    catalogue = Path(hikkoshi.catalogue.__file__).parent / "data"
    for path in directory_files(settings.HIKKOSHI_REGION):
        call_command("directory", "import", str(path), **quiet)
        if (catalogue / path.name).exists():
            call_command("catalogue", "import", str(catalogue / path.name), **quiet)
    call_command("collectstatic", interactive=False, **quiet)
    keys.current_key()  # made now, before several server threads would
    email = (
        DEMO_MOVER if settings.HIKKOSHI_PORTAL_ID == "sapporo" else f"mover@{settings.HIKKOSHI_PORTAL_ID}.example.jp"
    )
    return {"email": email, "password": _mover(email)}


def _mover(email: str) -> str:
    """The demo mover with a new password and a verified address (as ``hikkoshi demo`` makes)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    password = secrets.token_urlsafe(12)
    user, _created = get_user_model().objects.get_or_create(username=email, defaults={"email": email})
    user.email = email
    user.set_password(password)
    user.save()
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).delete()
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return password


def serve_here(*, sandbox: bool, write: Callable[[str], None]) -> None:
    """The sandbox (its workers) or a worker, then the portal until SIGTERM."""
    from hikkoshi.delivery.sandbox.demo import Sandbox, SandboxError

    port = urlsplit(settings.HIKKOSHI_PORTAL_URL).port or 8000
    running: Sandbox | None = None
    worker = None
    if sandbox:
        running = Sandbox(settings.DATA_DIR, workers=1, log=write)
        try:
            shown = running.start()
            write(f"provider sandbox: receiver {shown['receiver']}, mail and fax {shown['mail']}, logs {shown['logs']}")
        except SandboxError as exc:
            write(f"The provider sandbox could not start: {exc}; a worker runs instead")
            running = None
    if running is None:
        worker = subprocess.Popen(
            [sys.executable, "-m", "hikkoshi.cli", "worker", "--processes", "1"],
            stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
        )
    try:
        call_command("serve", host=HOST, port=port, workers=1)
    finally:
        if running is not None:
            running.stop()
        if worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                worker.kill()
