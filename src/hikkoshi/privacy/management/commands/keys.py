"""``hikkoshi keys generate|rotate|status``: the data keys of encryption at rest.

- ``generate [--kid KID]`` prints a new key line ``kid:base64`` (32 random bytes). Put it first
  in ``HIKKOSHI_DATA_KEYS`` (``new,old``) or as the first line of the key file, on every host.
- ``rotate [--batch-size N] [--rebuild]`` re-encrypts every value not under the first key, or
  bound to its column only (stored before values were bound to their rows), bound to its row, in
  batches, each written in its own short transaction; resumable; then writes again the name
  search terms (the blind index of customers' names) made under another key — with
  ``--rebuild``, those of every move entered for a customer (terms missing or in doubt). Prints
  the counts. When it reports nothing left under other keys, the old key can be removed.
- ``status`` prints how many values each key holds, per column ("kid (column-bound)": not
  bound to their rows yet).

Without production settings, ``python -m hikkoshi.encryption.crypto`` prints a key line as well.
"""

from django.core.management.base import BaseCommand, CommandError

from hikkoshi.encryption import crypto
from hikkoshi.privacy import rotation


class Command(BaseCommand):
    help = (
        "The data keys of encryption at rest: generate a key, re-encrypt with the first key, show which key holds what."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        generate = sub.add_parser("generate", help="print a new key line (kid:base64)")
        generate.add_argument("--kid", help="the key id (default: k<date>-<random>)")
        rotate = sub.add_parser("rotate", help="re-encrypt every value with the first key")
        rotate.add_argument("--batch-size", type=int, default=500, help="rows a batch (default 500)")
        rotate.add_argument(
            "--rebuild", action="store_true", help="rebuild the name search terms of every move, not only stale ones"
        )
        sub.add_parser("status", help="how many values each key holds")

    def handle(self, *args, action, **options):
        if action == "generate":
            try:
                self.stdout.write(crypto.new_key_line(options.get("kid")))
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            return
        try:
            ring = crypto.keyring()
        except crypto.KeyConfigurationError as exc:
            raise CommandError(str(exc)) from None
        if action == "status":
            self._status(ring)
            return
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        self.stdout.write(f"Re-encrypting with key {ring.primary!r} ({len(ring.keys)} key(s) in {ring.source})")

        def progress(table, report):
            if options["verbosity"] > 1:
                self.stdout.write(f"  {table}: {report.rows} rows read, {report.rotated} values re-encrypted")

        report = rotation.rotate(batch_size=options["batch_size"], progress=progress, rebuild_index=options["rebuild"])
        self.stdout.write(
            f"{report.rows} rows read: {report.rotated} values re-encrypted, "
            f"{report.current} already under {ring.primary!r}, "
            f"{report.changed_meanwhile} rows changed meanwhile (run again), "
            f"{len(report.failed)} values that cannot be decrypted; "
            f"name search terms written again for {report.reindexed} move(s)"
        )
        for line in report.failed[:50]:
            self.stderr.write(f"  cannot decrypt {line}")
        self._status(ring)
        if report.failed:
            raise CommandError(
                f"{len(report.failed)} value(s) could not be decrypted with the keys given; "
                "keep the old keys until they are dealt with"
            )

    def _status(self, ring):
        left = 0
        for context, counter in rotation.key_counts().items():
            parts = ", ".join(f"{kid}: {n}" for kid, n in sorted(counter.items())) or "empty"
            self.stdout.write(f"  {context}: {parts}")
            left += sum(n for kid, n in counter.items() if kid not in (ring.primary, "(null)"))
        if left:
            self.stdout.write(f"{left} value(s) are not under {ring.primary!r}: run `hikkoshi keys rotate`.")
        else:
            others = sorted(set(ring.keys) - {ring.primary})
            self.stdout.write(
                f"Every value is under {ring.primary!r}."
                + (f" The other key(s) ({', '.join(others)}) can be removed." if others else "")
            )
