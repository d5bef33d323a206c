from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """The documents a move produces (PDF forms, 申請結果, 申請控え, iCalendar); no models."""

    name = "hikkoshi.documents"
    verbose_name = _("Documents")
