"""私のデータ: download everything; delete the account, and its moves with it."""

import json

from django.test import Client
import pytest

from hikkoshi.accounts.models import ApiToken
from hikkoshi.accounts.tests.conftest import PASSWORD, make_user
from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401  (the shipped data)
from hikkoshi.moves.models import Move, MoveProcedure
from hikkoshi.moves.tests.conftest import sapporo_relocation


def submit_move(user, **overrides) -> str:
    _token, secret = ApiToken.issue(user, name="test")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").post(
        "/api/v1/moves", sapporo_relocation(**overrides), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def two_movers(sapporo, mover, django_user_model):
    other = make_user(django_user_model, "other@example.jp")
    mine = submit_move(mover)
    draft = Move.objects.create(owner=mover, draft={"places": {"from": {"address": "札幌市中央区北1条西2丁目"}}})
    theirs = submit_move(
        other,
        applicant={
            "name": "別人 次郎",
            "name_kana": "ベツジン ジロウ",
            "birth_date": "1990-01-01",
            "phone": "011-222-3333",
            "email": "jiro@example.jp",
        },
    )
    return mover, other, mine, str(draft.public_id), theirs


def test_my_data_has_my_moves_and_not_another_persons(client, two_movers):
    mover, _other, mine, draft, theirs = two_movers
    client.force_login(mover)
    response = client.get("/accounts/data/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="hikkoshi-my-data-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["login_id"] == "mover@example.jp"
    assert {m["id"] for m in data["moves"]} == {mine, draft}
    submitted = next(m for m in data["moves"] if m["id"] == mine)
    assert submitted["applicant"]["name"] == "札幌 太郎" and submitted["members"][0]["name"] == "札幌 花子"
    assert submitted["new_address"]["postcode"] and submitted["procedures"]
    assert any(p["fields"].get("billing_number") for p in submitted["procedures"])
    body = response.content.decode()
    assert theirs not in body and "別人" not in body and "other@example.jp" not in body
    assert data["api_tokens"] and all(len(t["starts_with"]) <= 10 for t in data["api_tokens"])  # never a token


def test_my_data_needs_signing_in(client, db):
    assert client.get("/accounts/data/")["Location"].startswith("/accounts/login/")


def test_deleting_the_account_deletes_its_moves(client, two_movers, django_user_model):
    mover, other, mine, draft, theirs = two_movers
    client.force_login(mover)
    assert client.get("/accounts/delete/").status_code == 200
    response = client.post("/accounts/delete/", {"password": "not it"})
    assert response.status_code == 400 and 'class="error-summary"' in response.content.decode()
    assert Move.objects.filter(owner=mover).count() == 2

    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not django_user_model.objects.filter(pk=mover.pk).exists()
    assert not Move.objects.filter(public_id__in=[mine, draft]).exists()
    assert not MoveProcedure.objects.filter(move__public_id=mine).exists()
    assert not ApiToken.objects.filter(user_id=mover.pk).exists()
    # The other mover keeps everything; this browser is signed out.
    assert Move.objects.filter(public_id=theirs, owner=other).exists()
    assert client.get("/moves/").status_code == 302


def test_staff_accounts_are_not_deleted_here(client, staff):
    client.force_login(staff)
    assert client.post("/accounts/delete/", {"password": PASSWORD}).status_code == 403
    assert type(staff).objects.filter(pk=staff.pk).exists()


def test_deleting_the_account_removes_its_moves_fax_images_from_the_spool_folder(
    client, mover, sapporo, settings, tmp_path, django_capture_on_commit_callbacks
):
    from hikkoshi.moves.tests.test_pages import submitted_with_spooled_fax

    move, _files = submitted_with_spooled_fax(mover, settings, tmp_path)
    client.force_login(mover)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302 and not Move.objects.filter(pk=move.pk).exists()
    assert callbacks
    assert sorted(p.name for p in tmp_path.iterdir()) == ["someone-elses.json", "someone-elses.tif"]
