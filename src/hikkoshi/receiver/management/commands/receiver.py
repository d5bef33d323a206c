"""``hikkoshi receiver``: run an organisation's receiver of the web channel, or manage it.

::

    hikkoshi receiver --data-dir DIR --organisation SLUG [--organisation SLUG …]
                      (--portal-keys-url URL | --portal-key-file FILE)
                      [--host 127.0.0.1] [--port 8401] [--workers 2] [--public-url URL]
                      [--delay SECONDS] [--open-staff-pages] [--retention-days [SLUG=]DAYS …]
                      [--portal-answers-url URL]   # default: /api/v1/answers of the keys URL's portal
    hikkoshi receiver createstaff USERNAME --organisation SLUG … --data-dir DIR
        # prints a new password and a new authenticator-app secret (TOTP, and its otpauth:// URI)
    hikkoshi receiver purge --data-dir DIR --organisation SLUG … [--retention-days [SLUG=]DAYS …]
        # deletes the applications older than their organisation keeps them
    hikkoshi receiver rotate --data-dir DIR --organisation SLUG
        # encrypts what is stored again with the first data key (HIKKOSHI_RECEIVER_DATA_KEYS or
        # the data key file): put a new key first, rotate, then remove the old key
    hikkoshi receiver keys --data-dir DIR --organisation SLUG …   # the receipt keys, as JSON
    hikkoshi receiver processed REFERENCE --data-dir DIR --organisation SLUG   # mark one 処理済み

Serving migrates the receiver's database, makes each organisation's receipt key when it has none
(``DIR/keys/<slug>.pem``), records each organisation's retention time when
``--retention-days`` is given (else it keeps what was recorded, at first 90 days), purges what is
older, prints where the portal posts and where the keys are, and then
becomes gunicorn (threaded workers that cut off a silent client, as ``hikkoshi serve``; the same
process, so a signal to it reaches gunicorn).
Runs under ``hikkoshi.settings.receiver``, which the ``hikkoshi`` script chooses for this command.
"""

import json
import os
from pathlib import Path
import re
import secrets
import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from hikkoshi.receiver import keys, totp
from hikkoshi.receiver.urls import RESERVED
from hikkoshi.serving import gunicorn_command


def answers_url_of(keys_url: str) -> str:
    """The portal's answer endpoint beside its keys: ``https://PORTAL/api/v1/answers``."""
    parts = urlsplit(keys_url)
    return f"{parts.scheme}://{parts.netloc}/api/v1/answers" if parts.scheme and parts.netloc else ""


_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


