"""``hikkoshi demo``: prepare the embedded database and run the whole system.

Migrates, loads the shipped directory (Sapporo, Tokyo, Osaka), adds a news item, a demo mover
and a demo administrator (printed on screen), collects static files, then serves the portal
until Ctrl-C. Running it again is safe: the data is upserted and the passwords renewed; the
administrator's authenticator key and recovery codes stay the same, so an authenticator app set
up with them keeps working.

Both users have a verified e-mail address (their login ID). Staff pages need a second factor, so
the administrator gets an authenticator app key (TOTP), printed with its otpauth:// URI for an
app, and recovery codes for someone without an app.

It also adds a demo estate agency (デモ不動産, admitted) with a store, its manager and a member of
staff, and a demo call centre with an operator (hikkoshi.assisted); each of them signs in with a
password and an authenticator app (their keys are printed, and kept across runs).
"""

import os
from pathlib import Path
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from hikkoshi.portal.models import News

DEMO_ADMIN = "admin"
DEMO_ADMIN_EMAIL = "admin@example.jp"
DEMO_MOVER = "mover@example.jp"
DEMO_AGENCY, DEMO_STORE, DEMO_CENTRE = "デモ不動産", "札幌駅前店", "デモ引越しコールセンター"
DEMO_MANAGER = "agency-manager@example.jp"
DEMO_AGENCY_STAFF = "agency-staff@example.jp"
DEMO_OPERATOR = "operator@example.jp"
RECOVERY_CODES_SHOWN = 3
PACKAGE = Path(__file__).resolve().parents[3]
DATA_DIR = PACKAGE / "directory" / "data"
CATALOGUE_DIR = PACKAGE / "catalogue" / "data"


