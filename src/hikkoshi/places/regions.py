"""Regions (地域): which places a portal serves.

A region is a list of JIS X 0402 prefixes in settings (``HIKKOSHI_REGIONS``): a 2-digit
prefecture code or a 5-digit municipality code, where a designated city's code covers its wards.
"""

from dataclasses import dataclass

from django.conf import settings

from .municipalities import municipality_code


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    areas: tuple[str, ...]

    def contains(self, code: str) -> bool:
        """Whether a municipality (or ward) code lies in this region."""
        if not code:
            return False
        registration = municipality_code(code)
        for area in self.areas:
            if len(area) == 2 and code.startswith(area):
                return True
            if area in (code, registration):
                return True
        return False


def get_region(region_id: str | None = None) -> Region:
    """This portal's region, or another known region by id."""
    region_id = region_id or settings.HIKKOSHI_REGION
    config = settings.HIKKOSHI_REGIONS[region_id]
    return Region(region_id, str(config["name"]), tuple(config["areas"]))
