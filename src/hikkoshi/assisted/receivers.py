"""The monthly counts of agencies follow submissions (``moves.signals.move_submitted``)."""

from django.dispatch import receiver

from hikkoshi.moves.signals import move_submitted

from .services import count_submission


@receiver(move_submitted, dispatch_uid="hikkoshi.assisted.count_submission")
def _count_submission(sender, move, **kwargs):
    count_submission(move)
