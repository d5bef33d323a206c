"""Regions (地域): which places a portal serves.

A region is a list of JIS X 0402 prefixes in settings (``HIKKOSHI_REGIONS``): a 2-digit
prefecture code or a 5-digit municipality code, where a designated city's code covers its wards.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .municipalities import municipality_code


@dataclass(frozen=True)
class Region:
    id: str
    name: str  # may be a lazy translation
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


_regions: dict[str, Region] = {}


def get_region(region_id: str | None = None) -> Region:
    """This portal's region, or another known region by id."""
    region_id = region_id or settings.HIKKOSHI_REGION
    region = _regions.get(region_id)
    if region is None:
        config: dict = settings.HIKKOSHI_REGIONS[region_id]
        region = _regions[region_id] = Region(region_id, config["name"], tuple(config["areas"]))
    return region


@receiver(setting_changed)
def _forget_regions(setting, **_kwargs):
    if setting in ("HIKKOSHI_REGION", "HIKKOSHI_REGIONS"):
        _regions.clear()
