"""An estate agency's pages: a move for a customer with their consent (signed sheet or their own
phone), the wizard, the result; the store's and the agency's lists; staff; monthly counts."""

import re

from django.core import mail
from django.test import Client

from hikkoshi.assisted.models import AgencyMember, AssistedMove, BillingCount
from hikkoshi.audit.models import AuditEvent
from hikkoshi.documents.tests.pdftools import needs_poppler, squeezed
from hikkoshi.moves.models import Move

from .conftest import CUSTOMER, base_of_consent, move_at, new_move, staff_client, through_wizard


def text(response) -> str:
    return response.content.decode()


def test_a_move_for_a_customer_with_the_signed_sheet(world, sapporo):
    client = staff_client(world, world.staff, HTTP_ACCEPT_LANGUAGE="en")
    assert client.get("/agency/").status_code == 200
    consent_url = new_move(client, "agency")
    move = move_at(consent_url)
    assisted = move.assisted
    assert move.owner == world.staff and move.status == "draft"
    assert assisted.kind == "agency" and assisted.store == world.store and assisted.agency == world.agency
    assert assisted.entered_by == world.staff and assisted.contact["name"] == CUSTOMER["name"]
    assert assisted.contact["address"] == "北海道札幌市中央区大通西3丁目"
    base = base_of_consent(consent_url)

    # Nothing is typed before the customer agrees: the wizard sends back to the consent page.
    assert client.get(base + "places/")["Location"] == consent_url
    assert client.post(base + "submit/", {"consent": "1"})["Location"] == consent_url
    page = text(client.get(consent_url))
    assert "agency-consent/" in page and "テスト不動産" in page  # the versioned text, with the agency
    sheet = client.get(consent_url + "sheet.pdf")
    assert sheet.status_code == 200 and sheet["Content-Type"] == "application/pdf"
    # Ticking nothing records nothing: the error is at the box.
    response = client.post(consent_url, {"action": "sheet"})
    assert response.status_code == 400 and 'id="id_signed_error"' in text(response)
    assert not AssistedMove.objects.get(pk=assisted.pk).consent_recorded
    response = client.post(consent_url, {"action": "sheet", "signed": "on"})
    assert response["Location"] == base + "places/"
    assisted.refresh_from_db()
    assert assisted.consent_method == "sheet" and assisted.consent_recorded_by == world.staff
    assert assisted.consent_version.startswith("agency-consent/") and assisted.consent_at

    # The wizard, for the customer: their name and phone are offered, no e-mail is asked for.
    # (The header says who is signed in: the staff member's own address, not a form's value.)
    page = text(client.get(base + "people/")).split("<main", 1)[1]
    assert 'value="小樽 三郎"' in page and "mover@example.jp" not in page and world.staff.email not in page
    through_wizard(client, base)
    move.refresh_from_db()
    assert move.status == "submitted" and move.consent_by == world.staff
    page = text(client.get(base))
    assert "Application result" in page and "小樽 三郎" in page and "Signed consent sheet" in page
    assert f'href="{base}documents/result.pdf"' in page  # the documents stay under /agency/

    # Counted for billing, once.
    count = BillingCount.objects.get()
    assert (count.agency, count.store, count.count) == (world.agency, world.store, 1)
    actions = set(AuditEvent.objects.filter(move=move.public_id).values_list("action", "role"))
    assert {
        ("create", "agency"),
        ("consent", "agency"),
        ("submit", "agency"),
        ("view", "agency"),
        ("print", "agency"),
    } <= actions


