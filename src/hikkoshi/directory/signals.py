"""Renew ``DirectoryRevision`` with every change to the directory (and, connected by the
catalogue app, to the procedure catalogue)."""

from contextlib import contextmanager
import secrets
import threading

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from .models import Contact, DirectoryRevision, Organisation, ServiceArea

_deferred = threading.local()

# The organisation search of the API answered (``api.search_text``): ``municipality_code``,
# ``category`` (or None) and ``own`` (True: a partner portal asked, through /federation/). For
# the usage statistics, which rank above this app; sent after the answer is made, never with
# the postal code asked.
organisations_searched = Signal()


def bump_revision(**_kwargs) -> None:
    """Mark the directory as changed (call after bulk writes, which send no signals)."""
    from .selectors import forget_snapshots

    if getattr(_deferred, "active", False) and _kwargs.get("signal") is not None:
        return  # inside revision_bumps_deferred(): its caller bumps once
    forget_snapshots()
    transaction.on_commit(forget_snapshots)
    stamp = secrets.randbits(62)
    if not DirectoryRevision.objects.filter(pk=1).update(stamp=stamp):
        DirectoryRevision.objects.update_or_create(pk=1, defaults={"stamp": stamp})


@contextmanager
def revision_bumps_deferred():
    """Within the block, saves and deletes of directory rows do not renew the revision each:
    the caller calls ``bump_revision()`` once (a bulk import, instead of once per row)."""
    previous = getattr(_deferred, "active", False)
    _deferred.active = True
    try:
        yield
    finally:
        _deferred.active = previous


def connect() -> None:
    for model in (Organisation, Contact, ServiceArea):
        post_save.connect(bump_revision, sender=model, dispatch_uid=f"bump-{model.__name__}")
        post_delete.connect(bump_revision, sender=model, dispatch_uid=f"bump-del-{model.__name__}")
