"""``hikkoshi federation keys``, ``hikkoshi federation peer add|list|remove|refresh|set-areas|set-credential`` and
``hikkoshi federation pull [ID …]`` (copy the peers' directories now, as the worker does every
15 minutes) and ``hikkoshi federation demo`` (three portals on this machine: ``federation.demo``).

No certificate authority: operators compare key thumbprints (RFC 7638) out of band. ``keys``
prints this portal's id and thumbprints; ``peer add ID URL --thumbprint=T`` (with "=": a
thumbprint is base64url and may begin with "-") pins another portal, fetches its signed
well-known document and keeps what a pinned key signed. For a peer running hikkoshi it also
registers the sign-in between the two portals (``hikkoshi.federation.signin``): the peer as a
public client of this portal's OpenID Connect provider (PKCE, its callback the one redirect URI),
and its provider (the ``oidc_issuer`` of its document) as the one movers sign in through before
they claim a hand-over from it here.

A portal that does not run hikkoshi is added with ``--adapter NAME`` and no thumbprint (it
cannot sign); its credential (API key, bearer token) is read from ``--credential-file``, the
environment variable ``HIKKOSHI_PEER_CREDENTIAL`` or a prompt — never from the command line,
where every user of the machine sees it (``ps``) — and kept encrypted on the peer's row.
"""

import getpass
import json
import os
import sys

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.utils import timezone

from hikkoshi.directory.transfer import portal_copy
from hikkoshi.federation import client, demo, keys, pull, services, signin
from hikkoshi.federation.models import Peer

CREDENTIAL_VARIABLE = "HIKKOSHI_PEER_CREDENTIAL"
CREDENTIAL_HELP = (
    f"a file holding an --adapter peer's API key or bearer token (else ${CREDENTIAL_VARIABLE}, else a prompt; "
    "never on the command line)"
)


