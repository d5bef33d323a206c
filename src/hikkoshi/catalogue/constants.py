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


class Channel:
    """The names of the shipped channels (申請ラッピング), for code that must name one.

    A channel is a plugin: its label, its settings, whether it sends anything are declared by
    the channel itself (``hikkoshi.channels``, installed by ``settings.HIKKOSHI_CHANNELS``). Ask
    ``hikkoshi.channels.in_person(name)`` rather than comparing a name with ``WINDOW``.
    """

    WEB = "web"
    EMAIL = "email"
    FAX = "fax"
    WINDOW = "window"


class Condition(models.TextChoices):
    """When a procedure applies beyond its move kinds.

    Whether the procedure's organisation serves the address is always checked (from the
    directory's service areas): a home outside a city-gas area gets no city-gas procedure.
    """

    # Not pre-selected: offered, and "apply here" only when the mover picks it. A procedure
    # without it is pre-selected where it applies (it usually does).
    OPT_IN = "opt_in", _("Only if the mover asks for it")
    DESTINATION_IN_REGION = "destination_in_region", _("Only where the new address is in this portal's region")


class End(models.TextChoices):
    """Which end of the move a procedure concerns: stopping at the old address (使用中止・閉栓)
    and starting at the new one (使用開始・開栓) are separate procedures, each applying only
    where its organisation serves that end. Blank: by its kinds of move (転出 the old address,
    転入 the new one, 転居 either)."""

    BOTH = "", _("By the kind of move")
    OLD = "old", _("The old address (stopping there)")
    NEW = "new", _("The new address (starting there)")


class CommonItem(models.TextChoices):
    """The common data of a move an organisation may receive with a procedure (共通項目).

    Each procedure declares which of these it needs (``Procedure.shares``): only those go into
    the web payload, the e-mail and the 申込書, and the review page shows exactly them.
    """

    APPLICANT_NAME = "applicant_name", _("The applicant's name and its kana")
    APPLICANT_BIRTH_DATE = "applicant_birth_date", _("The applicant's date of birth")
    APPLICANT_PHONE = "applicant_phone", _("The applicant's phone number")
    APPLICANT_EMAIL = "applicant_email", _("The applicant's e-mail address")
    # The household: the 世帯主 at the new address, every mover's 続柄 to them and 性別 (given or not).
    MEMBERS = (
        "members",
        _(
            "The household: the head of household (世帯主) at the new address, and the "
            "people moving with you (name, kana, date of birth, relationship to the head, sex)"
        ),
    )
    OLD_ADDRESS = "old_address", _("The old address (with building and room)")
    NEW_ADDRESS = "new_address", _("The new address (with building and room)")
    MOVE_DATE = "move_date", _("The moving day")
    # 外国人住民: what the 住民異動届 asks of a foreign resident (``moves.foreign``). Never given
    # by default: an organisation receives it only when its procedure lists it.
    FOREIGN_RESIDENT = (
        "foreign_resident",
        _(
            "For foreign residents (外国人住民): nationality or region, residence card number, status "
            "and period of residence, category"
        ),
    )


class ProcedureChoice(models.TextChoices):
    """The mover's choice for one procedure (手続きごとの選択), kept on the move for statistics."""

    APPLY = "apply", _("Apply here")
    ARRANGED = "arranged", _("Already arranged")
    OTHER_COMPANY = "other_company", _("With another company")
    NOT_NEEDED = "not_needed", _("Not needed")
    # Chosen "apply here", but the mover did not agree to its organisation receiving the data
    # (per-organisation consent on the review page): not sent. Never chosen directly.
    WITHHELD = "withheld", _("Not sent: no agreement to share the data")


class Office(models.TextChoices):
    """For a window procedure: which office the form goes to."""

    NEW_ADDRESS = "new_address", _("The ward or city office of the new address")
    OLD_ADDRESS = "old_address", _("The ward or city office of the old address")
    ORGANISATION = "organisation", _("The procedure's organisation itself")


class OfficialForm(models.TextChoices):
    """Official paper forms the documents app can fill in. The values are stored (procedures,
    shipped catalogues, the forms' QR codes): ``"juminido"`` is 住民異動届."""

    NONE = "", _("None")
    RESIDENCE_CHANGE = "juminido", _("Resident registration notification (住民異動届)")


# 転出届 online (引越しワンストップサービス): since 6 February 2023 every municipality takes a
# 転出届 through マイナポータル with a マイナンバーカード. The Digital Agency's page on it (its
# questions and answers), as found and read; the マイナポータル page itself was not verified.
MYNAPORTAL_MOVE_OUT_URL = "https://www.digital.go.jp/policies/moving_onestop_service/faq-01/"
