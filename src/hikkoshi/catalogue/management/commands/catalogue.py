"""``hikkoshi catalogue import FILE`` / ``hikkoshi catalogue export FILE`` (JSON)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from hikkoshi.catalogue.services import CatalogueImportError, catalogue_export, catalogue_import
from hikkoshi.progress import ProgressBar


class Command(BaseCommand):
    help = "Import or export the procedure catalogue (JSON)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("import", help="import a catalogue file; all or nothing").add_argument("file")
        sub.add_parser("export", help="write the catalogue to a file").add_argument("file")

    def handle(self, *args, action, file, **options):
        path = Path(file)
        if action == "export":
            count = catalogue_export(path=path)
            self.stdout.write(_("Exported %(count)d procedure(s) to %(file)s.") % {"count": count, "file": path})
            return
        bar = ProgressBar(self.stderr)
        try:
            result = catalogue_import(path=path, progress=bar)
        except CatalogueImportError as exc:
            bar.close()
            for where, message in exc.problems:
                self.stderr.write(f"{where}: {message}")
            raise CommandError(
                _("%(file)s was not imported: %(count)d problem(s); nothing was changed.")
                % {"file": path, "count": len(exc.problems)}
            ) from exc
        bar.close()
        self.stdout.write(
            _("Imported %(file)s: %(created)d created, %(updated)d updated, %(versions)d new version(s).")
            % {"file": path, "created": result.created, "updated": result.updated, "versions": result.new_versions}
        )