def _when(moment) -> str:
    """A time as the pages show it: in the portal's zone (JST), the zone named."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}"


class Command(BaseCommand):
    help = "Partner portals (ポータル間連携): this portal's id and key, and the pinned peers."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{keys,peer,pull,demo}")
        actions.add_parser("keys", help="Print this portal's id and key thumbprints (RFC 7638).")
        pulling = actions.add_parser("pull", help="Copy the peers' directories now (the worker does every 15 min).")
        pulling.add_argument("ids", nargs="*", metavar="ID", help="only these peers (default: all)")
        peer = actions.add_parser("peer", help="Pin, list, refresh or remove partner portals.")
        peer_actions = peer.add_subparsers(
            dest="peer_action", required=True, metavar="{add,list,remove,refresh,set-areas,set-credential}"
        )
        add = peer_actions.add_parser("add", help="Pin a portal by its id, URL and key thumbprint.")
        add.add_argument("id", help="the peer's portal id (its HIKKOSHI_PORTAL_ID), e.g. kansai")
        add.add_argument("url", help="its base URL, e.g. https://kansai.example.jp")
        add.add_argument(
            "--thumbprint",
            action="append",
            default=[],
            help=(
                "its key's RFC 7638 thumbprint, as --thumbprint=T (one may begin with '-'; repeat for"
                " several); none for an --adapter peer"
            ),
        )
        add.add_argument("--areas", default="", help="JIS X 0402 codes it may serve, e.g. 25,26,27 (default: none)")
        add.add_argument("--adapter", default="", help="for a portal that does not run hikkoshi: its adapter")
        add.add_argument("--name", default="", help="a name to show (default: the one its document gives)")
        add.add_argument("--credential-file", default="", help=CREDENTIAL_HELP)
        peer_actions.add_parser("list", help="List the pinned portals.")
        remove = peer_actions.add_parser("remove", help="Forget a pinned portal.")
        remove.add_argument("id")
        refresh = peer_actions.add_parser("refresh", help="Fetch and verify a portal's well-known document now.")
        refresh.add_argument("id")
        set_areas = peer_actions.add_parser("set-areas", help="Change the areas a portal may serve.")
        set_areas.add_argument("id")
        set_areas.add_argument("areas", help='JIS X 0402 codes, e.g. 25,26 ("" for none)')
        set_credential = peer_actions.add_parser("set-credential", help="Replace an adapter peer's credential.")
        set_credential.add_argument("id")
        set_credential.add_argument("--credential-file", default="", help=CREDENTIAL_HELP)
        demo.add_arguments(actions.add_parser("demo", help="Run three peered portals on this machine (Ctrl-C stops)."))

    @no_translations  # the command speaks English, Django's own messages (a field's errors) too
    def handle(self, *args, action, **options):
        if action == "demo":
            return self._demo(options)
        if action == "keys":
            return self._keys()
        if action == "pull":
            return self._pull(options["ids"])
        getattr(self, "_" + options["peer_action"].replace("-", "_"))(**options)

    def _demo(self, options) -> None:
        if options["as_portal"] == "prepare":
            self.stdout.write(json.dumps(demo.prepare_here()))
        elif options["as_portal"] == "serve":
            demo.serve_here(sandbox=not options["no_sandbox"], write=self.stdout.write)
        else:
            demo.run(options, self.stdout.write)

    def _pull(self, ids: list[str]) -> None:
        unknown = sorted(set(ids) - set(Peer.objects.filter(slug__in=ids).values_list("slug", flat=True)))
        if unknown:
            raise CommandError(f"No peer {', '.join(unknown)}.")
        results = pull.pull(ids or None)
        if not results:
            self.stdout.write("No partner portals.")
        for result in results:
            kept = "the last good copy stays" if portal_copy(result.peer) else "nothing copied yet"
            detail = {
                "copied": f"{result.organisations} organisation(s)",
                "refused": f"{result.problems} problem(s); {kept}",
                "failed": f"{result.reason}; {kept}",
                "skipped": "cooling off after failures",
                "adapter": f"the adapter {result.reason!r} offers no directory: asked live per place",
            }.get(result.outcome, "")
            self.stdout.write(f"{result.peer}\t{result.outcome}" + (f"\t{detail}" if detail else ""))
            for problem in result.details:
                # The peer's own words: shown as text, control characters and all made visible.
                self.stdout.write("    " + problem.encode("unicode_escape").decode("ascii", "replace")[:300])
            if result.problems > len(result.details):
                self.stdout.write(f"    … and {result.problems - len(result.details)} more")
            if result.outcome == "failed" and result.reason == "http_401":
                self.stdout.write(
                    f"    {result.peer} refused our signature: its operator must pin this portal's thumbprint "
                    "(`hikkoshi federation keys` here, `hikkoshi federation peer add` there)."
                )
        if any(result.outcome in ("refused", "failed") for result in results):
            raise CommandError("Some directories were not copied.")

    def _keys(self):
        current = keys.current_key()
        self.stdout.write(f"id          {keys.portal_id()}")
        self.stdout.write(f"key id      {current.kid}")
        self.stdout.write(f"thumbprint  {current.thumbprint}")
        upcoming = keys.next_key()
        if upcoming:
            self.stdout.write(f"next key    {upcoming.kid}")
            self.stdout.write(f"next thumbprint  {upcoming.thumbprint}")

    def _add(self, *, id, url, thumbprint, areas, adapter, name, credential_file, **_options):
        credential = self._credential(credential_file) if adapter else ""
        try:
            peer = services.add_peer(
                id,
                url,
                thumbprints=thumbprint,
                areas=services.parse_areas(areas),
                adapter=adapter,
                name=name,
                credential=credential,
            )
        except services.PeerError as exc:
            raise CommandError(str(exc)) from exc
        if peer.adapter:
            self.stdout.write(
                f"Added {peer.slug} at {peer.base_url}, reached through the adapter {peer.adapter!r}. It cannot "
                "sign: nothing it answers is signed, only what was sent and a hash of each answer are kept. "
                "Its credential is stored encrypted."
            )
        else:
            self.stdout.write(f"Pinned {peer.slug} at {peer.base_url}.")
        if not peer.areas:
            self.stdout.write(
                f"No areas allowed (--areas): its region counts nowhere until you give some "
                f"(`hikkoshi federation peer set-areas {peer.slug} 25,26`)."
            )
        for other in Peer.objects.exclude(pk=peer.pk):
            if set(other.thumbprints) & set(peer.thumbprints):
                self.stderr.write(f"Warning: {other.slug} is pinned to the same key; one portal, two ids?")
        if not peer.adapter:
            try:
                client.refresh_document(peer)
            except client.BadAnswer as exc:
                # A wrong pin can never be put right by refreshing: pin nothing.
                services.remove_peer(peer.slug)
                raise CommandError(
                    f"The document at {peer.base_url} is not signed by a key with that thumbprint ({exc}): "
                    f"nothing pinned. Compare the thumbprint with what `hikkoshi federation keys` prints at "
                    f"{peer.slug}, then add it again."
                ) from exc
            except client.FederationError as exc:
                self.stderr.write(
                    f"Its document could not be had now ({exc.reason}: {exc}); the peer is kept: "
                    f"run `hikkoshi federation peer refresh {peer.slug}` when it answers."
                )
                self._register(peer)  # its client here; its provider once its document verifies
            else:
                self._verified(peer)

    def _fetch(self, peer: Peer) -> None:
        try:
            client.refresh_document(peer)
        except client.FederationError as exc:
            self.stderr.write(
                f"Its document could not be verified now ({exc.reason}: {exc}); the peer is kept: "
                f"run `hikkoshi federation peer refresh {peer.slug}` later."
            )
            return
        self._verified(peer)

    def _verified(self, peer: Peer) -> None:
        served = ", ".join(peer.served_areas) or "nothing"
        claimed = ", ".join(peer.document.get("region", {}).get("areas", []))
        self.stdout.write(
            f"Document verified: {peer.name}, {len(peer.keys)} key(s), serves {served} of its region {claimed}."
        )
        self._register(peer)

    def _register(self, peer: Peer) -> None:
        for registered in signin.register_peer(peer):
            self.stdout.write(f"Registered {registered}.")

    def _refresh(self, *, id, **_options):
        peer = Peer.objects.filter(slug=id).first()
        if peer is None:
            raise CommandError(f"No peer {id!r}.")
        self._fetch(peer)
        if peer.failures:
            raise CommandError(f"{peer.slug}: not refreshed.")

    def _credential(self, path: str) -> str:
        """The credential from a file, the environment or a prompt (never an argument)."""
        if path:
            try:
                with open(path, encoding="utf-8") as handle:
                    return handle.read().strip()
            except OSError as exc:
                raise CommandError(f"Cannot read the credential file: {exc.strerror}.") from exc
        if os.environ.get(CREDENTIAL_VARIABLE):
            return os.environ[CREDENTIAL_VARIABLE].strip()
        if sys.stdin.isatty():
            return getpass.getpass("The peer's credential (API key or bearer token; not shown): ").strip()
        raise CommandError(f"Give the peer's credential: --credential-file PATH, {CREDENTIAL_VARIABLE}, or a terminal.")

    def _set_areas(self, *, id, areas, **_options):
        try:
            peer = services.set_areas(id, services.parse_areas(areas))
        except services.PeerError as exc:
            raise CommandError(str(exc)) from exc
        allowed, served = ",".join(peer.areas) or "nothing", ",".join(peer.served_areas) or "nothing"
        self.stdout.write(f"{peer.slug}: allowed {allowed}; serves {served}.")
        if portal_copy(peer.slug):
            self.stdout.write(f"Its copy is cut to them at the next pull (`hikkoshi federation pull {peer.slug}`).")

    def _set_credential(self, *, id, credential_file, **_options):
        if not Peer.objects.filter(slug=id).exists():
            raise CommandError(f"No peer {id!r}.")
        try:
            peer = services.set_credential(id, self._credential(credential_file))
        except services.PeerError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{peer.slug}: credential replaced (stored encrypted).")

    def _list(self, **_options):
        peers = list(Peer.objects.all())
        if not peers:
            self.stdout.write("No partner portals.")
        for peer in peers:
            verified = _when(peer.document_verified_at) if peer.document_verified_at else "never"
            if peer.adapter:
                verified = "unsigned"
            state = f"skipped until {_when(peer.skipped_until)}" if peer.skipped() else f"failures {peer.failures}"
            copy = portal_copy(peer.slug)
            copied = _when(copy.copied_at) if copy else "never"
            self.stdout.write(
                f"{peer.slug}\t{peer.base_url}\tadapter={peer.adapter or '-'}\tallowed={','.join(peer.areas) or '-'}"
                f"\tserved={','.join(peer.served_areas) or '-'}\tkeys={len(peer.keys)}\tverified={verified}"
                f"\tcopied={copied}\t{state}"
            )
            for thumbprint in peer.thumbprints:
                self.stdout.write(f"\tpinned {thumbprint}")

    def _remove(self, *, id, **_options):
        if not services.remove_peer(id):
            raise CommandError(f"No peer {id!r}.")
        signin.unregister_peer(id)
        self.stdout.write(f"Removed {id}.")