def test_a_customer_agrees_on_their_own_phone(world, sapporo):
    client = staff_client(world, world.staff, HTTP_ACCEPT_LANGUAGE="en")
    consent_url = new_move(client, "agency")
    response = client.post(consent_url, {"action": "link"})
    page = text(response)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    link = re.search(r'id="consent-link"[^>]*value="([^"]+)"', page).group(1)
    assert 'src="data:image/svg+xml' in page  # the QR code
    token = link.split("?t=", 1)[1]
    assisted = move_at(consent_url).assisted
    assert assisted.phone_token_digest and token not in assisted.phone_token_digest  # only the digest

    phone = Client(HTTP_ACCEPT_LANGUAGE="en")  # the customer's own phone: nobody signed in
    page = text(phone.get(f"/consent/?t={token}"))
    assert "テスト不動産" in page and "札幌駅前店" in page and "Which data goes where" in page
    assert CUSTOMER["name"] not in page and CUSTOMER["phone"] not in page  # no personal data
    response = phone.post("/consent/", {"t": token})
    assert response.status_code == 400 and 'id="id_agreed_error"' in text(response)
    response = phone.post("/consent/", {"t": token, "agreed": "on"})
    assert response.status_code == 200 and "Thank you" in text(response)
    assisted.refresh_from_db()
    assert assisted.consent_method == "phone" and assisted.phone_confirmed_at and assisted.consent_recorded_by is None
    assert assisted.phone_token_digest == ""
    # The link works once.
    assert phone.get(f"/consent/?t={token}").status_code == 404
    assert phone.post("/consent/", {"t": token, "agreed": "on"}).status_code == 404
    assert phone.get("/consent/?t=made-up").status_code == 404
    # The staff member's page now says so, and the wizard opens.
    assert "On the customer&#x27;s own phone" in text(client.get(consent_url)) or "On the customer's own phone" in text(
        client.get(consent_url)
    )
    assert client.get(base_of_consent(consent_url) + "places/").status_code == 200


def test_an_expired_or_replaced_phone_link_does_not_work(world, sapporo):
    from datetime import timedelta

    from django.utils import timezone

    client = staff_client(world, world.staff)
    consent_url = new_move(client, "agency")
    first = re.search(r'value="([^"]+\?t=[^"]+)"', text(client.post(consent_url, {"action": "link"}))).group(1)
    second = re.search(r'value="([^"]+\?t=[^"]+)"', text(client.post(consent_url, {"action": "link"}))).group(1)
    phone = Client()
    assert phone.get("/consent/?t=" + first.split("?t=")[1]).status_code == 404  # replaced
    assert phone.get("/consent/?t=" + second.split("?t=")[1]).status_code == 200
    AssistedMove.objects.update(phone_token_expires_at=timezone.now() - timedelta(seconds=1))
    assert phone.get("/consent/?t=" + second.split("?t=")[1]).status_code == 404


def test_staff_see_their_store_and_managers_the_agency(world, sapporo):
    staff, other = staff_client(world, world.staff), staff_client(world, world.other_store_staff)
    mine = move_at(new_move(staff, "agency", name="駅前 花子"))
    theirs = move_at(new_move(other, "agency", name="大通 次郎"))
    page = text(staff.get("/agency/"))
    assert "駅前 花子" in page and "大通 次郎" not in page
    page = text(other.get("/agency/"))
    assert "大通 次郎" in page and "駅前 花子" not in page
    manager = staff_client(world, world.manager)
    page = text(manager.get("/agency/"))
    assert "駅前 花子" in page and "大通 次郎" in page
    # A manager chooses the store; staff have theirs only.
    assert text(manager.get("/agency/moves/new/")).count('<option value="s') == 2
    assert text(staff.get("/agency/moves/new/")).count('<option value="s') == 1
    response = staff.post("/agency/moves/new/", {"contact-where": f"s{world.other_store.pk}", "contact-name": "x"})
    assert response.status_code == 400 and Move.objects.count() == 2
    # Search: within what one may see only.
    assert "駅前 花子" in text(manager.post("/agency/", {"q": "駅前"}))
    assert "大通 次郎" not in text(manager.post("/agency/", {"q": "駅前"}))
    assert "大通 次郎" not in text(staff.post("/agency/", {"q": "大通"}))
    # The staff member's own "my moves" as a private person does not list it.
    assert str(mine.public_id) not in text(staff.get("/moves/"))
    assert staff.get(f"/moves/{mine.public_id}/").status_code == 404
    assert staff.get(f"/agency/moves/{theirs.public_id}/consent/").status_code == 404


