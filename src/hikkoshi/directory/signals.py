"""Renew ``DirectoryRevision`` with every change to the directory."""

import secrets

from django.db import transaction

from django.db.models.signals import post_delete, post_save

from .models import Contact, DirectoryRevision, Organisation, ServiceArea


def bump_revision(**_kwargs) -> None:
    """Mark the directory as changed (call after bulk writes, which send no signals)."""
    from .selectors import forget_snapshots

    forget_snapshots()
    transaction.on_commit(forget_snapshots)
    stamp = secrets.randbits(62)
    if not DirectoryRevision.objects.filter(pk=1).update(stamp=stamp):
        DirectoryRevision.objects.update_or_create(pk=1, defaults={"stamp": stamp})


def connect() -> None:
    for model in (Organisation, Contact, ServiceArea):
        post_save.connect(bump_revision, sender=model, dispatch_uid=f"bump-{model.__name__}")
        post_delete.connect(bump_revision, sender=model, dispatch_uid=f"bump-del-{model.__name__}")