class Command(BaseCommand):
    help = "Prepare the embedded database with sample data and run the portal."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--prepare-only", action="store_true", help="prepare the database and exit without serving")
        parser.add_argument(
            "--no-sandbox",
            action="store_true",
            help="serve the portal alone: no delivery workers, receiver or mail sink",
        )

    def handle(self, *args, port, host, prepare_only, no_sandbox, **options):
        portal_url(host, port)
        self.stdout.write("Preparing the database …")
        call_command("migrate", verbosity=0, interactive=False)
        for path in sorted(DATA_DIR.glob("*.json")):
            call_command("directory", "import", str(path), verbosity=0)
            self.stdout.write(f"  directory: {path.stem}")
        for path in sorted(CATALOGUE_DIR.glob("*.json")):
            call_command("catalogue", "import", str(path), verbosity=0)
            self.stdout.write(f"  catalogue: {path.stem}")
        self._news()
        password, totp_secret, totp_uri, recovery_codes = self._admin()
        mover_password, token = self._mover()
        assisted = self._assisted()
        # The statistics' dashboard has something to show: simulated activity, once.
        call_command("stats", "simulate", "--days", "90", "--if-empty", verbosity=0, stdout=self.stdout)
        call_command("collectstatic", verbosity=0, interactive=False)
        base = f"http://{host}:{port}"
        self.stdout.write(self.style.SUCCESS("\nhikkoshi demo is ready:"))
        self.stdout.write(f"  portal          {base}/")
        self.stdout.write(f"  provider search {base}/search/?postcode=060-0042")
        self.stdout.write(f"  API             {base}/api/v1/postcodes/0600042")
        self.stdout.write(f"  OpenAPI         {base}/api/v1/openapi.json")
        self.stdout.write(f"  one-stop input  {base}/moves/  sign in as {DEMO_MOVER}  password {mover_password}")
        self.stdout.write(f"  API token       {token}  (for {DEMO_MOVER}: Authorization: Bearer …)")
        self.stdout.write(f"  admin           {base}/admin/  sign in as {DEMO_ADMIN_EMAIL}  password {password}")
        self.stdout.write(f"                  then a code from an authenticator app set up with the key {totp_secret}")
        self.stdout.write(f"                  (or this URI: {totp_uri})")
        self.stdout.write(
            f"                  or one of the recovery codes {' '.join(recovery_codes)} (each works once)"
        )
        for label, where, email, (staff_password, key, uri) in assisted:
            self.stdout.write(f"  {label:<15} {base}{where}  sign in as {email}  password {staff_password}")
            self.stdout.write(f"                  then a code from an authenticator app set up with the key {key}")
            self.stdout.write(f"                  (or this URI: {uri})")
        self.stdout.write(f"  mail            sign-up and password-reset mails: {self._mail_hint()}")
        self.stdout.write(f"  database        {settings.DATABASES['default']['NAME']}")
        if prepare_only:
            return
        sandbox = None
        if not no_sandbox:
            from hikkoshi.delivery.sandbox.demo import Sandbox, SandboxError

            sandbox = Sandbox(settings.DATA_DIR)
            try:
                shown = sandbox.start()
            except SandboxError as exc:
                self.stderr.write(f"The provider sandbox could not start: {exc}")
                sandbox = None
            else:
                self.stdout.write(self.style.SUCCESS("\nprovider sandbox (the organisations' side) is running:"))
                self.stdout.write(
                    f"  web receiver    {shown['receiver']}  what 水道局, 北海道ガス and 北海道電力 received"
                )
                self.stdout.write(f"  mail and fax    {shown['mail']}  e-mailed applications and fax pages")
                self.stdout.write("  workers         2 delivery workers; submit a move and watch each procedure arrive")
                self.stdout.write(f"  logs            {shown['logs']}")
        self.stdout.write("Press Ctrl-C to stop.\n")
        try:
            call_command("serve", host=host, port=port, workers=2)
        finally:
            if sandbox is not None:
                sandbox.stop()

    def _assisted(self) -> list[tuple[str, str, str, tuple[str, str, str]]]:
        """The demo agency (a store, a manager, a member of staff) and call centre (an operator)."""
        from hikkoshi.assisted.models import Agency, AgencyMember, CallCentre, Operator, Store

        agency, _created = Agency.objects.get_or_create(name=DEMO_AGENCY)
        if agency.status != Agency.Status.ADMITTED:
            agency.status = Agency.Status.ADMITTED
            agency.save()
        store, _created = Store.objects.get_or_create(agency=agency, name=DEMO_STORE)
        centre, _created = CallCentre.objects.get_or_create(name=DEMO_CENTRE, defaults={"active": True})
        found = []
        for label, email in (
            ("agency manager", DEMO_MANAGER),
            ("agency staff", DEMO_AGENCY_STAFF),
            ("call centre", DEMO_OPERATOR),
        ):
            user, _created = get_user_model().objects.get_or_create(username=email, defaults={"email": email})
            credentials = _staff_credentials(user, email)
            if email == DEMO_OPERATOR:
                Operator.objects.update_or_create(user=user, centre=centre, defaults={"active": True})
                where = "/callcentre/"
            else:
                manager = email == DEMO_MANAGER
                AgencyMember.objects.update_or_create(
                    user=user,
                    agency=agency,
                    defaults={
                        "role": AgencyMember.Role.MANAGER if manager else AgencyMember.Role.STAFF,
                        "store": None if manager else store,
                        "active": True,
                    },
                )
                where = "/agency/"
            found.append((label, where, email, credentials))
        return found

    def _admin(self) -> tuple[str, str, str, list[str]]:
        from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

        user, _created = get_user_model().objects.get_or_create(
            username=DEMO_ADMIN, defaults={"is_staff": True, "is_superuser": True}
        )
        user.is_staff = user.is_superuser = True
        password, secret, uri = _staff_credentials(user, DEMO_ADMIN_EMAIL)
        codes = RecoveryCodes.activate(user).get_unused_codes()[:RECOVERY_CODES_SHOWN]
        return password, secret, uri, codes

    def _mover(self) -> tuple[str, str]:
        from hikkoshi.accounts.models import ApiToken

        password = secrets.token_urlsafe(12)
        user, _created = get_user_model().objects.get_or_create(username=DEMO_MOVER, defaults={"email": DEMO_MOVER})
        user.email = DEMO_MOVER
        user.set_password(password)
        user.save()
        _verified_address(user, DEMO_MOVER)
        user.api_tokens.filter(name="demo").delete()
        _token, secret = ApiToken.issue(user, name="demo")
        return password, secret

    def _mail_hint(self) -> str:
        options = (getattr(settings, "MAILERS", {}).get("default") or {}).get("OPTIONS", {})
        if "file_path" not in options:
            return "sent as the mail settings say"
        return (
            f"to the sandbox's SMTP sink on {options.get('host')}:{options.get('port')} "
            f"(its inbox is http://127.0.0.1:8402/), or, when it is not running, into files in "
            f"{options['file_path']}"
        )

    def _news(self) -> None:
        News.objects.get_or_create(
            title="デモ版を公開しました",
            defaults={
                "body": "このポータルはデモ用のデータで動いています。"
                "「サンプルデータ」と表示された連絡先は、まだ事業者自身の公開情報で確認されていません。",
                "title_en": "The demo is online",
                "body_en": "This portal runs on demonstration data. Contacts marked "
                '"sample data" are not yet verified from the organisation\'s own source.',
            },
        )


def portal_url(host: str, port: int) -> str:
    """The demo's own address as ``HIKKOSHI_PORTAL_URL`` (what fax cover sheets, e-mailed
    applications, letters and the well-known document give), unless the environment names one:
    set here and in the environment, which the web and delivery processes it starts inherit."""
    url = os.environ.get("HIKKOSHI_PORTAL_URL")
    if not url:
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else (f"[{host}]" if ":" in host else host)  # noqa: S104
        url = f"http://{shown}:{port}/"
        os.environ["HIKKOSHI_PORTAL_URL"] = url
    settings.HIKKOSHI_PORTAL_URL = url
    return url


def _staff_credentials(user, email: str) -> tuple[str, str, str]:
    """A new password, and the user's authenticator app key (made once, then kept) with its URI."""
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import decrypt

    password = secrets.token_urlsafe(12)
    user.email = email
    user.set_password(password)
    user.save()
    _verified_address(user, email)
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
    else:
        secret = decrypt(totp.data["secret"])
    return password, secret, get_adapter().build_totp_url(user, secret)


def _verified_address(user, email: str) -> None:
    """The user's only e-mail address, verified and primary (allauth's record of it)."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).delete()
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
