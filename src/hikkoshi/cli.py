"""The ``hikkoshi`` console script.

``hikkoshi manage …`` is django-admin for this project; every other sub-command
(``demo``, ``serve``, ``directory``, ``bench``, …) is the management command of that name, so
``hikkoshi directory import FILE`` and ``hikkoshi manage directory import FILE`` are the same.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hikkoshi.settings.dev")
    from django.core.management import execute_from_command_line

    if argv and argv[0] == "manage":
        argv = argv[1:]
    if not argv:
        argv = ["help"]
    execute_from_command_line(["hikkoshi", *argv])


if __name__ == "__main__":
    main()
