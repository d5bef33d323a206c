"""An agency's members as its managers change them: only an address without an account (a new
account) or an active member of the agency (another role or store); never an unverified address,
never someone else's account, never a removed member taken back, never oneself demoted, never
the agency left without a manager — also when two managers act at the same time."""

import threading

from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection, connections, transaction
import pytest

from hikkoshi.assisted import services
from hikkoshi.assisted.models import AgencyMember

from .conftest import make_user, staff_client

ACCOUNT_EXISTS = "This address already has an account at hikkoshi."


def text(response) -> str:
    return response.content.decode()


def add(client, email, role="staff", store=None):
    return client.post("/agency/staff/add/", {"email": email, "role": role, "store": str(store.pk) if store else ""})


def field_error(response, field: str) -> str:
    page = text(response)
    start = page.find(f'id="id_{field}_error"')
    assert start != -1, page[:3000]
    return page[start : page.find("</p>", start)]


@pytest.fixture
def manager(world):
    return staff_client(world, world.manager, HTTP_ACCEPT_LANGUAGE="en")


# -- 1. an unverified address is never matched ----------------------------------------------------


def test_an_unverified_address_on_someones_account_is_not_theirs(world, manager, django_user_model):
    """Someone types a colleague's future work address into their own account (it waits there,
    unverified); the manager adding that address must not make them staff."""
    EmailAddress.objects.create(
        user=world.mover, email="new.colleague@agency.example.jp", verified=False, primary=False
    )
    response = add(manager, "new.colleague@agency.example.jp", store=world.store)
    assert response.status_code == 400 and ACCOUNT_EXISTS in field_error(response, "email")
    assert not AgencyMember.objects.filter(user=world.mover).exists()
    assert not django_user_model.objects.filter(email__iexact="new.colleague@agency.example.jp").exists()


def test_an_unverified_address_of_a_member_does_not_change_their_role(world, manager):
    """Staff of the agency with a colleague's future address waiting on their account do not
    become a manager when the manager adds that address as one."""
    EmailAddress.objects.create(user=world.staff, email="boss@agency.example.jp", verified=False, primary=False)
    response = add(manager, "boss@agency.example.jp", role="manager")
    assert response.status_code == 400 and ACCOUNT_EXISTS in field_error(response, "email")
    member = AgencyMember.objects.get(user=world.staff)
    assert member.role == "staff" and member.store == world.store


def test_an_address_only_on_the_user_record_counts_as_taken(world, manager, django_user_model):
    """An account made without allauth (the command line, the admin) has its address on the
    user only: it is someone's account all the same, not a new one."""
    django_user_model.objects.create_user("legacy@agency.example.jp", "Legacy@agency.example.jp", "pw")
    response = add(manager, "legacy@agency.example.jp", store=world.store)
    assert response.status_code == 400 and ACCOUNT_EXISTS in field_error(response, "email")
    assert django_user_model.objects.filter(email__iexact="legacy@agency.example.jp").count() == 1
    assert not AgencyMember.objects.filter(user__email__iexact="legacy@agency.example.jp").exists()


# -- 2. an existing account is never made staff by a manager ---------------------------------------


def test_a_private_movers_account_is_not_made_staff(world, manager):
    sent = len(mail.outbox)
    for role, store in (("staff", world.store), ("manager", None)):
        response = add(manager, world.mover.email.upper(), role=role, store=store)
        assert response.status_code == 400 and ACCOUNT_EXISTS in field_error(response, "email")
        assert 'value="MOVER@EXAMPLE.JP"' in text(response)  # what was typed stays
    assert not AgencyMember.objects.filter(user=world.mover).exists() and len(mail.outbox) == sent


def test_staff_of_another_agency_are_not_taken_over(world, manager):
    response = add(manager, world.other_agency_staff.email, store=world.store)
    assert response.status_code == 400 and ACCOUNT_EXISTS in field_error(response, "email")
    assert list(AgencyMember.objects.filter(user=world.other_agency_staff).values_list("agency", flat=True)) == [
        world.other_agency.pk
    ]


def test_an_address_pending_on_another_account_is_refused(world, manager):
    """An address waiting to replace another account's (ACCOUNT_CHANGE_EMAIL): not a new one."""
    EmailAddress.objects.create(
        user=world.other_agency_staff, email="moving@agency.example.jp", verified=False, primary=False
    )
    response = add(manager, "moving@agency.example.jp", store=world.store)
    assert response.status_code == 400 and ACCOUNT_EXISTS in field_error(response, "email")


def test_a_new_address_gets_a_new_account(world, manager):
    response = add(manager, "fresh@agency.example.jp", store=world.store)
    assert response.status_code == 302
    member = AgencyMember.objects.get(user__email="fresh@agency.example.jp")
    assert member.active and member.store == world.store and not member.user.has_usable_password()
    assert mail.outbox[-1].to == ["fresh@agency.example.jp"]


