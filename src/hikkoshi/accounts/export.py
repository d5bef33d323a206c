"""「私のデータ」: everything the portal keeps about a mover, as one JSON document.

The account (login ID, e-mail addresses, when it was made, which sign-in methods are set up —
never a secret), the API tokens (name, first characters, dates — never the token) and every move
with what the mover typed: addresses, applicant, household members, the fields of each
procedure with its status, and what is still a draft. Read through ``moves.selectors`` (the
access policy, ``moves.access``, area "own") like the pages; the models decrypt the personal
fields as they are read. A staff member's export holds their own moves only — never the moves
they entered for customers, which belong to the call centre or store — and the list of their
memberships (which agency or call centre, role, since when). Then the mover's notifications
(お知らせ: kind, when, subject, mailed, read) and their settings (``notifications.services``).
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.utils import timezone

from hikkoshi.moves.answers import timeline
from hikkoshi.moves.selectors import moves_of
from hikkoshi.notifications.services import export_for

FORMAT = "hikkoshi-account-data/1"


def _when(value):
    return value.isoformat() if value else None


def _procedures(move) -> list[dict]:
    procedures = move.procedures.select_related("version__procedure__organisation").prefetch_related("answers")
    return [
        {
            "id": entry.definition["slug"],
            "version": entry.version.number,
            "name": entry.definition.get("name", ""),
            "organisation": entry.version.procedure.organisation.name,
            "channel": entry.definition.get("channel", ""),
            "status": entry.status,
            "reference": entry.reference,
            "deadline_from": _when(entry.deadline_from),
            "deadline_to": _when(entry.deadline_to),
            "kinds": entry.kinds,
            "fields": entry.values,
            "office": entry.office,
            # 処理状況: sent, and the organisation's answers with their messages.
            "timeline": [
                {
                    "status": e["status"],
                    "at": _when(e["at"]),
                    "message": e["message"],
                    "reference": e.get("reference", ""),
                }
                for e in timeline(entry)
            ],
        }
        for entry in procedures
    ]


def _move(move) -> dict:
    return {
        "id": str(move.public_id),
        "status": move.status,
        "created_at": _when(move.created_at),
        "updated_at": _when(move.updated_at),
        "submitted_at": _when(move.submitted_at),
        "move_date": _when(move.move_date),
        "kinds": move.kinds,
        "old_address": move.old_address,
        "new_address": move.new_address,
        "applicant": move.applicant,
        "members": move.members,
        "household": move.household,
        "procedures": _procedures(move),
        "draft": move.draft,  # what was typed on the pages, also what is not valid yet
    }


def account_data(user) -> dict:
    return {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(),
        "account": {
            "login_id": user.email,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
            ],
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
            "second_factors": sorted(set(Authenticator.objects.filter(user=user).values_list("type", flat=True))),
        },
        "api_tokens": [
            {
                "name": t.name,
                "starts_with": t.prefix,
                "created_at": _when(t.created_at),
                "last_used_at": _when(t.last_used_at),
            }
            for t in user.api_tokens.order_by("created_at")
        ],
        "memberships": _memberships(user),
        "moves": [_move(move) for move in moves_of(user, area="own")],
        "notifications": export_for(user.pk),  # お知らせ and their settings
    }


def _memberships(user) -> list[dict]:
    from hikkoshi.assisted.models import AgencyMember, Operator

    found = [
        {
            "kind": "agency",
            "organisation": m.agency.name,
            "store": m.store.name if m.store else None,
            "role": m.role,
            "active": m.active,
            "since": _when(m.created_at),
        }
        for m in AgencyMember.objects.filter(user=user).select_related("agency", "store")
    ]
    found += [
        {
            "kind": "callcentre",
            "organisation": o.centre.name,
            "store": None,
            "role": "operator",
            "active": o.active,
            "since": _when(o.created_at),
        }
        for o in Operator.objects.filter(user=user).select_related("centre")
    ]
    return found
