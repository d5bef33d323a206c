"""The mover's side of a hand-over, through the pages: the review page of a move from Sapporo to
Osaka shows the portal serving Osaka (its name, policy, the items with the mover's values, what it
handles there) and a consent form of its own; without the box ticked nothing leaves; with it the
mover gets the one-time continue link; a failed hand-over says nothing was sent, names the
portal's phone and is retried; the list of hand-overs withdraws one; another user's is a 404.

The partner portal is this test's live server itself, as in ``test_handoffs``: it runs as
"kansai" (its id, name and phone in its signed document), pinned by its key's thumbprint, its
region cut to Osaka (27), with a copy of Osaka's directory as its own."""

import html
from pathlib import Path
import re
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.test import Client
from django.utils import translation
import pytest

from hikkoshi.audit.models import AuditEvent
from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401 (a fixture: the shipped data)
from hikkoshi.directory.transfer import replace_portal_copy
from hikkoshi.federation import client, keys
from hikkoshi.federation.fakes.renrakucho import RenrakuchoFake
from hikkoshi.federation.models import (
    Handoff,
    HandoffState,
    OutgoingHandoff,
    OutgoingState,
    Peer,
    SeenNonce,
    TransferRecord,
)
from hikkoshi.federation.tests.test_handoffs import signed_in_there
from hikkoshi.moves.tests.conftest import mover  # noqa: F401 (a fixture)
from hikkoshi.moves.tests.test_pages import (
    APPLICANT,
    base_of,
    people_post,
    places_post,
    signed_in,  # noqa: F401 (a fixture)
    soon,
    start,
    text,
)
from hikkoshi.moves.tests.test_scenarios import CHUO, OSAKA, TOKYO

OSAKA_DIRECTORY = Path(__file__).resolve().parents[2] / "directory" / "data" / "osaka.json"
KITA = {"postcode": "001-0024", "address": "札幌市北区北24条西6丁目1-1", "building": ""}
PHONE = "06-6000-1234"
DOWN = "http://127.0.0.1:9"  # nobody answers there


@pytest.fixture
def kansai(live_server, settings, transactional_db):
    settings.HIKKOSHI_PORTAL_URL = live_server.url + "/"
    settings.HIKKOSHI_PORTAL_ID = "kansai"
    settings.HIKKOSHI_PORTAL_NAME = "関西引越し手続きサービス"
    settings.HIKKOSHI_PORTAL_PHONE = PHONE
    peer = Peer.objects.create(
        slug="kansai", base_url=live_server.url, thumbprints=[keys.current_key().thumbprint], areas=["27"]
    )
    client.refresh_document(peer)
    # Its document claims this server's own region: as if it claimed Osaka, where it is allowed.
    Peer.objects.filter(pk=peer.pk).update(served_areas=["27"])
    replace_portal_copy(
        portal="kansai",
        name="関西引越し手続きサービス",
        served=["27"],
        region=["25", "26", "27", "28", "29", "30"],
        etag="",
        text=OSAKA_DIRECTORY.read_text(),
    )
    peer.refresh_from_db()
    return SimpleNamespace(url=live_server.url, peer=peer)


def to_review(client, new=OSAKA, people: dict | None = None) -> str:
    """A draft from Sapporo to ``new`` through the wizard's pages, up to its review page."""
    base = base_of(start(client))
    assert client.post(base + "places/", places_post(old=CHUO, new=new))["Location"] == base + "procedures/"
    assert client.post(base + "procedures/", {})["Location"] == base + "people/"
    assert client.post(base + "people/", people or people_post())["Location"] == base + "details/"
    before = soon().isoformat()
    stops = {
        f"proc-{slug}-stop_date": before
        for slug in ("sapporo-water-stop", "hokkaido-gas-stop", "hepco-electricity-stop")
    }
    if new is KITA:  # within Sapporo: the details of its own procedures are not needed here
        return base
    assert client.post(base + "details/", stops)["Location"] == base + "review/"
    return base


