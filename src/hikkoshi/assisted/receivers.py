"""What this app does as moves happen (``hikkoshi.moves.signals``): the monthly counts of
agencies follow submissions, and the name search terms (``names``) follow the applicant of a
move entered for a customer as it is submitted or corrected — in the transaction that stores it."""

from django.dispatch import receiver

from hikkoshi.moves.signals import move_corrected, move_submitted

from . import names
from .models import AssistedMove
from .services import count_submission


@receiver(move_submitted, dispatch_uid="hikkoshi.assisted.count_submission")
def _count_submission(sender, move, **kwargs):
    count_submission(move)


@receiver(move_submitted, dispatch_uid="hikkoshi.assisted.index_submitted")
@receiver(move_corrected, dispatch_uid="hikkoshi.assisted.index_corrected")
def _index_applicant(sender, move, **kwargs):
    if AssistedMove.objects.filter(move_id=move.pk).exists():  # a mover's own move is not indexed
        names.index_names(move_id=move.pk, source=names.APPLICANT, names=names.applicant_names(move.applicant))
