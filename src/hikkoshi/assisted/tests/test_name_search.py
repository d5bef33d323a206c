"""Staff find a customer's move by name through the blind index (``hikkoshi.assisted.names``):
the whole name, the family or given name, or the reading, however typed; never another
store's move; only the moves shown are decrypted; the terms go with the personal data and
follow a key rotation."""

from datetime import timedelta
from io import StringIO
import re

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
import pytest

from hikkoshi.assisted import names
from hikkoshi.assisted.models import AssistedMove, NameTerm
from hikkoshi.assisted.services import record_sheet_consent, start_assisted_move
from hikkoshi.encryption import crypto
from hikkoshi.moves.models import Move
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import mover, sapporo_relocation  # noqa: F401 (a fixture)
from hikkoshi.privacy.tests.conftest import KEY_A, KEY_B, keys  # noqa: F401 (a fixture)

from .conftest import CUSTOMER, new_move, staff_client


def customer_move(world, name: str, *, store=None, applicant: dict | None = None) -> Move:
    """A move a staff member of ``store`` started for ``name``; submitted with ``applicant``."""
    store = store or world.store
    staff = world.staff if store == world.store else world.other_agency_staff
    move = start_assisted_move(user=staff, contact={**CUSTOMER, "name": name}, store=store)
    if applicant is not None:
        assert record_sheet_consent(AssistedMove.objects.get(move=move), staff=staff)
        move = Move.objects.get(pk=move.pk)
        payload = sapporo_relocation(
            applicant={
                "name": applicant["name"],
                "name_kana": applicant["name_kana"],
                "birth_date": "1980-01-01",
                "phone": "090-1111-2222",
                "email": "",
            }
        )
        move_submit(owner=staff, payload=payload, draft=move, consent_by=staff)
    return move


def found(client, query: str) -> set[str]:
    """The public ids of the moves the staff list shows for ``query``."""
    page = client.post("/agency/", {"q": query}).content.decode()
    return set(re.findall(r"/agency/moves/([0-9a-f-]{36})/", page))


@pytest.fixture
def people(world, sapporo):
    moves = {
        # submitted: the applicant and their reading are indexed too
        "taro": customer_move(world, "山田 太郎", applicant={"name": "山田 太郎", "name_kana": "やまだ たろう"}),
        "hanako": customer_move(world, "山田 花子"),  # a draft: the contact only, no reading
        "ichiro": customer_move(world, "田中 一郎", applicant={"name": "田中 一郎", "name_kana": "ﾀﾅｶ ｲﾁﾛｳ"}),
        "smith": customer_move(world, "Ｓｍｉｔｈ Ｊａｎｅ"),
        "koyamada": customer_move(world, "小山田 次郎"),
        # another agency's customer of the same name
        "elsewhere": customer_move(
            world,
            "山田 太郎",
            store=world.other_agency_store,
            applicant={"name": "山田 太郎", "name_kana": "ヤマダ タロウ"},
        ),
    }
    return {key: str(move.public_id) for key, move in moves.items()}


QUERIES = {
    # the whole name, however spaced
    "山田 太郎": {"taro"},
    "山田太郎": {"taro"},
    "山田　 太郎": {"taro"},
    " 山田 花子 ": {"hanako"},
    # the family name, the given name
    "山田": {"taro", "hanako"},
    "太郎": {"taro"},
    "花子": {"hanako"},
    "小山田": {"koyamada"},
    # the reading, in hiragana, katakana or half-width katakana, whole or in part
    "やまだ": {"taro"},
    "ヤマダ": {"taro"},
    "ﾔﾏﾀﾞ": {"taro"},
    "やまだたろう": {"taro"},
    "ヤマダ　タロウ": {"taro"},
    "たなか いちろう": {"ichiro"},
    "いちろう": {"ichiro"},
    # Latin letters, full- or half-width, any case
    "smith": {"smith"},
    "ＪＡＮＥ": {"smith"},
    "jane smith": set(),  # the order of the parts counts
    # a fragment finds nothing (it would need every name decrypted)
    "山": set(),
    "田太": set(),
    "やま": set(),
    "大通 次郎": set(),
}


@pytest.mark.parametrize("query", QUERIES)
def test_a_name_is_found_by_its_whole_its_parts_and_its_reading(world, people, query):
    staff = staff_client(world, world.staff)
    assert found(staff, query) == {people[key] for key in QUERIES[query]}


def test_another_agencys_customer_of_the_same_name_is_never_found(world, people):
    staff, other = staff_client(world, world.staff), staff_client(world, world.other_agency_staff)
    for query in ("山田 太郎", "山田", "やまだ", "ヤマダタロウ"):
        assert people["elsewhere"] not in found(staff, query)
        assert found(other, query) == {people["elsewhere"]}