def section(page: str, portal: str = "kansai") -> str:
    found = re.search(rf'<section class="review handoff" id="handoff-{portal}".*?</section>', page, re.S)
    assert found, "no hand-over section"
    return html.unescape(found.group(0))


def consent_form(page: str, *, agree=True, portal: str = "kansai") -> tuple[str, dict]:
    """The consent form's action and what it posts (the box ticked or not)."""
    part = section(page, portal)
    action = re.search(r'<form class="handoff-consent" method="post" action="([^"]+)"', part)
    key = re.search(r'name="request_key" value="([^"]+)"', part)
    assert action and key, "no consent form"
    data: dict = {"request_key": key.group(1), "item": re.findall(r'name="item" value="([^"]+)"', part)}
    if agree:
        data["consent"] = "1"
    return action.group(1), data


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_the_review_page_shows_the_portal_its_policy_the_items_and_a_consent_form(kansai, sapporo, signed_in):
    base = to_review(signed_in)
    page = text(signed_in.get(base + "review/"))
    part = section(page)
    assert "関西引越し手続きサービス" in part
    policy = kansai.peer.document["privacy_policy"]
    assert f'href="{policy["url"]}"' in part and policy["sha256"] in part
    # Exactly the items that would go, with the mover's own values, in Japanese.
    assert "申請者の氏名・フリガナ" in part and APPLICANT["name"] in part
    assert "旧住所" in part and "大通ハイツ 3F" in part and "新住所" in part and "梅田1丁目1" in part
    assert "引越し日" in part
    # What the portal handles there: its directory's organisations for 大阪市北区.
    assert "大阪市北区役所" in part and "関西電力株式会社" in part
    # Its own form, the box not ticked, the button 「同意して引き継ぐ」; outside the submit form.
    box = re.search(r'<input type="checkbox" name="consent"[^>]*id="handoff-kansai-consent"[^>]*>', part).group(0)
    assert "checked" not in box
    assert "同意して引き継ぐ" in part and part.count("<form") == 1
    assert f'href="tel:{PHONE.replace("-", "")}"' in part
    assert "引継ぎを取り下げることができます" in part  # a portal of this software can be told
    # Its region named after it, unless that is its name again (関西 (関西)).
    region = kansai.peer.document["region"]["name"]
    assert f"<dd>関西引越し手続きサービス ({region})</dd>" in part
    Peer.objects.filter(pk=kansai.peer.pk).update(name=region)
    assert f"<dd>{region}</dd>" in section(text(signed_in.get(base + "review/")))
    Peer.objects.filter(pk=kansai.peer.pk).update(name="関西引越し手続きサービス")
    english = section(text(signed_in.get(base + "review/", HTTP_ACCEPT_LANGUAGE="en")))
    assert "Continue at 関西引越し手続きサービス" in english and "Agree and hand over" in english
    assert "The applicant's name and its kana" in english
    # A move within Sapporo: no partner portal serves the new address, no section.
    other = to_review(signed_in, new=KITA)
    assert 'class="review handoff"' not in text(signed_in.get(other + "review/"))


def test_without_the_box_ticked_nothing_leaves(kansai, sapporo, signed_in):
    base = to_review(signed_in)
    action, data = consent_form(text(signed_in.get(base + "review/")), agree=False)
    answer = signed_in.post(action, data)
    assert answer.status_code == 302 and answer["Location"].endswith("?handoff=consent&portal=kansai#handoff-kansai")
    # Nothing recorded, no request reached the portal (it keeps the nonce of every signed one).
    assert not OutgoingHandoff.objects.exists() and not TransferRecord.objects.exists()
    assert not Handoff.objects.exists() and not SeenNonce.objects.exists()
    part = section(text(signed_in.get(answer["Location"])))
    assert 'aria-invalid="true"' in part and "チェックを入れてください" in part and "送信していません" in part
    # Items other than those shown: nothing either.
    action, data = consent_form(text(signed_in.get(base + "review/")))
    data["item"] = data["item"][:2]
    assert "handoff=changed" in signed_in.post(action, data)["Location"]
    assert not OutgoingHandoff.objects.exists() and not SeenNonce.objects.exists()