def test_a_manager_adds_and_removes_staff(world, sapporo):
    manager = staff_client(world, world.manager, HTTP_ACCEPT_LANGUAGE="en")
    page = text(manager.get("/agency/staff/"))
    assert world.staff.email in page and world.other_agency_staff.email not in page
    # A new person: an account without a password, and allauth's password-reset mail.
    response = manager.post(
        "/agency/staff/add/",
        {"email": "New.Staff@agency.example.jp", "role": "staff", "store": str(world.other_store.pk)},
    )
    assert response.status_code == 302
    member = AgencyMember.objects.get(user__email__iexact="new.staff@agency.example.jp")
    assert member.agency == world.agency and member.store == world.other_store and member.active
    assert not member.user.has_usable_password()
    reset = mail.outbox[-1]
    assert reset.to == ["new.staff@agency.example.jp"] and "/accounts/password/reset/key/" in reset.body
    # Setting the password through the mail's link proves the address.
    path = re.search(r"https?://[^/\s]+(/\S+)", reset.body).group(1)
    fresh = Client()
    form_url = fresh.get(path)["Location"]
    response = fresh.post(form_url, {"password1": "sapporo-eki-mae-1", "password2": "sapporo-eki-mae-1"})
    assert response.status_code == 302
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(user=member.user).verified
    # Staff without an agency's store are refused; a store of another agency is not offered.
    response = manager.post("/agency/staff/add/", {"email": "x@agency.example.jp", "role": "staff", "store": ""})
    assert response.status_code == 400 and 'id="id_store_error"' in text(response)
    response = manager.post(
        "/agency/staff/add/",
        {"email": "x@agency.example.jp", "role": "staff", "store": str(world.other_agency_store.pk)},
    )
    assert response.status_code == 400
    # An existing account is not made staff here (test_members.py); a member moves to another store.
    sent = len(mail.outbox)
    response = manager.post(
        "/agency/staff/add/", {"email": world.mover.email, "role": "staff", "store": str(world.store.pk)}
    )
    assert response.status_code == 400 and 'id="id_email_error"' in text(response)
    assert not AgencyMember.objects.filter(user=world.mover).exists() and len(mail.outbox) == sent
    response = manager.post(
        "/agency/staff/add/", {"email": world.other_store_staff.email, "role": "staff", "store": str(world.store.pk)}
    )
    assert response.status_code == 302
    assert AgencyMember.objects.get(user=world.other_store_staff).store == world.store

    # Removing: the membership stays, inactive; the person no longer sees the agency's moves.
    staff = staff_client(world, world.staff)
    move_at(new_move(staff, "agency"))
    victim = AgencyMember.objects.get(user=world.staff)
    assert manager.get(f"/agency/staff/{victim.pk}/remove/").status_code == 200
    assert manager.post(f"/agency/staff/{victim.pk}/remove/").status_code == 302
    victim.refresh_from_db()
    assert not victim.active and victim.removed_at
    assert staff.get("/agency/").status_code == 403
    # Not another agency's member, not oneself.
    theirs = AgencyMember.objects.get(user=world.other_agency_staff)
    assert manager.post(f"/agency/staff/{theirs.pk}/remove/").status_code == 404
    assert AgencyMember.objects.get(pk=theirs.pk).active
    mine = AgencyMember.objects.get(user=world.manager)
    manager.post(f"/agency/staff/{mine.pk}/remove/")
    assert AgencyMember.objects.get(pk=mine.pk).active
    # Staff are not managers.
    other = staff_client(world, world.other_store_staff)
    assert other.get("/agency/staff/").status_code == 403
    assert other.post("/agency/staff/add/", {"email": "y@example.jp", "role": "manager"}).status_code == 403
    assert other.get("/agency/counts/").status_code == 403


