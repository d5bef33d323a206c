"""``hikkoshi demo``: prepare the embedded database and run the whole system.

Migrates, loads the shipped directory (Sapporo, Tokyo, Osaka), adds a news item and a demo
administrator (printed on screen), collects static files, then serves the portal until Ctrl-C.
Running it again is safe: the data is upserted and the administrator's password renewed.
"""

from pathlib import Path
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from hikkoshi.portal.models import News

DEMO_ADMIN = "admin"
DEMO_MOVER = "mover@example.jp"
PACKAGE = Path(__file__).resolve().parents[3]
DATA_DIR = PACKAGE / "directory" / "data"
CATALOGUE_DIR = PACKAGE / "catalogue" / "data"


class Command(BaseCommand):
    help = "Prepare the embedded database with sample data and run the portal."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--prepare-only", action="store_true",
                            help="prepare the database and exit without serving")

    def handle(self, *args, port, host, prepare_only, **options):
        self.stdout.write("Preparing the database …")
        call_command("migrate", verbosity=0, interactive=False)
        for path in sorted(DATA_DIR.glob("*.json")):
            call_command("directory", "import", str(path), verbosity=0)
            self.stdout.write(f"  directory: {path.stem}")
        for path in sorted(CATALOGUE_DIR.glob("*.json")):
            call_command("catalogue", "import", str(path), verbosity=0)
            self.stdout.write(f"  catalogue: {path.stem}")
        self._news()
        password = self._admin()
        mover_password, token = self._mover()
        call_command("collectstatic", verbosity=0, interactive=False)
        base = f"http://{host}:{port}"
        self.stdout.write(self.style.SUCCESS("\nhikkoshi demo is ready:"))
        self.stdout.write(f"  portal          {base}/")
        self.stdout.write(f"  provider search {base}/search/?postcode=060-0042")
        self.stdout.write(f"  API             {base}/api/v1/postcodes/0600042")
        self.stdout.write(f"  OpenAPI         {base}/api/v1/openapi.json")
        self.stdout.write(f"  one-stop input  {base}/moves/  sign in as {DEMO_MOVER}  password {mover_password}")
        self.stdout.write(f"  API token       {token}  (for {DEMO_MOVER}: Authorization: Bearer …)")
        self.stdout.write(f"  admin           {base}/admin/  user {DEMO_ADMIN}  password {password}")
        self.stdout.write(f"  database        {settings.DATABASES['default']['NAME']}")
        if prepare_only:
            return
        self.stdout.write("Press Ctrl-C to stop.\n")
        call_command("serve", host=host, port=port, workers=2)

    def _admin(self) -> str:
        password = secrets.token_urlsafe(12)
        user, _created = get_user_model().objects.get_or_create(
            username=DEMO_ADMIN, defaults={"is_staff": True, "is_superuser": True}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        return password

    def _mover(self) -> tuple[str, str]:
        from hikkoshi.moves.models import ApiToken

        password = secrets.token_urlsafe(12)
        user, _created = get_user_model().objects.get_or_create(
            username=DEMO_MOVER, defaults={"email": DEMO_MOVER})
        user.set_password(password)
        user.save()
        user.api_tokens.filter(name="demo").delete()
        _token, secret = ApiToken.issue(user, name="demo")
        return password, secret

    def _news(self) -> None:
        News.objects.get_or_create(
            title="デモ版を公開しました",
            defaults={
                "body": "このポータルはデモ用のデータで動いています。"
                        "「サンプルデータ」と表示された連絡先は、まだ事業者自身の公開情報で確認されていません。",
                "title_en": "The demo is online",
                "body_en": "This portal runs on demonstration data. Contacts marked "
                           "\"sample data\" are not yet verified from the organisation's own source.",
            },
        )