def test_with_consent_the_mover_gets_the_one_time_link_and_the_consent_is_recorded(
    kansai, sapporo, signed_in, mover, monkeypatch
):
    from hikkoshi.federation import handoffs

    base = to_review(signed_in)
    action, data = consent_form(text(signed_in.get(base + "review/")))
    made, plan = [], handoffs.plan_handoff
    monkeypatch.setattr(handoffs, "plan_handoff", lambda *args, **kwargs: made.append(1) or plan(*args, **kwargs))
    answer = signed_in.post(action, data)
    assert len(made) == 1  # the plan checked against the consent is the one sent: made once
    monkeypatch.setattr(handoffs, "plan_handoff", plan)
    outgoing = OutgoingHandoff.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/moves/handoffs/{outgoing.pk}/"
    assert outgoing.state == OutgoingState.SENT and outgoing.user_id == mover.pk
    assert outgoing.policy_sha256 == kansai.peer.document["privacy_policy"]["sha256"]
    assert outgoing.items == sorted(data["item"])
    record = TransferRecord.objects.get(direction="sent")
    assert (record.peer_slug, record.person, record.items) == ("kansai", outgoing.subject, outgoing.items)
    assert record.policy_sha256 == outgoing.policy_sha256 and record.consent_at == outgoing.consent_at
    assert AuditEvent.objects.filter(action="consent", target="handoff:kansai", actor_id=mover.pk).count() == 1
    received = Handoff.objects.get(pk=outgoing.remote_id)  # it arrived, once
    assert received.items == outgoing.items
    # The page: the one-time link, its expiry (10 minutes), signing in there through this portal.
    page = signed_in.get(answer["Location"])
    assert "no-store" in page["Cache-Control"] and page["Referrer-Policy"] == "same-origin"
    shown = html.unescape(text(page))
    assert f'href="{outgoing.payload["continue_url"]}"' in shown
    assert "1回だけ" in shown and "10分" in shown and "サインイン" in shown
    assert received.expires_at.astimezone().strftime("%H:%M") in shown
    # The same form again (a double click): the same hand-over, nothing sent twice.
    assert signed_in.post(action, data)["Location"] == answer["Location"]
    assert OutgoingHandoff.objects.count() == 1 and Handoff.objects.count() == 1
    # Continuing there with the link, once signed in through this portal, opens the wizard.
    signed_in_there(signed_in, received.origin.slug, received.subject)
    assert signed_in.post(path_of(outgoing.payload["continue_url"])).status_code == 302
    assert Handoff.objects.get().state == HandoffState.CLAIMED
    # Then its page says so, without the used link or a withdrawal.
    after = html.unescape(text(signed_in.get(answer["Location"])))
    assert "手続きを続けています" in after and "ご本人が受け取り済み" in after
    assert outgoing.payload["continue_url"] not in after and "/withdraw/" not in after