def test_monthly_counts_survive_erasure_and_deletion(world, sapporo):
    from datetime import timedelta

    from django.utils import timezone

    from hikkoshi.privacy.services import erase_expired

    staff = staff_client(world, world.staff)
    for name in ("一 太郎", "二 次郎"):
        consent_url = new_move(staff, "agency", name=name)
        staff.post(consent_url, {"action": "sheet", "signed": "on"})
        through_wizard(staff, base_of_consent(consent_url))
    count = BillingCount.objects.get()
    assert count.count == 2
    manager = staff_client(world, world.manager)
    page = text(manager.get("/agency/counts/"))
    assert count.month in page and "札幌駅前店" in page
    csv = manager.get("/agency/counts.csv")
    assert csv.status_code == 200 and f"{count.month},テスト不動産,札幌駅前店,2" in csv.content.decode("utf-8-sig")

    # Erasure empties the customer's contact with the rest; the count stays.
    moves = list(Move.objects.all())
    for move in moves:
        move.procedures.update(status="delivered")
        from hikkoshi.delivery.models import Delivery

        Delivery.objects.filter(entry__move=move).update(status="delivered", delivered_at=timezone.now())
    assert erase_expired(now=timezone.now() + timedelta(days=400)) == 2
    assert all(a.contact == {} for a in AssistedMove.objects.all())
    assert "一 太郎" not in text(staff.get("/agency/"))
    Move.objects.all().delete()
    assert BillingCount.objects.get().count == 2


@needs_poppler
def test_the_consent_sheet_says_what_goes_where(world, sapporo):
    staff = staff_client(world, world.staff)
    consent_url = new_move(staff, "agency")
    pdf = staff.get(consent_url + "sheet.pdf").content
    words = squeezed(pdf)
    for expected in (
        "代行申請についての同意書",
        "テスト不動産",
        "札幌駅前店",
        "小樽三郎",
        "北海道電力",
        "北海道新聞",
        "署名",
        "agency-consent/",
        "生年月日",
        "送信しません",
    ):
        assert expected in words, expected


def test_staff_pages_need_the_second_factor_used_in_this_session(world, sapporo):
    client = staff_client(world, world.staff)
    base = base_of_consent(new_move(client, "agency"))
    without = Client()
    without.force_login(world.staff)  # a session where the code was not given
    for path in ("/agency/", "/agency/moves/new/", base + "consent/", base + "places/", base):
        response = without.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/reauthenticate/"), path
    # Without any second factor set up: sent to set one up.
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=world.operator).delete()
    operator = Client()
    operator.force_login(world.operator)
    assert operator.get("/callcentre/")["Location"] == "/accounts/2fa/"


@needs_poppler
def test_the_consent_sheet_and_the_phone_page_follow_each_procedures_declared_data(world, sapporo):
    staff = staff_client(world, world.staff)
    consent_url = new_move(staff, "agency")
    words = squeezed(staff.get(consent_url + "sheet.pdf").content)
    # The newspaper's row: its own items, no date of birth, no household members.
    # (text comes out column by column: the newspaper's data is what its FAX cell says before its own field)
    row = re.search(r"FAX([^＋]*)＋配達開始希望日", words).group(1)
    assert "申請者の氏名・フリガナ" in row and "新住所" in row
    assert "生年月日" not in row and "一緒に引っ越す人" not in row
    assert "共通の情報" not in words  # no longer one set for every organisation

    link = re.search(r'id="consent-link"[^>]*value="([^"]+)"', text(staff.post(consent_url, {"action": "link"})))
    page = text(Client(HTTP_ACCEPT_LANGUAGE="en").get("/consent/?t=" + link.group(1).split("?t=", 1)[1]))
    newspaper = page[page.index("Hokkaido Shimbun subscription") : page.index("City gas: stop")]
    assert "name and its kana" in newspaper and "The new address" in newspaper
    assert "date of birth" not in newspaper and "household members" not in newspaper
