from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "hikkoshi.catalogue"
    verbose_name = _("Procedure catalogue")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from hikkoshi.directory.signals import bump_revision

        from .models import Procedure, ProcedureVersion

        # The catalogue's index by area (``selectors.catalogue_index``) is built per revision of
        # the directory's stamp: every change of a procedure or a new version renews it.
        for model in (Procedure, ProcedureVersion):
            post_save.connect(bump_revision, sender=model, dispatch_uid=f"bump-{model.__name__}")
            post_delete.connect(bump_revision, sender=model, dispatch_uid=f"bump-del-{model.__name__}")
