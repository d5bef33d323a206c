"""``hikkoshi directory import FILE`` and ``hikkoshi directory export FILE`` (事業者情報の一括登録).

The format follows the file name (``.json`` or ``.csv``); ``hikkoshi.directory.transfer`` describes
both. An import is all or nothing: on any problem every problem is printed, one per line, and
nothing is changed.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from hikkoshi.directory.constants import LOCAL_PORTAL
from hikkoshi.directory.transfer import (
    DirectoryExportError,
    DirectoryImportError,
    directory_export,
    directory_import,
)
from hikkoshi.progress import ProgressBar


class Command(BaseCommand):
    help = "Import or export the directory of organisations as JSON or CSV."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
        importing = actions.add_parser("import", help="Import organisations from FILE (upsert by slug).")
        importing.add_argument("file", type=Path)
        exporting = actions.add_parser("export", help="Export organisations to FILE.")
        exporting.add_argument("file", type=Path)
        exporting.add_argument(
            "--portal", default=LOCAL_PORTAL, help="Whose entries to export (default: this portal's own)."
        )

    def handle(self, *args, action, file, **options):
        if action == "import":
            self._import(file)
        else:
            self._export(file, options["portal"])

    def _import(self, file: Path) -> None:
        bar = ProgressBar(self.stderr)
        try:
            result = directory_import(path=file, progress=bar)
        except DirectoryImportError as exc:
            bar.close()
            for problem in exc.errors:
                self.stderr.write(str(problem))
            raise CommandError(
                _("%(file)s was not imported: %(count)d problem(s); nothing was changed.")
                % {"file": file, "count": len(exc.errors)}
            ) from exc
        bar.close()
        self.stdout.write(
            _("Imported %(file)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {"file": file, "created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        )

    def _export(self, file: Path, portal: str) -> None:
        try:
            count = directory_export(path=file, portal=portal)
        except DirectoryExportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("Exported %(count)d organisation(s) to %(file)s.") % {"count": count, "file": file})
