"""gunicorn's access log without personal data.

Query strings are never logged (the log format uses the path only), and path segments that may
identify a person's place — the postal code in ``/api/v1/postcodes/{postcode}`` — are masked.
"""

import re

from gunicorn.glogging import Logger

_PERSONAL_SEGMENTS = re.compile(r"(/api/v1/postcodes/)[^/?]+")


def redact_path(path: str) -> str:
    return _PERSONAL_SEGMENTS.sub(r"\1*", path or "")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = redact_path(atoms.get("U", ""))
        return atoms
