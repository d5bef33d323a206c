"""The blind index of customers' names (氏名の検索索引): written, searched, erased, rebuilt.

Staff search the moves entered for customers by name (``views._rows``). The names are encrypted
at rest (``AssistedMove.contact``, ``Move.applicant``), so the database cannot compare them, and
decrypting every move a centre may see on each search does not scale. Instead each name is
stored as terms (``NameTerm``): its folded forms (``hikkoshi.japanese.name_terms``: the whole
name and each part, 氏 and 名, of the name and of its reading フリガナ), each as a keyed digest
(``Keyring.blind`` with the purpose ``PURPOSE``: HMAC-SHA256 under a key derived by HKDF from the
data key). A search folds what was typed the same way and looks its digests up under every key
of the keyring (during a rotation, terms under the old key are still found); only the moves
found are read and decrypted.

What finds a move: the whole name, the family name or the given name, in kanji or kana as
stored, however spaced or wide (``山田太郎``, ``山田　太郎``, ``山田``, ``太郎``), with variant
kanji (異体字) or their common form (``髙橋`` and ``高橋``, ``渡邉`` and ``渡辺``); the reading the
same way, in hiragana, katakana or half-width katakana, once the move has one (the reading staff
took with the customer's contact, or the applicant's フリガナ once the move is submitted). A
fragment (``山``, ``田太``) finds nothing: it would need every name decrypted. A name with a
reading is also found half written, half read (``鈴木 いちろう``, ``すずき 一郎``: ``mixed_terms``).
Kanji are never read: a name stored in kana only is not found by kanji.

When the terms are written: the customer's contact when the move is started
(``services.start_assisted_move``), the applicant when the move is submitted or corrected
(``receivers``: ``move_submitted``, ``move_corrected``), each in the transaction that stores
the name. They go with the move (a database cascade) and with its personal data
(``services.assisted_move_erase``), and ``rebuild`` makes them again from the data (``hikkoshi
keys rotate``: the terms under another key than the first; ``--rebuild``: every move). The
terms, like the names, are never logged.
"""

from collections.abc import Callable, Iterable
import logging
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from hikkoshi.encryption import crypto
from hikkoshi.japanese import mixed_terms, name_key, name_terms
from hikkoshi.moves.models import Move

from .models import AssistedMove, NameTerm

logger = logging.getLogger(__name__)

PURPOSE = "assisted.name"
CONTACT, APPLICANT = "contact", "applicant"
REBUILD_BATCH = 200


def contact_names(contact: dict | None) -> list[str]:
    """The names of a customer's contact: its 氏名 and, when staff took it, its reading."""
    contact = contact or {}
    return [str(contact.get("name") or ""), str(contact.get("name_kana") or "")]


def applicant_names(applicant: dict | None) -> list[str]:
    """The applicant's name and reading (フリガナ) of a submitted move."""
    applicant = applicant or {}
    return [str(applicant.get("name") or ""), str(applicant.get("name_kana") or "")]


def blind_terms(names: Iterable[str], ring: crypto.Keyring) -> list[str]:
    """The digests of the terms of ``names`` (a name, then its reading) under the first key of
    ``ring``: each whole and in parts, and the name half written, half read."""
    names = list(names)
    terms = name_terms(*names)
    if len(names) >= 2:
        terms |= mixed_terms(names[0], names[1])
    return sorted({ring.blind(term, PURPOSE) for term in terms})


def index_names(*, move_id: int, source: str, names: Iterable[str]) -> None:
    """Replace the terms of ``source`` (``CONTACT`` or ``APPLICANT``) of a move with those of
    ``names``. Call inside the transaction that stores the names."""
    ring = crypto.keyring()
    with transaction.atomic():
        NameTerm.objects.filter(move_id=move_id, source=source).delete()
        NameTerm.objects.bulk_create(
            [NameTerm(move_id=move_id, source=source, kid=ring.primary, term=term) for term in blind_terms(names, ring)]
        )


def erase_names(*, move_id: int) -> None:
    """Remove every term of a move (with its personal data)."""
    NameTerm.objects.filter(move_id=move_id).delete()