class Command(BaseCommand):
    help = (
        "Run the receiver of the web channel for one or more organisations "
        "(or: createstaff USERNAME, keys, processed REFERENCE, purge, rotate)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "action",
            nargs="?",
            default="serve",
            choices=["serve", "createstaff", "keys", "processed", "purge", "rotate"],
        )
        parser.add_argument(
            "username",
            nargs="?",
            help="createstaff: the new staff user's name; processed: the application's reference number",
        )
        parser.add_argument("--data-dir", help="the receiver's state (default ./var/receiver)")
        parser.add_argument(
            "--organisation",
            action="append",
            default=[],
            metavar="SLUG",
            help="an organisation served here (repeat for more)",
        )
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            "--portal-keys-url",
            metavar="URL",
            help="the portal's JWK set: https://PORTAL/.well-known/hikkoshi-keys.json",
        )
        source.add_argument(
            "--portal-key-file", metavar="FILE", help="the portal's public key: a JWK set or a PEM file"
        )
        parser.add_argument(
            "--portal-answers-url",
            default="",
            metavar="URL",
            help="where the staff's status updates (処理状況) are sent, signed: https://PORTAL/api/v1/answers "
            "(default: that path on the host of --portal-keys-url)",
        )
        parser.add_argument("--host", default=os.environ.get("HIKKOSHI_RECEIVER_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("HIKKOSHI_RECEIVER_PORT", "8401")))
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=16, help="threads per worker (default 16)")
        parser.add_argument(
            "--public-url",
            default="",
            metavar="URL",
            help="this receiver's address as the portal sees it, behind a proxy",
        )
        parser.add_argument(
            "--delay",
            type=float,
            default=0.0,
            metavar="SECONDS",
            help="wait this long before each answer (tests and demonstrations)",
        )
        parser.add_argument(
            "--retention-days",
            action="append",
            default=[],
            metavar="[SLUG=]DAYS",
            help="days received applications are kept (every --organisation, or SLUG's; default 90, "
            "or what was set before): older ones are deleted",
        )
        parser.add_argument(
            "--open-staff-pages", action="store_true", help="staff pages without sign-in: a local demonstration only"
        )

    def handle(self, *args, action, username, data_dir, organisation, retention_days, **options):
        self._check_data_dir(data_dir)
        if action == "createstaff":
            return self._create_staff(username, self._organisations(organisation))
        organisations = self._organisations(organisation)
        retention = self._retention(organisations, retention_days)
        if action == "purge":
            self._migrate()
            self._check_known(organisations)
            self._purge(organisations, retention)
            return
        if action == "rotate":
            from hikkoshi.encryption import crypto
            from hikkoshi.receiver.services import rotate_data_keys

            self._migrate()
            written = rotate_data_keys()
            self.stdout.write(f"{written} row(s) encrypted again with the data key {crypto.keyring().primary!r}.")
            return
        if action == "processed":
            from hikkoshi.receiver.services import mark_processed

            call_command("migrate", interactive=False, verbosity=0)
            if not username or not mark_processed(organisation=organisations[0], reference=username):
                raise CommandError(f"No application {username!r} of {organisations[0]}.")
            self.stdout.write(f"{username} marked processed: withdrawals and corrections are refused from now on.")
            return
        if action == "keys":
            self.stdout.write(
                json.dumps({slug: keys.organisation_jwks(slug) for slug in organisations}, ensure_ascii=False, indent=2)
            )
            return
        self._serve(organisations, retention, **options)

    # --- checks ---------------------------------------------------------------------------------

    def _check_data_dir(self, data_dir):
        if data_dir and Path(data_dir).resolve() != Path(settings.RECEIVER_DATA_DIR).resolve():
            raise CommandError(
                "Run the receiver through the `hikkoshi receiver …` command, which sets up its "
                "data directory before Django starts (or set HIKKOSHI_RECEIVER_DATA_DIR)."
            )
        if not hasattr(settings, "RECEIVER"):
            raise CommandError("The receiver runs under DJANGO_SETTINGS_MODULE=hikkoshi.settings.receiver.")

    def _organisations(self, slugs: list[str]) -> list[str]:
        if not slugs:
            raise CommandError("Give at least one --organisation SLUG.")
        for slug in slugs:
            if not _SLUG.match(slug) or slug in RESERVED:
                raise CommandError(
                    f"“{slug}” cannot be an organisation's identifier here: use lower-case "
                    f"letters, digits, - and _ (not {', '.join(sorted(RESERVED))})."
                )
        return list(dict.fromkeys(slugs))

    def _retention(self, organisations: list[str], values: list[str]) -> dict[str, int]:
        """``--retention-days`` as organisation → days (``DAYS`` for each one, ``SLUG=DAYS``)."""
        found: dict[str, int] = {}
        for value in values:
            slug, _eq, days = value.rpartition("=")
            if slug and slug not in organisations:
                raise CommandError(f"--retention-days {value}: {slug} is not an --organisation here.")
            if not days.isdigit() or not 1 <= int(days) <= 36500:
                raise CommandError(f"--retention-days {value}: give a number of days from 1 to 36500.")
            found.update(dict.fromkeys([slug] if slug else organisations, int(days)))
        return found

    def _migrate(self) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)  # the sign-in lockout's counters

    def _check_known(self, organisations: list[str]) -> None:
        """An organisation this receiver has never served (no receipt key in the data directory,
        no application, no setting) is a mistake: a wrong --organisation or --data-dir."""
        from hikkoshi.receiver.models import Application, OrganisationSetting

        unknown = [
            slug
            for slug in organisations
            if not keys.key_path(slug).exists()
            and not Application.objects.filter(organisation=slug).exists()
            and not OrganisationSetting.objects.filter(organisation=slug).exists()
        ]
        if unknown:
            raise CommandError(
                f"No organisation {', '.join(unknown)} is served with the data directory {settings.RECEIVER_DATA_DIR} "
                "(no receipt key, no application): check --organisation and --data-dir."
            )

    def _purge(self, organisations: list[str], retention: dict[str, int]) -> None:
        """Purge, and say for each organisation (and any other that lost applications) how long
        it keeps them and how many were deleted."""
        from hikkoshi.receiver.models import OrganisationSetting
        from hikkoshi.receiver.services import purge, set_retention

        for slug, days in retention.items():
            set_retention(slug, days)
        deleted = purge()
        for slug in sorted({*deleted, *organisations}):
            self.stdout.write(
                f"{slug}: applications kept {OrganisationSetting.retention(slug)} days; "
                f"{deleted.get(slug, 0)} older one(s) deleted."
            )

    # --- createstaff ----------------------------------------------------------------------------

    def _create_staff(self, username, organisations):
        """A staff sign-in (or a new password for one), its authenticator app's secret (a new
        one each time: set it up in the app again) and the organisations whose applications it
        sees (added to those it had)."""
        from hikkoshi.receiver.models import StaffOrganisation
        from hikkoshi.receiver.services import enrol_second_factor

        if not username:
            raise CommandError("Usage: hikkoshi receiver createstaff USERNAME --organisation SLUG … --data-dir DIR")
        self._migrate()
        password = secrets.token_urlsafe(12)
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username)
        user.is_staff = True
        user.is_active = True
        user.set_password(password)
        user.save()
        for slug in organisations:
            StaffOrganisation.objects.get_or_create(user=user, organisation=slug)
        what = "created" if created else "given a new password"
        mapped = ", ".join(sorted(StaffOrganisation.objects.filter(user=user).values_list("organisation", flat=True)))
        secret = enrol_second_factor(user)
        self.stdout.write(f"Staff user {username} {what}, for {mapped}. Password: {password}")
        self.stdout.write(
            f"Authenticator app (TOTP, {totp.DIGITS} digits every {totp.PERIOD} s): secret {secret}\n"
            f"  or as a URI: {totp.otpauth_uri(secret, username, 'hikkoshi receiver')}\n"
            "Sign-in asks for the app's code after the password"
            + ("." if created else "; the earlier secret no longer works: set the app up again.")
        )

    # --- serve ------------------------------------------------------------------------------------

    def _serve(
        self,
        organisations,
        retention,
        *,
        portal_keys_url,
        portal_key_file,
        portal_answers_url,
        host,
        port,
        workers,
        threads,
        public_url,
        delay,
        open_staff_pages,
        **_options,
    ):
        if not (portal_keys_url or portal_key_file):
            raise CommandError("Say where the portal's public key is: --portal-keys-url URL or --portal-key-file FILE.")
        if portal_key_file:
            portal_key_file = str(Path(portal_key_file).resolve())
            try:
                found = keys.read_key_file(portal_key_file)
            except keys.PortalKeySourceError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Portal keys from {portal_key_file}: {', '.join(k or '(any key id)' for k in found)}")
        else:
            try:
                found = keys.PortalKeys(url=portal_keys_url).fetch()
                self.stdout.write(f"Portal keys from {portal_keys_url}: {', '.join(found) or '(none)'}")
            except Exception:  # noqa: BLE001 - the portal may start later; each request fetches again
                self.stderr.write(
                    f"Warning: the portal's keys could not be fetched from {portal_keys_url} "
                    "yet; they are fetched again with each application until they can be."
                )

        self._migrate()
        self._purge(organisations, retention)
        base = (public_url or f"http://{host}:{port}").rstrip("/")
        for slug in organisations:
            _key, kid = keys.organisation_key(slug)
            self.stdout.write(
                f"{slug}: endpoint {base}/{slug}/applications  staff {base}/{slug}/  "
                f"receipt keys {base}/{slug}/.well-known/receipt-keys.json  "
                f"(key id {kid}, file {keys.key_path(slug)})"
            )
        if open_staff_pages:
            self.stderr.write("Warning: --open-staff-pages: the staff pages need no sign-in (local demo only).")

        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "hikkoshi.settings.receiver"),
                "HIKKOSHI_RECEIVER_DATA_DIR": str(settings.RECEIVER_DATA_DIR),
                "HIKKOSHI_RECEIVER_ORGANISATIONS": ",".join(organisations),
                "HIKKOSHI_RECEIVER_PORTAL_KEYS_URL": portal_keys_url or "",
                "HIKKOSHI_RECEIVER_PORTAL_KEY_FILE": portal_key_file or "",
                "HIKKOSHI_RECEIVER_PORTAL_ANSWERS_URL": portal_answers_url or answers_url_of(portal_keys_url or ""),
                "HIKKOSHI_RECEIVER_PUBLIC_URL": public_url or "",
                "HIKKOSHI_RECEIVER_DELAY": str(max(0.0, delay)),
                "HIKKOSHI_RECEIVER_OPEN_STAFF_PAGES": "1" if open_staff_pages else "0",
            }
        )
        if "HIKKOSHI_RECEIVER_ALLOWED_HOSTS" not in os.environ:
            names = [
                urlsplit(public_url).hostname or "" if public_url else "",
                "" if host in ("0.0.0.0", "::") else host,  # noqa: S104 (a comparison, not a bind)
                "127.0.0.1",
                "localhost",
                "[::1]",
            ]
            os.environ["HIKKOSHI_RECEIVER_ALLOWED_HOSTS"] = ",".join(dict.fromkeys(n for n in names if n))
        cmd = gunicorn_command(
            host=host,
            port=port,
            workers=max(1, workers),
            threads=max(1, threads),
            app="hikkoshi.receiver.wsgi:application",
            extra=["--timeout", str(int(30 + max(0.0, delay))), "--graceful-timeout", "10"],
        )
        connections.close_all()
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(cmd[0], cmd)  # noqa: S606 (becomes gunicorn, started as an argument list)