def test_a_member_of_the_agency_changes_store_or_role(world, manager):
    response = add(manager, world.staff.email, store=world.other_store)
    assert response.status_code == 302
    assert AgencyMember.objects.get(user=world.staff).store == world.other_store
    response = add(manager, world.staff.email, role="manager")
    assert response.status_code == 302
    member = AgencyMember.objects.get(user=world.staff)
    assert member.role == "manager" and member.store is None
    # The same again changes nothing, and says so.
    response = add(manager, world.staff.email, role="manager")
    assert response.status_code == 302
    assert "nothing was changed" in text(manager.get("/agency/staff/"))


def test_the_staff_page_says_which_addresses_can_be_added(world, manager):
    page = text(manager.get("/agency/staff/"))
    assert "A work address with no account at hikkoshi yet" in page
    assert "an administrator can link existing accounts" in page


# -- 4. roles, removed members, the last manager ---------------------------------------------------


def test_a_manager_cannot_change_their_own_role(world, manager):
    response = add(manager, world.manager.email, store=world.store)  # re-adding oneself as staff
    assert response.status_code == 400 and "your own role" in field_error(response, "role")
    member = AgencyMember.objects.get(user=world.manager)
    assert member.role == "manager" and member.active


def test_a_removed_member_is_not_taken_back_by_a_manager(world, manager):
    member = AgencyMember.objects.get(user=world.staff)
    assert manager.post(f"/agency/staff/{member.pk}/remove/").status_code == 302
    response = add(manager, world.staff.email, store=world.store)
    assert response.status_code == 400 and "Ask an administrator" in field_error(response, "email")
    member.refresh_from_db()
    assert not member.active and member.removed_at
    # Also not one removed by an administrator (in the admin).
    other = AgencyMember.objects.get(user=world.other_store_staff)
    AgencyMember.objects.filter(pk=other.pk).update(active=False)
    response = add(manager, world.other_store_staff.email, store=world.other_store)
    assert response.status_code == 400 and not AgencyMember.objects.get(pk=other.pk).active


def test_another_manager_may_be_demoted_or_removed_while_one_is_left(world, manager, django_user_model):
    second = make_user(django_user_model, "second.manager@agency.example.jp")
    member = AgencyMember.objects.create(user=second, agency=world.agency, role="manager")
    assert add(manager, second.email, store=world.store).status_code == 302
    member.refresh_from_db()
    assert member.role == "staff" and member.store == world.store
    assert manager.post(f"/agency/staff/{member.pk}/remove/").status_code == 302
    assert not AgencyMember.objects.get(pk=member.pk).active


def test_the_agency_keeps_a_manager(world):
    """What the pages cannot reach one by one (a manager does not remove or demote themselves),
    the service refuses whoever asks: the last manager is neither removed nor demoted."""
    last = AgencyMember.objects.get(user=world.manager)
    with pytest.raises(services.MemberRefused) as refused:
        services.remove_member(last)
    assert refused.value.code == "last_manager"
    with pytest.raises(services.MemberRefused) as refused:
        services.add_member(agency=world.agency, email=world.manager.email, role="staff", store=world.store)
    assert refused.value.code == "last_manager"
    last.refresh_from_db()
    assert last.active and last.role == "manager"
    # A manager who was removed meanwhile changes nothing any more.
    staff = AgencyMember.objects.get(user=world.staff)
    AgencyMember.objects.filter(pk=last.pk).update(active=False)
    with pytest.raises(services.MemberRefused) as refused:
        services.remove_member(staff, by=world.manager)
    assert refused.value.code == "not_a_manager" and AgencyMember.objects.get(pk=staff.pk).active


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL (SQLite runs one writer)")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("as_managers", [True, False], ids=["by-the-managers", "by-anyone"])
def test_two_managers_removing_each_other_at_once_leave_one(world, django_user_model, as_managers):
    """The first removal holds the agency's member rows until it commits; the second waits for
    it, then sees one manager left and is refused: its manager is no longer one, and (whoever
    asks) the other manager would be the last."""
    second = make_user(django_user_model, "second.manager@agency.example.jp")
    first_member = AgencyMember.objects.get(user=world.manager)
    second_member = AgencyMember.objects.create(user=second, agency=world.agency, role="manager")
    locked, outcome = threading.Event(), {}

    def first():  # the first manager removes the second, and is slow to commit
        try:
            with transaction.atomic():
                outcome["first"] = services.remove_member(second_member, by=world.manager if as_managers else None)
                locked.set()
                threading.Event().wait(1.0)
        finally:
            locked.set()
            connections.close_all()

    def then():  # the second manager removes the first meanwhile
        try:
            locked.wait(10)
            outcome["second"] = services.remove_member(first_member, by=second if as_managers else None)
        except services.MemberRefused as refused:
            outcome["second"] = refused.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=then)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcome == {"first": True, "second": "not_a_manager" if as_managers else "last_manager"}
    assert AgencyMember.objects.filter(agency=world.agency, role="manager", active=True).count() == 1