def test_the_list_shows_each_hand_over_and_only_its_owner_withdraws_it(
    kansai, sapporo, signed_in, mover, django_user_model
):
    base = to_review(signed_in)
    action, data = consent_form(text(signed_in.get(base + "review/")))
    signed_in.post(action, data)
    outgoing = OutgoingHandoff.objects.get()
    assert 'href="/moves/handoffs/">引き継ぎの一覧</a>' in text(signed_in.get("/accounts/"))  # found from the account
    listed = html.unescape(text(signed_in.get("/moves/handoffs/")))
    assert "関西引越し手続きサービス" in listed and "申請者の氏名・フリガナ" in listed
    assert "ご本人の受け取り待ち" in listed  # its state there, asked
    assert f'action="/moves/handoffs/{outgoing.pk}/withdraw/"' in listed
    # Another mover: neither the list, the page nor the withdrawal.
    other = Client()
    other.force_login(django_user_model.objects.create_user("other@example.jp", "other@example.jp", "pw"))
    assert "関西引越し手続きサービス" not in text(other.get("/moves/handoffs/"))
    assert other.get(f"/moves/handoffs/{outgoing.pk}/").status_code == 404
    assert other.post(f"/moves/handoffs/{outgoing.pk}/withdraw/").status_code == 404
    assert other.post(f"/moves/handoffs/{outgoing.pk}/retry/").status_code == 404
    assert other.post(action, data).status_code == 404  # nor another's move
    assert OutgoingHandoff.objects.get().state == OutgoingState.SENT
    assert Handoff.objects.get().state == HandoffState.OFFERED
    # Only by POST, with the CSRF token.
    assert signed_in.get(f"/moves/handoffs/{outgoing.pk}/withdraw/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(mover)
    assert strict.post(f"/moves/handoffs/{outgoing.pk}/withdraw/").status_code == 403
    # The owner withdraws it: erased there.
    done = signed_in.post(f"/moves/handoffs/{outgoing.pk}/withdraw/", follow=True)
    assert "取り下げました" in html.unescape(text(done))
    assert OutgoingHandoff.objects.get().state == OutgoingState.WITHDRAWN
    received = Handoff.objects.get()
    assert received.state == HandoffState.WITHDRAWN and received.document == {}
    assert f'action="/moves/handoffs/{outgoing.pk}/withdraw/"' not in text(signed_in.get("/moves/handoffs/"))


def test_a_failed_hand_over_says_nothing_was_sent_names_the_phone_and_is_retried(kansai, sapporo, signed_in):
    base = to_review(signed_in)
    action, data = consent_form(text(signed_in.get(base + "review/")))
    Peer.objects.filter(pk=kansai.peer.pk).update(base_url=DOWN)  # the portal is down
    answer = signed_in.post(action, data)
    outgoing = OutgoingHandoff.objects.get()
    assert outgoing.state == OutgoingState.FAILED and answer["Location"] == f"/moves/handoffs/{outgoing.pk}/"
    assert not Handoff.objects.exists()
    page = html.unescape(text(signed_in.get(answer["Location"])))
    assert "何も送信していません" in page and "応答がありません" in page
    assert f'href="tel:{PHONE.replace("-", "")}"' in page and PHONE in page
    assert f'action="/moves/handoffs/{outgoing.pk}/retry/"' in page
    english = html.unescape(text(signed_in.get(answer["Location"], HTTP_ACCEPT_LANGUAGE="en")))
    assert "Nothing was sent" in english and "Try again" in english
    # No whole answer in time (a black-holed peer, which may read the request later): it may have
    # arrived, so the page does not say that nothing was sent.
    OutgoingHandoff.objects.filter(pk=outgoing.pk).update(error="deadline")
    page = html.unescape(text(signed_in.get(answer["Location"])))
    assert "何も送信していません" not in page and "届いたかどうかは分かりません" in page and "10分以内" in page
    assert f'action="/moves/handoffs/{outgoing.pk}/retry/"' in page
    OutgoingHandoff.objects.filter(pk=outgoing.pk).update(error="unreachable")
    # Still down: the retry says so, nothing changes.
    still = html.unescape(text(signed_in.post(f"/moves/handoffs/{outgoing.pk}/retry/", follow=True)))
    assert "まだ" in still and OutgoingHandoff.objects.get().state == OutgoingState.FAILED
    # The portal is back: the retry hands it over, once, and the link is shown.
    Peer.objects.filter(pk=kansai.peer.pk).update(base_url=kansai.url, failures=0, skipped_until=None)
    retried = signed_in.post(f"/moves/handoffs/{outgoing.pk}/retry/")
    assert retried["Location"] == answer["Location"]
    outgoing.refresh_from_db()
    assert outgoing.state == OutgoingState.SENT and Handoff.objects.count() == 1
    assert f'href="{outgoing.payload["continue_url"]}"' in html.unescape(text(signed_in.get(answer["Location"])))
    assert TransferRecord.objects.filter(direction="sent").count() == 1  # one consent, one record


def test_the_document_names_the_phone_only_when_set_and_a_page_shows_only_what_is_safe(settings, db):
    from hikkoshi.federation.document import document_claims
    from hikkoshi.federation.selectors import portal_facts

    settings.HIKKOSHI_PORTAL_PHONE = ""
    assert "contact" not in document_claims()
    settings.HIKKOSHI_PORTAL_PHONE = PHONE
    assert document_claims()["contact"] == {"phone": PHONE}
    # A peer's document is another operator's: a link only over http(s), a phone only as a number.
    peer = Peer(
        slug="odd",
        base_url="https://odd.example",
        document={
            "name": "<b>Odd</b>",
            "privacy_policy": {"url": "javascript:alert(1)", "sha256": "not-a-hash"},
            "contact": {"phone": "<a href=x>call</a>"},
        },
    )
    facts = portal_facts(peer)
    assert (facts.policy_url, facts.policy_sha256, facts.phone, facts.phone_href) == ("", "", "", "")
    peer.document = {
        "privacy_policy": {"url": "https://odd.example/privacy", "sha256": "ab" * 32},
        "contact": {"phone": "0120-00-1234"},
    }
    facts = portal_facts(peer)
    assert facts.policy_url == "https://odd.example/privacy" and facts.phone_href == "tel:0120001234"


def test_a_portal_behind_an_adapter_is_offered_without_a_policy_and_gives_its_reference(
    sapporo, signed_in, settings, transactional_db
):
    with RenrakuchoFake() as kanto:
        Peer.objects.create(
            slug="renrakucho",
            base_url=kanto.url,
            thumbprints=[],
            areas=["13"],
            adapter="renrakucho",
            credential=kanto.api_key,
        )
        base = to_review(signed_in, new=TOKYO)
        page = text(signed_in.get(base + "review/"))
        part = section(page, "renrakucho")
        assert "個人情報保護方針を公開していません" in part and "新住所（方書を含む）" in part
        # It cannot be told of a withdrawal: the consent promises none, nor a policy's version.
        assert "取り下げることはできません" in part and "取り下げることができます" not in part
        assert "方針の版" not in part
        action, data = consent_form(page, portal="renrakucho")
        answer = signed_in.post(action, data)
        (received,) = kanto.forms
    outgoing = OutgoingHandoff.objects.get()
    assert outgoing.state == OutgoingState.SENT and received and outgoing.policy_sha256 == ""
    shown = html.unescape(text(signed_in.get(answer["Location"])))
    assert f'href="{outgoing.payload["continue_url"]}"' in shown and outgoing.remote_id in shown
    assert "受付番号" in shown and "独自の方法" in shown
    # Such a portal cannot be told of a withdrawal: no button for it.
    assert "/withdraw/" not in shown and "/withdraw/" not in text(signed_in.get("/moves/handoffs/"))


SIX = [
    {"name": f"札幌 {n}郎", "name_kana": f"ｻｯﾎﾟﾛ {kana}", "birth_date": f"2010-01-0{i + 1}", "relationship": "子"}
    for i, (n, kana) in enumerate(zip("一二三四五六", ("ｲﾁﾛｳ", "ｼﾞﾛｳ", "ｻﾌﾞﾛｳ", "ｼﾛｳ", "ｺﾞﾛｳ", "ﾛｸﾛｳ")))
]


def test_a_portal_behind_an_adapter_is_shown_and_sent_exactly_what_its_form_takes(
    sapporo, signed_in, settings, transactional_db, monkeypatch
):
    import copy

    from hikkoshi.federation.adapters import renrakucho

    # This portal's form has no field for the phone number (a copy of the mapping without it).
    spec = copy.deepcopy(renrakucho._spec())
    spec["handoff"]["fields"] = [f for f in spec["handoff"]["fields"] if f["field"] != "電話番号"]
    monkeypatch.setattr(renrakucho, "_spec", lambda: spec)
    with RenrakuchoFake() as kanto:
        Peer.objects.create(
            slug="renrakucho",
            base_url=kanto.url,
            thumbprints=[],
            areas=["13"],
            adapter="renrakucho",
            credential=kanto.api_key,
        )
        base = to_review(signed_in, new=TOKYO, people=people_post(members=SIX))
        page = text(signed_in.get(base + "review/"))
        part = section(page, "renrakucho")
        going = re.search(r'<dl class="facts handoff-items">.*?</dl>', part, re.S).group(0)
        not_going = re.search(r'<ul class="handoff-not-sent">.*?</ul>', part, re.S).group(0)
        # Five members go; the sixth is said not to, and why; the phone number neither.
        assert all(f"札幌 {n}郎" in going for n in "一二三四五") and "札幌 六郎" not in going
        assert "札幌 六郎" in not_going and "5人まで" in not_going
        assert "電話番号" not in going and "電話番号" in not_going
        assert "この窓口の様式に欄がないため送られません" in not_going
        action, data = consent_form(page, portal="renrakucho")
        assert "applicant_phone" not in data["item"] and "members" in data["item"]
        signed_in.post(action, data)
        (received,) = kanto.forms
    got = renrakucho.Renrakucho().read_back(received)
    members = got["申請内容（B票）"]["内容"]["世帯員"]
    assert [m["氏名"] for m in members] == [f"札幌 {n}郎" for n in "一二三四五"]
    assert "連絡先電話番号" not in got.get("個人申請基本情報（A票）", {}).get("連絡先", {})
    outgoing = OutgoingHandoff.objects.get()
    assert outgoing.state == OutgoingState.SENT and "applicant_phone" not in outgoing.items
    assert sorted(got["提供項目"]) == sorted(outgoing.items)
    (transfer,) = TransferRecord.objects.all()
    assert transfer.items == outgoing.items


def test_the_applicant_s_sex_that_goes_with_the_household_is_shown_too(db):
    from hikkoshi.federation.dataset import A, B
    from hikkoshi.federation.review import item_rows

    applicant = {
        "氏名": "札幌 太郎",
        "氏名（カナ）": "サッポロ タロウ",
        "生年月日": "1985-05-05",
        "続柄": "世帯主",
        "性別": "1",
    }
    member = {
        "氏名": "札幌 花子",
        "氏名（カナ）": "サッポロ ハナコ",
        "生年月日": "1988-07-07",
        "続柄": "妻",
        "性別": "2",
    }
    document = {
        "提供項目": ["members"],
        A: {"申請者": applicant},
        B: {"内容": {"世帯主": {"氏名": "札幌 太郎"}, "世帯員": [member]}},
    }
    with translation.override("ja"):
        (row,) = item_rows(document)
    assert row["values"] == [
        "新住所の世帯主: 札幌 太郎",
        "札幌 太郎（サッポロ タロウ） — 続柄（世帯主から見て）: 世帯主 — 性別: 男",
        "札幌 花子（サッポロ ハナコ） — 昭和63年7月7日 (1988-07-07) — 続柄（世帯主から見て）: 妻 — 性別: 女",
    ]
    # An applicant who is not the head and left 性別 blank: their 続柄 only.
    document[A]["申請者"] = {"氏名": "札幌 太郎", "続柄": "夫"}
    with translation.override("ja"):
        (row,) = item_rows(document)
    assert row["values"][1] == "札幌 太郎 — 続柄（世帯主から見て）: 夫"