def test_the_same_as_before_for_whole_names_and_family_names(world, people):
    """What the substring search found for whole names and family names (every move whose
    decrypted name contains the query), the index finds too — but for a name the query is
    only a part of (小山田 contains 山田)."""
    staff = staff_client(world, world.staff)
    visible = AssistedMove.objects.filter(store=world.store).select_related("move")
    for query in ("山田 太郎", "山田 花子", "田中 一郎", "山田", "田中", "小山田", "花子"):
        before = {
            str(a.move.public_id)
            for a in visible
            if query.casefold() in a.customer_name.casefold()
            or query.casefold() in (a.move.applicant or {}).get("name", "").casefold()
        }
        if query == "山田":  # 小山田 次郎 contains it; it is not his family name
            before -= {people["koyamada"]}
        assert found(staff, query) == before, query


def test_a_search_decrypts_only_the_moves_it_shows(world, sapporo, monkeypatch):
    staff = staff_client(world, world.staff)
    calls: list[str] = []
    decrypt = crypto.Keyring.decrypt

    def spy(self, token, context, row=None):
        calls.append(context)
        return decrypt(self, token, context, row)

    def decryptions(query: str) -> list[str]:
        calls.clear()
        monkeypatch.setattr(crypto.Keyring, "decrypt", spy)
        try:
            assert staff.post("/agency/", {"q": query}).status_code == 200
        finally:
            monkeypatch.setattr(crypto.Keyring, "decrypt", decrypt)
        return list(calls)

    customer_move(world, "検索 一人")
    for n in range(5):
        customer_move(world, f"別人 {n}号")
    few = decryptions("検索 一人")
    for n in range(5, 40):
        customer_move(world, f"別人 {n}号")
    many = decryptions("検索 一人")
    # The one move shown: its contact (the name) and its applicant (values are opened when
    # used: the draft of a submitted move is loaded, not decrypted).
    assert sorted(many) == sorted(few) == sorted(["assisted_assistedmove.contact", "moves_move.applicant"])
    # A name nobody has decrypts nothing at all, however many moves there are.
    assert decryptions("誰も いない") == []
    # A family name forty customers share: each of the forty moves shown, two values each.
    assert len(decryptions("別人")) == 2 * 40


def test_the_terms_are_digests_and_go_with_the_personal_data(world, sapporo):
    from hikkoshi.assisted.services import assisted_move_erase
    from hikkoshi.moves.lifecycle import move_erase

    move = customer_move(world, "鷺沢 葵衣", applicant={"name": "鷺沢 葵衣", "name_kana": "さぎさわ あおい"})
    terms = NameTerm.objects.filter(move=move)
    # contact: 鷺沢葵衣 鷺沢 葵衣; applicant: the same three, さぎさわあおい さぎさわ あおい, and
    # half written, half read: 鷺沢あおい さぎさわ葵衣
    primary = crypto.keyring().primary
    assert {(t.source, t.kid) for t in terms} == {("contact", primary), ("applicant", primary)}
    assert terms.filter(source="contact").count() == 3 and terms.filter(source="applicant").count() == 8
    assert all(re.fullmatch(r"[0-9a-f]{32}", t.term) for t in terms)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM assisted_nameterm")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert not any(marker in stored for marker in ("鷺沢", "葵衣", "さぎさわ", "サギサワ"))
    staff = staff_client(world, world.staff)
    assert found(staff, "さぎさわ") == {str(move.public_id)}
    # Erased with the move's personal data (privacy calls both in one transaction) …
    move_erase(move_id=move.pk, now=timezone.now())
    assisted_move_erase(move_id=move.pk)
    assert not NameTerm.objects.filter(move=move).exists()
    assert found(staff, "さぎさわ") == set() and found(staff, "鷺沢 葵衣") == set()
    # … and with the move.
    other = customer_move(world, "鷺沢 紬")
    assert NameTerm.objects.filter(move=other).exists()
    Move.objects.filter(pk=other.pk).delete()
    assert not NameTerm.objects.filter(move_id=other.pk).exists()


