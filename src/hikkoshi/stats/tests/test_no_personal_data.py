"""No personal value of a move reaches the statistics tables."""

from django.test import Client

from hikkoshi.accounts.tests.conftest import make_user, sign_in
from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401  (the shipped catalogue)
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation
from hikkoshi.stats.models import DailyCount, HourlyCount

KNOWN = {
    "name": "統計 試験太郎",
    "kana": "とうけい しけんたろう",
    "email": "stats-secret@example.jp",
    "phone": "090-8765-4321",
    "building": "秘密ハイツ 909",
    "member": "統計 花子",
}


def test_a_move_with_known_values_leaves_none_of_them_in_the_statistics(sapporo, django_user_model, counted):
    mover = make_user(django_user_model, KNOWN["email"])
    payload = sapporo_relocation()
    payload["applicant"].update(name=KNOWN["name"], name_kana=KNOWN["kana"], phone=KNOWN["phone"], email=KNOWN["email"])
    payload["to"]["building"] = KNOWN["building"]
    payload["members"][0]["name"] = KNOWN["member"]
    client = Client()

    def everything():
        sign_in(client, KNOWN["email"], "wrong password")
        sign_in(client, KNOWN["email"])
        move = move_submit(owner=mover, payload=payload)
        client.get(f"/moves/{move.public_id}/")
        client.get("/search/", {"address": "札幌市北区北24条西6丁目", "postcode": ""})
        return move

    moves = []
    counted(lambda: moves.append(everything()))
    move = moves[0]
    assert DailyCount.objects.filter(event="move_submitted").exists()
    assert DailyCount.objects.filter(event="signin_failed").exists()
    forbidden = [
        *KNOWN.values(),
        "札幌 太郎",
        "北24条",
        "0010024",
        "001-0024",
        "0600042",
        "060-0042",
        "9012",  # the electricity billing number's end
        str(move.public_id),
        move.number,
        f"={mover.pk};",
        "127.0.0.1",
    ]
    rows = [*DailyCount.objects.values(), *HourlyCount.objects.values()]
    assert rows
    for row in rows:
        for column, value in row.items():
            text = str(value)
            for secret in forbidden:
                assert secret not in text, f"{secret!r} found in {column} of an {row['event']} row"
            if column not in ("id", "count", "day", "hour", "simulated") and text.isdigit():
                assert int(text) not in (mover.pk, move.pk) or column == "region", (column, text)
