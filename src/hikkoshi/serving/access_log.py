"""gunicorn's access log without personal data.

Query strings are never logged (the log format uses the path only), and path segments that may
identify a person's place — the postal code in ``/api/v1/postcodes/{postcode}`` — are masked.
"""

from datetime import timedelta
import re
from typing import Any

from gunicorn.glogging import Logger

_PERSONAL_SEGMENTS = re.compile(r"(/api/v1/postcodes/)[^/?]+")


def redact_path(path: str) -> str:
    return _PERSONAL_SEGMENTS.sub(r"\1*", path or "")


# gunicorn ships no types (pyproject's mypy overrides make it Any), so its classes are Any to
# mypy and subclassing them is what the strict disallow_subclassing_any flags: deliberate here,
# the class exists to extend gunicorn's.
class RedactingLogger(Logger):  # type: ignore[misc]
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        atoms["U"] = redact_path(atoms.get("U", ""))
        return atoms
