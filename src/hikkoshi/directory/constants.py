from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """What an organisation does for a mover (the provider search filters by it)."""

    CITY_OFFICE = "city_office", _("City hall")
    WARD_OFFICE = "ward_office", _("Ward office")
    ELECTRICITY = "electricity", _("Electricity")
    GAS = "gas", _("City gas")
    WATER = "water", _("Water")
    NEWSPAPER = "newspaper", _("Newspaper")
    TELEPHONE = "telephone", _("Telephone")
    POST = "post", _("Post")
    OTHER = "other", _("Other")


OFFICE_CATEGORIES = (Category.CITY_OFFICE, Category.WARD_OFFICE)


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    FAX = "fax", _("Fax")
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web")


class Verification(models.TextChoices):
    """How far a piece of data has been checked; anything but VERIFIED is shown as sample data."""

    VERIFIED = "verified", _("Verified from the organisation's own public source")
    THIRD_PARTY = "third_party", _("From a third-party source, not yet verified")
    SAMPLE = "sample", _("Sample data")


LOCAL_PORTAL = "local"