def test_erasure_after_the_retention_time_removes_the_terms(world, sapporo):
    from hikkoshi.privacy.services import erase_expired, retention_start
    from hikkoshi.privacy.tests.test_erasure import finish

    move = customer_move(world, "鷺沢 葵衣", applicant={"name": "鷺沢 葵衣", "name_kana": "さぎさわ あおい"})
    # (Submitted, its deliveries still open: a draft that old would be deleted, terms and all.)
    kept = customer_move(world, "鷺沢 紬", applicant={"name": "鷺沢 紬", "name_kana": "さぎさわ つむぎ"})
    finish(move)
    start = retention_start(Move.objects.get(pk=move.pk))
    assert start is not None
    assert erase_expired(now=start + timedelta(days=3650)) == 1
    assert not NameTerm.objects.filter(move=move).exists()
    assert NameTerm.objects.filter(move=kept).exists()


def test_rotation_rebuilds_the_terms(keys, world, sapporo):
    keys.HIKKOSHI_DATA_KEYS = KEY_A
    move = customer_move(world, "鷺沢 葵衣", applicant={"name": "鷺沢 葵衣", "name_kana": "さぎさわ あおい"})
    staff = staff_client(world, world.staff)
    public_id = str(move.public_id)
    assert set(NameTerm.objects.values_list("kid", flat=True)) == {"a"}
    a_terms = set(NameTerm.objects.values_list("term", flat=True))

    # The new key first: the terms under a are still found until the rotation …
    keys.HIKKOSHI_DATA_KEYS = f"{KEY_B},{KEY_A}"
    assert found(staff, "さぎさわ") == {public_id}
    status = StringIO()
    call_command("keys", "status", stdout=status)
    assert "run `hikkoshi keys rotate`" in status.getvalue()
    out = StringIO()
    call_command("keys", "rotate", stdout=out, stderr=StringIO())
    assert "name search terms written again for 1 move(s)" in out.getvalue()
    # … which writes them again under b: other digests, as many
    assert set(NameTerm.objects.values_list("kid", flat=True)) == {"b"}
    b_terms = set(NameTerm.objects.values_list("term", flat=True))
    assert len(b_terms) == len(a_terms) and not b_terms & a_terms
    assert "can be removed" in out.getvalue()
    keys.HIKKOSHI_DATA_KEYS = KEY_B  # a removed: still found
    assert found(staff, "さぎさわ") == {public_id} and found(staff, "鷺沢") == {public_id}

    # --rebuild: every move's terms from the data (here: lost ones).
    NameTerm.objects.all().delete()
    assert found(staff, "鷺沢") == set()
    out = StringIO()
    call_command("keys", "rotate", "--rebuild", stdout=out, stderr=StringIO())
    assert "name search terms written again for 1 move(s)" in out.getvalue()
    assert set(NameTerm.objects.values_list("term", flat=True)) == b_terms
    assert found(staff, "鷺沢 葵衣") == {public_id}


def test_a_movers_own_move_is_not_indexed(sapporo, mover):
    move_submit(owner=mover, payload=sapporo_relocation())
    assert not NameTerm.objects.exists()
    assert names.rebuild(everything=True) == 0 and not NameTerm.objects.exists()


def test_the_migration_indexes_the_moves_stored_before_the_index(world, sapporo):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("hikkoshi.assisted.migrations.0004_index_existing_names")
    submitted = customer_move(world, "鷺沢 葵衣", applicant={"name": "鷺沢 葵衣", "name_kana": "さぎさわ あおい"})
    draft = customer_move(world, "鷺沢 紬")
    written = sorted(NameTerm.objects.values_list("move_id", "source", "kid", "term"))
    NameTerm.objects.all().delete()  # as before the index
    migration.index_existing(apps, None)
    assert sorted(NameTerm.objects.values_list("move_id", "source", "kid", "term")) == written
    assert {m for m, *_rest in written} == {submitted.pk, draft.pk}


def test_variant_kanji_find_each_other(world, sapporo):
    """A name stored with a variant kanji (異体字) is found by its common form and the other way
    round (``hikkoshi.japanese.variants``)."""
    staff = staff_client(world, world.staff)
    takahashi = str(customer_move(world, "髙橋 一郎").public_id)
    watanabe = str(
        customer_move(world, "渡邉 美咲", applicant={"name": "渡邉 美咲", "name_kana": "わたなべ みさき"}).public_id
    )
    saito = str(customer_move(world, "斎藤 櫻").public_id)
    for query, expected in {
        "高橋 一郎": {takahashi},
        "髙橋": {takahashi},
        "渡辺": {watanabe},
        "渡邊 美咲": {watanabe},
        "齋藤": {saito},
        "齊藤 桜": {saito},
        "斉藤": {saito},
    }.items():
        assert found(staff, query) == expected, query


