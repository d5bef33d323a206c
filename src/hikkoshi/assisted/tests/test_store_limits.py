"""Issue 13, item 5: the staff of an estate-agency store submit at most as many moves per hour
and per 24 hours as the administrators set on the store (or the portal's default); the wizard
answers 429 with Retry-After and a message, and nothing is submitted."""

from hikkoshi.assisted.tests.conftest import base_of_consent, move_at, new_move, staff_client, through_wizard
from hikkoshi.moves.constants import MoveStatus


def _submitted_move(staff, name):
    consent_url = new_move(staff, "agency", name=name)
    staff.post(consent_url, {"action": "sheet", "signed": "on"})
    base = base_of_consent(consent_url)
    through_wizard(staff, base)
    return base


def test_a_store_limit_set_by_the_administrators_applies_to_its_staff_together(world, sapporo):
    world.store.submissions_per_hour = 2
    world.store.save()
    staff = staff_client(world, world.staff)
    for name in ("一 太郎", "二 次郎"):
        _submitted_move(staff, name)

    consent_url = new_move(staff, "agency", name="三 三郎")
    staff.post(consent_url, {"action": "sheet", "signed": "on"})
    base = base_of_consent(consent_url)
    through_wizard(staff, base, submit=False)
    response = staff.post(base + "submit/", {"consent": "1"}, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 429 and 3000 < int(response["Retry-After"]) <= 3600
    page = response.content.decode()
    assert "あなたの店舗は直近1時間に2件の引越しを申請しました" in page and base + "review/" in page
    assert move_at(base).status == MoveStatus.DRAFT  # nothing submitted, everything typed kept

    # Another store of the same agency has its own budget (the portal's default).
    other = staff_client(world, world.other_store_staff)
    _submitted_move(other, "四 四郎")

    # The administrators raise the limit: the draft goes through.
    world.store.submissions_per_hour = 3
    world.store.save()
    assert staff.post(base + "submit/", {"consent": "1"})["Location"] == base
    assert move_at(base).status == MoveStatus.SUBMITTED
