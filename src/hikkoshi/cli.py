"""The ``hikkoshi`` console script.

``hikkoshi manage …`` is django-admin for this project; every other sub-command
(``demo``, ``serve``, ``directory``, ``bench``, …) is the management command of that name, so
``hikkoshi directory import FILE`` and ``hikkoshi manage directory import FILE`` are the same.

``hikkoshi receiver …`` is another program that shares this script: an organisation's receiver
of the web channel, with its own settings (``hikkoshi.settings.receiver``, or the module named by
``HIKKOSHI_RECEIVER_SETTINGS_MODULE``), whatever ``DJANGO_SETTINGS_MODULE`` says for the portal.
Its ``--data-dir`` is read here, before Django starts, because its database lives there.
"""

import os
from pathlib import Path
import sys

RECEIVER_SETTINGS = "hikkoshi.settings.receiver"


def _option(argv: list[str], name: str) -> str | None:
    """The value of ``--name VALUE`` or ``--name=VALUE`` (the last one given)."""
    value = None
    for n, arg in enumerate(argv):
        if arg == name and n + 1 < len(argv):
            value = argv[n + 1]
        elif arg.startswith(name + "="):
            value = arg[len(name) + 1 :]
    return value


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        argv = argv[1:]
    if argv and argv[0] == "receiver":
        os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get("HIKKOSHI_RECEIVER_SETTINGS_MODULE", RECEIVER_SETTINGS)
        data_dir = _option(argv, "--data-dir")
        if data_dir:
            os.environ["HIKKOSHI_RECEIVER_DATA_DIR"] = str(Path(data_dir).resolve())
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hikkoshi.settings.dev")
    from django.core.management import execute_from_command_line

    if not argv:
        argv = ["help"]
    execute_from_command_line(["hikkoshi", *argv])


if __name__ == "__main__":
    main()