def test_the_migration_remakes_the_terms_written_before_variants_were_folded(world, sapporo):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("hikkoshi.assisted.migrations.0006_fold_variant_kanji_in_name_terms")
    move = customer_move(world, "山﨑 花子")
    ring = crypto.keyring()
    # The terms as they were written before: 山﨑 not folded.
    NameTerm.objects.filter(move=move).update(term=ring.blind("山﨑", names.PURPOSE))
    staff = staff_client(world, world.staff)
    assert found(staff, "山崎") == set()
    migration.rebuild(apps, None)
    assert found(staff, "山崎") == found(staff, "山﨑 花子") == {str(move.public_id)}


def customer_with_reading(world, name: str, reading: str) -> str:
    """A draft for a customer whose name and reading staff took with the contact (as the page
    of a new move asks), nothing else entered yet."""
    client = staff_client(world, world.staff)
    url = new_move(client, "agency", name=name, name_kana=reading)
    return url.split("/")[-3]


def test_kana_hiragana_and_kanji_find_the_same_customer(world, sapporo):
    """すずき finds スズキ and 鈴木 entered with that reading, from the moment the contact is
    taken (a draft), however the reading was typed or is searched, and half written, half read."""
    staff = staff_client(world, world.staff)
    suzuki = customer_with_reading(world, "鈴木 一郎", "すずき いちろう")
    katakana = customer_with_reading(world, "スズキ ハナ", "")  # a name written in katakana only
    half = customer_with_reading(world, "鈴木 次郎", "ｽｽﾞｷ ｼﾞﾛｳ")
    other = customer_with_reading(world, "鈴森 一郎", "すずもり いちろう")
    assert AssistedMove.objects.get(move__public_id=suzuki).contact["name_kana"] == "スズキ\u3000イチロウ"
    for query, expected in {
        "すずき": {suzuki, katakana, half},
        "スズキ": {suzuki, katakana, half},
        "ｽｽﾞｷ": {suzuki, katakana, half},
        "鈴木": {suzuki, half},
        "鈴木 一郎": {suzuki},
        "すずきいちろう": {suzuki},
        "スズキ　イチロウ": {suzuki},
        "いちろう": {suzuki, other},
        "一郎": {suzuki, other},
        # mixed: the family name written and the given name read, or the other way round
        "鈴木 いちろう": {suzuki},
        "すずき 一郎": {suzuki},
        "ｽｽﾞｷ 一郎": {suzuki},
        "鈴木 じろう": {half},
        "すずき はな": {katakana},
        "すず": set(),
    }.items():
        assert found(staff, query) == expected, query
    # Nothing of it in clear in the index.
    with connection.cursor() as cursor:
        cursor.execute("SELECT term FROM assisted_nameterm")
        stored = " ".join(row[0] for row in cursor.fetchall())
    assert not any(marker in stored for marker in ("鈴木", "すずき", "スズキ", "いちろう"))


def test_the_reading_typed_in_the_wizard_is_found_once_submitted(world, sapporo):
    staff = staff_client(world, world.staff)
    move = customer_move(world, "鈴木 三郎", applicant={"name": "鈴木 三郎", "name_kana": "スズキ サブロウ"})
    for query in ("すずき", "すずき さぶろう", "鈴木 さぶろう", "ｽｽﾞｷ 三郎"):
        assert found(staff, query) == {str(move.public_id)}, query


def test_mixed_terms_need_two_parts_each():
    from hikkoshi.japanese import mixed_terms

    assert mixed_terms("鈴木 一郎", "すずき　いちろう") == {"鈴木いちろう", "すずき一郎"}
    assert mixed_terms("鈴木一郎", "すずき いちろう") == set()  # which part reads which: unknown
    assert mixed_terms("鈴木 一郎", "") == set() and mixed_terms("A B C", "a b c") == set()


def test_the_migration_adds_the_mixed_terms_to_the_names_indexed_before(world, sapporo):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("hikkoshi.assisted.migrations.0008_mixed_name_terms")
    move = customer_move(world, "鈴木 四郎", applicant={"name": "鈴木 四郎", "name_kana": "すずき しろう"})
    ring = crypto.keyring()
    # The terms as they were written before: no name half written, half read.
    NameTerm.objects.filter(move=move).delete()
    NameTerm.objects.bulk_create(
        NameTerm(move=move, source=names.APPLICANT, kid=ring.primary, term=ring.blind(term, names.PURPOSE))
        for term in ("鈴木四郎", "すずきしろう")
    )
    staff = staff_client(world, world.staff)
    assert found(staff, "鈴木 しろう") == set()
    migration.rebuild(apps, None)
    assert found(staff, "鈴木 しろう") == found(staff, "すずき 四郎") == {str(move.public_id)}
