from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldType(models.TextChoices):
    """The kinds of field a procedure's schema may ask for."""

    TEXT = "text", _("Text")
    TEXTAREA = "textarea", _("Text (several lines)")
    KANA = "kana", _("Kana (katakana)")
    DATE = "date", _("Date")
    POSTCODE = "postcode", _("Postal code")
    PHONE = "phone", _("Phone number")
    EMAIL = "email", _("E-mail address")
    CHOICE = "choice", _("Choice")
    NUMBER = "number", _("Number")
    ACCOUNT = "account", _("Customer or contract number")
    BOOLEAN = "boolean", _("Yes / no")


class Channel(models.TextChoices):
    """How an application reaches its organisation (申請ラッピング)."""

    WEB = "web", _("Web (system integration)")
    EMAIL = "email", _("E-mail")
    FAX = "fax", _("Fax")
    WINDOW = "window", _("At the counter (printed form)")


class Condition(models.TextChoices):
    """When a procedure applies beyond its move kinds.

    Whether the procedure's organisation serves the address is always checked (from the
    directory's service areas): a home outside a city-gas area gets no city-gas procedure.
    """

    OPT_IN = "opt_in", _("Only if the mover asks for it")
    DESTINATION_IN_REGION = "destination_in_region", _("Only where the new address is in this portal's region")


class Office(models.TextChoices):
    """For a window procedure: which office the form goes to."""

    NEW_ADDRESS = "new_address", _("The ward or city office of the new address")
    OLD_ADDRESS = "old_address", _("The ward or city office of the old address")
    ORGANISATION = "organisation", _("The procedure's organisation itself")


class OfficialForm(models.TextChoices):
    """Official paper forms the documents app can fill in."""

    NONE = "", _("None")
    JUMINIDO = "juminido", _("Resident registration notification (住民異動届)")
