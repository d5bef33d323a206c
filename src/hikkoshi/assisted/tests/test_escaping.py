"""A name such as ``<script>alert(1)</script>`` typed as a customer's (and applicant's) name is
shown as text everywhere — staff lists, search, consent pages, the result page, the admin — and
every PDF is still made, with the name printed as typed."""

from django.test import Client
import pytest

from hikkoshi.accounts.tests.conftest import add_totp, make_user, totp_code
from hikkoshi.documents.tests.pdftools import needs_poppler, squeezed

from .conftest import base_of_consent, move_at, new_move, staff_client, through_wizard

NAME = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
APPLICANT = {"name": NAME, "name_kana": "すくりぷと", "birth_date": "1980-01-01", "phone": "011-111-1111", "email": ""}


def assert_escaped(response, *, shown=True):
    page = response.content.decode()
    assert response.status_code == 200, response.status_code
    assert NAME not in page and "<script>alert" not in page
    if shown:
        assert ESCAPED in page


@pytest.fixture
def hostile(world, sapporo):
    """A call-centre move and an agency move of a customer named like a script, submitted."""
    found = {}
    for area, user in (("callcentre", world.operator), ("agency", world.staff)):
        client = staff_client(world, user)
        consent_url = new_move(client, area, name=NAME, building=NAME)
        consent = {"agreed": "on"} if area == "callcentre" else {"action": "sheet", "signed": "on"}
        # The consent pages, before and after.
        assert_escaped(client.get(consent_url))
        if area == "agency":
            link_page = client.post(consent_url, {"action": "link"})
            assert_escaped(link_page)
        client.post(consent_url, consent)
        base = base_of_consent(consent_url)
        through_wizard(client, base, applicant=APPLICANT, submit=False)
        assert_escaped(client.get(base + "review/"))
        assert client.post(base + "submit/", {"consent": "1"})["Location"] == base
        found[area] = (client, base, move_at(consent_url))
    return found


def test_staff_pages_and_the_result_escape_the_name(world, hostile):
    for area, (client, base, move) in hostile.items():
        assert_escaped(client.get(f"/{area}/"))
        assert_escaped(client.post(f"/{area}/", {"q": NAME}))  # (the whole name: parts find nothing)
        assert_escaped(client.get(base))  # the result page
        assert_escaped(client.get(base + "delete/"), shown=False)
        assert_escaped(client.get(f"/{area}/moves/{move.public_id}/consent/"))
    manager = staff_client(world, world.manager)
    assert_escaped(manager.get("/agency/"))


def test_the_admin_escapes_the_name(world, hostile, django_user_model):
    admin_user = make_user(django_user_model, "admin@example.jp", is_staff=True, is_superuser=True)
    secret = add_totp(admin_user)
    admin = Client()
    admin.force_login(admin_user)
    admin.post("/accounts/2fa/reauthenticate/", {"code": totp_code(secret)})
    assert_escaped(admin.get("/admin/assisted/assistedmove/"))
    from hikkoshi.assisted.models import AssistedMove

    for assisted in AssistedMove.objects.all():
        assert_escaped(admin.get(f"/admin/assisted/assistedmove/{assisted.pk}/change/"))


@needs_poppler
def test_the_pdfs_are_made_and_print_the_name_as_typed(world, hostile):
    client, base, move = hostile["callcentre"]
    for path in ("documents/result.pdf", "documents/copy.pdf", "documents/form-sapporo-move-in.pdf"):
        response = client.get(base + path)
        assert response.status_code == 200 and response.content.startswith(b"%PDF"), path
        assert "<script>alert(1)</script>" in squeezed(response.content), path
    mailing = client.get(f"/callcentre/moves/{move.public_id}/mailing.pdf")
    assert mailing.status_code == 200 and "<script>alert(1)</script>" in squeezed(mailing.content, page=1)

    staff = staff_client(world, world.staff)
    consent_url = new_move(staff, "agency", name=NAME)
    sheet = staff.get(consent_url + "sheet.pdf")
    assert sheet.status_code == 200 and "<script>alert(1)</script>" in squeezed(sheet.content)