def search_terms(query: str) -> list[str]:
    """The digests a typed name is looked up by: the whole query folded, under every key of
    the keyring. None for a query that folds to nothing."""
    key = name_key(query)
    if not key:
        return []
    ring = crypto.keyring()
    return [ring.blind(key, PURPOSE, kid) for kid in ring.keys]


def moves_named(query: str, among: QuerySet[Move]) -> QuerySet[NameTerm, int]:
    """The ids of the moves of ``among`` one of whose names is ``query`` (see the module
    docstring), highest id (the newest) first; nothing is decrypted. The database reads the
    terms that match through their index, then checks each of their moves against the
    conditions of ``among``: the time grows with how many moves bear the name, not with how
    many moves there are (driven from the moves, as ``pk IN (terms)`` lets SQLite plan it, it
    would walk every visible move)."""
    return (
        NameTerm.objects.filter(term__in=search_terms(query))
        .filter(Exists(among.order_by().filter(pk=OuterRef("move_id"))))
        .order_by("-move_id")
        .values_list("move_id", flat=True)
        .distinct()
    )


# -- rebuilding -----------------------------------------------------------------------------------


def rebuild(*, everything: bool = False, batch_size: int = REBUILD_BATCH, progress: Callable | None = None) -> int:
    """Write the terms again from the data: of the moves with a term under another key than
    the first (after a rotation), or with ``everything`` of every move entered for a customer
    (terms missing or stale). A batch at a time, each in its own short transaction with its
    moves locked (a move erased meanwhile is read as erased). The number of moves indexed."""
    ring = crypto.keyring()
    candidates: QuerySet[Any, int]
    if everything:
        candidates = AssistedMove.objects.order_by("move_id").values_list("move_id", flat=True)
    else:
        candidates = (
            NameTerm.objects.exclude(kid=ring.primary).order_by("move_id").values_list("move_id", flat=True).distinct()
        )
    done = 0
    last = 0
    while True:
        batch = list(candidates.filter(move_id__gt=last)[:batch_size])
        if not batch:
            break
        last = batch[-1]
        try:
            done += _rebuild_batch(batch, ring)
        except crypto.DecryptionError:
            # One value that cannot be decrypted (``keys rotate`` reports it): the others of
            # the batch one by one; that move keeps its terms.
            for move_id in batch:
                try:
                    done += _rebuild_batch([move_id], ring)
                except crypto.DecryptionError:
                    logger.warning(
                        "the name search terms of move #%d not rebuilt: a value cannot be decrypted", move_id
                    )
        if progress:
            progress(done)
    return done


def _rebuild_batch(move_ids: list[int], ring: crypto.Keyring) -> int:
    with transaction.atomic():
        # The moves first (the erasure locks a move, then changes its contact): no deadlock.
        # Instances, not values_list(): a value is opened with its row's key (encryption.fields).
        applicants = {
            m.pk: m.applicant
            for m in Move.objects.select_for_update()
            .filter(pk__in=move_ids)
            .order_by("pk")
            .only("pk", "public_id", "applicant")
        }
        contacts = {
            a.move_id: a.contact for a in AssistedMove.objects.filter(move_id__in=applicants).only("move_id", "contact")
        }
        NameTerm.objects.filter(move_id__in=applicants).delete()
        rows = []
        for move_id, applicant in applicants.items():
            if move_id not in contacts:
                continue  # a mover's own move: never indexed
            for source, names in ((CONTACT, contact_names(contacts[move_id])), (APPLICANT, applicant_names(applicant))):
                rows += [
                    NameTerm(move_id=move_id, source=source, kid=ring.primary, term=term)
                    for term in blind_terms(names, ring)
                ]
        NameTerm.objects.bulk_create(rows, batch_size=1000)
    return len(contacts)


def term_counts() -> dict[str, int]:
    """How many terms each data key made (``hikkoshi keys status``)."""
    from django.db.models import Count

    return dict(NameTerm.objects.order_by().values_list("kid").annotate(n=Count("id")).values_list("kid", "n"))
