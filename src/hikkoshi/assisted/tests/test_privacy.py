"""The customer's contact is personal data: encrypted at rest, re-encrypted by ``hikkoshi keys
rotate``, erased with the move's other personal data; the monthly counts stay."""

from io import StringIO

from django.core.management import call_command
from django.db import connection

from hikkoshi.assisted.models import AssistedMove
from hikkoshi.encryption import crypto
from hikkoshi.privacy.tests.conftest import KEY_A, KEY_B, findings, keys, scan_tables  # noqa: F401

from .conftest import CUSTOMER, move_at, new_move, staff_client

MARKERS = ["三郎", "ハイツ大通", "222-3333"]  # (小樽 is a city in the directory)


def raw_contact() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact FROM assisted_assistedmove")
        return [value for (value,) in cursor.fetchall()]


def test_the_contact_is_encrypted_and_rotated(keys, world, sapporo):
    client = staff_client(world, world.operator)
    move = move_at(new_move(client, "callcentre"))
    [token] = raw_contact()
    assert token.startswith("hk2:a:") and not findings(token, MARKERS)
    assert not list(scan_tables(MARKERS))  # in clear nowhere
    keys.HIKKOSHI_DATA_KEYS = f"{KEY_B},{KEY_A}"
    crypto.reset()
    call_command("keys", "rotate", stdout=StringIO(), stderr=StringIO())
    [token] = raw_contact()
    assert token.startswith("hk2:b:")
    assert AssistedMove.objects.get(move=move).contact["name"] == CUSTOMER["name"]


def test_the_admin_list_of_assisted_moves_is_audited(world, sapporo, django_user_model):
    """Issue 13 (Low): the list shows the customers' names, so each move shown is recorded."""
    from django.test import Client

    from hikkoshi.accounts.tests.conftest import add_totp, make_user, totp_code
    from hikkoshi.audit.models import AuditEvent

    client = staff_client(world, world.operator)
    move = move_at(new_move(client, "callcentre"))
    admin_user = make_user(django_user_model, "admin@example.jp", is_staff=True, is_superuser=True)
    secret = add_totp(admin_user)
    admin = Client()
    admin.force_login(admin_user)
    admin.post("/accounts/2fa/reauthenticate/", {"code": totp_code(secret)})
    response = admin.get("/admin/assisted/assistedmove/")
    assert response.status_code == 200 and CUSTOMER["name"] in response.content.decode()
    events = AuditEvent.objects.filter(actor_id=admin_user.pk, action="view", move=move.public_id)
    assert [(e.target, e.via) for e in events] == [("admin list", "admin")]


def test_the_erase_service_empties_the_contact_and_keeps_the_consent_record(world, sapporo):
    from hikkoshi.assisted.services import assisted_move_erase

    client = staff_client(world, world.operator)
    move = move_at(new_move(client, "callcentre"))
    assisted = AssistedMove.objects.get(move=move)
    assert assisted.consent_recorded and assisted.consent_recorded_by == world.operator  # with the move
    assisted_move_erase(move_id=move.pk)
    assisted.refresh_from_db()
    assert assisted.contact == {} and assisted.consent_recorded and assisted.consent_method == "script"
    assert assisted.centre_id is not None
