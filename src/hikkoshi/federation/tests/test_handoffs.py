"""Hand-overs (引継ぎ) over real HTTP: this portal (sapporo) is Django's live server on 127.0.0.1;
a peer (kansai, its own key) offers hand-overs to it through ``federation.client``; another
peer (kanto) tries to read them; and this portal hands a move of its own over to itself as a
peer (``offer_handoff``), so both the origin's and the destination's records are here."""

from datetime import timedelta
import hashlib
import json
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
import pytest

from hikkoshi import httpsig
from hikkoshi.audit.models import AuditEvent
from hikkoshi.catalogue.constants import CommonItem
from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401 (a fixture: the shipped data)
from hikkoshi.federation import client, dataset, handoffs, keys
from hikkoshi.federation.dataset import A, B
from hikkoshi.federation.fakes.renrakucho import RenrakuchoFake
from hikkoshi.federation.models import (
    Handoff,
    HandoffState,
    OutgoingHandoff,
    OutgoingState,
    Peer,
    TransferDirection,
    TransferRecord,
)
from hikkoshi.federation.services import remove_peer
from hikkoshi.moves.models import Move
from hikkoshi.moves.tests.conftest import mover  # noqa: F401 (a fixture)
from hikkoshi.moves.tests.test_pages import signed_in, soon  # noqa: F401 (a fixture)
from hikkoshi.privacy.services import erase_expired, retention_start
from hikkoshi.privacy.tests.test_erasure import finish

from .fakes import jwk
from .test_dataset import _submitted

KANSAI = httpsig.generate_key()
KANSAI_KID = "kansai-2026"
KANTO = httpsig.generate_key()
KANTO_KID = "kanto-2026"


@pytest.fixture
def portals(live_server, settings, transactional_db):
    settings.HIKKOSHI_PORTAL_URL = live_server.url + "/"
    kansai = Peer.objects.create(
        slug="kansai",
        name="関西引越し手続きサービス",
        base_url="http://127.0.0.1:9",
        thumbprints=[httpsig.jwk_thumbprint(KANSAI.public_key())],
        keys=[jwk(KANSAI, KANSAI_KID)],
        areas=["27"],
    )
    kanto = Peer.objects.create(
        slug="kanto",
        base_url="http://127.0.0.1:9",
        thumbprints=[httpsig.jwk_thumbprint(KANTO.public_key())],
        keys=[jwk(KANTO, KANTO_KID)],
        areas=["13"],
    )
    # This portal as a peer of its own (what kansai and kanto know of it), its document verified.
    here = Peer.objects.create(
        slug="sapporo", base_url=live_server.url, thumbprints=[keys.current_key().thumbprint], areas=["01"]
    )
    client.refresh_document(here)
    return SimpleNamespace(url=live_server.url, kansai=kansai, kanto=kanto, here=here)


def call(portals, method, path, *, as_=(KANSAI, KANSAI_KID), body=b"", key=None):
    headers = {"Idempotency-Key": key} if key else None
    return client.request(portals.here, method, path, body=body, headers=headers, signing_key=as_)


def gif_document() -> dict:
    """A data set as a GIF partner writes it: moving into Sapporo."""
    return {
        "データセット": dataset.SCHEMA_ID,
        "提供項目": ["applicant_name", "applicant_birth_date", "new_address", "move_date"],
        A: {
            "申請者": {
                "氏名": "浪速 次郎",
                "氏名（カナ）": "ナニワ\u3000ジロウ",
                "生年月日": "1990-04-01",
            }
        },
        B: {
            "名称": "引越し（住所の異動）",
            "内容": {
                "新住所": {"郵便番号": "060-0042", "連結表記": "北海道札幌市中央区大通西3丁目 大通ハイツ 3F"},
                "異動日": soon(20).isoformat(),
            },
        },
    }


def offer(document=None, *, subject="pairwise-subject-1", consent=True, drop=()) -> bytes:
    document = document or gif_document()
    body = {"document": document, "subject": subject}
    if consent:
        body["consent"] = {"at": timezone.now().isoformat(), "policy_sha256": "ab" * 32, "items": document["提供項目"]}
    for name in drop:
        body.pop(name, None)
    return json.dumps(body, ensure_ascii=False).encode()


_BODIES: dict = {}


def offered(portals, key="key-1", **options):
    """Offer a hand-over with ``key``; the same key again sends the same bytes (a retry)."""
    body = _BODIES.get((portals.url, key)) or _BODIES.setdefault((portals.url, key), offer(**options))
    answer = call(portals, "POST", "handoffs", body=body, key=key)
    assert answer.status == 201, answer.body
    return answer.json()


def raw_document(handoff_id: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT document FROM federation_handoff WHERE id = %s", [handoff_id])
        return cursor.fetchone()[0]


def signed_in_there(browser, peer_slug: str, sub: str) -> None:
    """What signing in through ``peer_slug``'s provider leaves in the session (see
    test_signin for the sign-in itself, between two live portals)."""
    session = browser.session
    session[handoffs.SESSION_SUBJECTS] = {peer_slug: sub}
    session.save()


def path_of(url: str) -> str:
    return urlsplit(url).path


# -- destination: offered, claimed once ----------------------------------------------------------------


def test_a_hand_over_arrives_once_and_opens_the_wizard_pre_filled(portals, signed_in, mover):
    answer = offered(portals)
    assert set(answer) == {"id", "claim_url", "expires_at"}
    assert answer["claim_url"].startswith(portals.url + "/federation/claim/")
    expires = handoffs.parse_datetime(answer["expires_at"])
    assert timedelta(minutes=9) < expires - timezone.now() <= timedelta(minutes=10)
    # The same Idempotency-Key again: the same answer, nothing new.
    assert offered(portals) == answer
    assert Handoff.objects.count() == 1
    handoff = Handoff.objects.get()
    assert handoff.origin == portals.kansai and handoff.subject == "pairwise-subject-1"
    assert raw_document(handoff.pk).startswith("hk2:") and "浪速" not in raw_document(handoff.pk)  # encrypted
    assert answer["claim_url"].rsplit("/", 2)[-2] not in handoff.claim_digest  # only its digest is kept
    received = TransferRecord.objects.get()
    assert (received.direction, received.peer_slug, received.person) == ("received", "kansai", "pairwise-subject-1")
    assert received.items == sorted(gif_document()["提供項目"])
    assert call(portals, "GET", f"handoffs/{answer['id']}").json()["state"] == "offered"

    page = signed_in.get(path_of(answer["claim_url"]))
    assert page.status_code == 200 and "関西引越し手続きサービス" in page.content.decode()
    assert Handoff.objects.get().state == HandoffState.OFFERED  # looking does not use it
    # Signed in here only, not through kansai's provider: the page offers that sign-in, and
    # holding the one-time URL is not enough to claim.
    assert 'action="/accounts/oidc/kansai/login/"' in page.content.decode()
    unproven = signed_in.post(path_of(answer["claim_url"]))
    assert unproven.status_code == 302 and unproven["Location"] == path_of(answer["claim_url"])
    assert Handoff.objects.get().state == HandoffState.OFFERED and not Move.objects.exists()
    signed_in_there(signed_in, "kansai", "pairwise-subject-1")
    page = signed_in.get(path_of(answer["claim_url"]))
    assert page.status_code == 200 and "/accounts/oidc/" not in page.content.decode()
    claimed = signed_in.post(path_of(answer["claim_url"]))
    assert claimed.status_code == 302
    move = Move.objects.get(owner=mover)
    assert claimed["Location"] == f"/moves/{move.public_id}/places/"
    assert move.draft == dataset.from_data_set(gif_document())
    handoff.refresh_from_db()
    assert handoff.state == HandoffState.CLAIMED and handoff.document == {} and handoff.move_public_id == move.public_id
    assert call(portals, "GET", f"handoffs/{answer['id']}").json()["state"] == "claimed"
    # Used: a second claim is refused with a page, not a second draft; the key again: 409.
    again = signed_in.post(path_of(answer["claim_url"]))
    assert again.status_code == 410 and "使用済み" in again.content.decode()
    assert signed_in.get(path_of(answer["claim_url"])).status_code == 410
    assert Move.objects.filter(owner=mover).count() == 1
    assert call(portals, "POST", "handoffs", body=_BODIES[(portals.url, "key-1")], key="key-1").status == 409
    assert AuditEvent.objects.filter(target="handoff:kansai", action="create").count() == 2


def test_a_claim_needs_a_signed_in_user_and_an_unknown_token_is_a_page(portals, signed_in):
    answer = offered(portals)
    anonymous = Client()
    # The page opens (it offers the sign-in through the origin, which signs the mover in here)…
    page = anonymous.get(path_of(answer["claim_url"]))
    assert page.status_code == 200 and "/accounts/oidc/kansai/login/" in page.content.decode()
    # …but claims nothing for nobody.
    assert anonymous.post(path_of(answer["claim_url"]))["Location"] == path_of(answer["claim_url"])
    assert Handoff.objects.get().state == HandoffState.OFFERED
    assert signed_in.get("/federation/claim/not-a-token/").status_code == 404
    assert signed_in.post("/federation/claim/" + "x" * 300 + "/").status_code == 404


def test_a_mover_signed_in_as_another_subject_is_refused(portals, signed_in):
    answer = offered(portals)
    session = signed_in.session
    session[handoffs.SESSION_SUBJECTS] = {"kansai": "somebody-else"}
    session.save()
    assert signed_in.get(path_of(answer["claim_url"])).status_code == 403
    refused = signed_in.post(path_of(answer["claim_url"]))
    assert refused.status_code == 403 and "別の方" in refused.content.decode()
    assert Handoff.objects.get().state == HandoffState.OFFERED and not Move.objects.exists()
    session[handoffs.SESSION_SUBJECTS] = {"kansai": "pairwise-subject-1"}
    session.save()
    assert signed_in.post(path_of(answer["claim_url"])).status_code == 302


# -- expiry and withdrawal ------------------------------------------------------------------------------


def test_an_expired_hand_over_is_refused_and_erased(portals, signed_in):
    first = offered(portals, key="key-1")
    second = offered(portals, key="key-2")
    Handoff.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    # Claimed after its expiry, before the hourly job: refused and erased at once.
    refused = signed_in.post(path_of(first["claim_url"]))
    assert refused.status_code == 410 and "期限切れ" in refused.content.decode()
    assert Handoff.objects.get(pk=first["id"]).state == HandoffState.EXPIRED
    # The hourly job erases the other.
    assert handoffs.erase_expired_handoffs() == 1
    assert handoffs.erase_expired_handoffs() == 0
    for answer in (first, second):
        handoff = Handoff.objects.get(pk=answer["id"])
        assert handoff.state == HandoffState.EXPIRED and handoff.document == {} and handoff.answer == {}
        assert signed_in.post(path_of(answer["claim_url"])).status_code == 410
        assert call(portals, "GET", f"handoffs/{answer['id']}").json()["state"] == "expired"
    assert not Move.objects.exists()
    assert TransferRecord.objects.count() == 2  # the records stay


def test_the_hourly_job_is_registered():
    from hikkoshi.delivery.periodic import hourly

    assert any(job.run is handoffs.erase_expired_handoffs for job in hourly())


def test_a_withdrawn_hand_over_loses_its_data_and_cannot_be_claimed(portals, signed_in):
    answer = offered(portals)
    withdrawn = call(portals, "DELETE", f"handoffs/{answer['id']}")
    assert withdrawn.status == 200 and withdrawn.json()["state"] == "withdrawn"
    handoff = Handoff.objects.get()
    assert handoff.state == HandoffState.WITHDRAWN and handoff.document == {} and handoff.answer == {}
    refused = signed_in.post(path_of(answer["claim_url"]))
    assert refused.status_code == 410 and "取り下げ" in refused.content.decode()
    english = signed_in.get(path_of(answer["claim_url"]), HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 410 and "was withdrawn" in english.content.decode()
    assert not Move.objects.exists()


def test_another_peer_can_neither_see_nor_withdraw_it(portals):
    answer = offered(portals)
    other = (KANTO, KANTO_KID)
    assert call(portals, "GET", f"handoffs/{answer['id']}", as_=other).status == 404
    assert call(portals, "DELETE", f"handoffs/{answer['id']}", as_=other).status == 404
    assert Handoff.objects.get().state == HandoffState.OFFERED
    # Its own key cannot fetch kansai's answer either: the key is per peer.
    assert call(portals, "POST", "handoffs", body=offer(), key="key-1", as_=other).status == 201
    assert Handoff.objects.count() == 2


# -- refused offers ---------------------------------------------------------------------------------------


def test_an_invalid_document_is_a_422_naming_the_item(portals):
    document = gif_document()
    document[A]["申請者"]["生年月日"] = "1990-13-01"
    answer = call(portals, "POST", "handoffs", body=offer(document), key="bad")
    assert answer.status == 422
    problem = answer.json()
    assert problem["type"].endswith("invalid-data-set")
    assert [p["name"] for p in problem["invalid-params"]] == ["個人申請基本情報（A票）.申請者.生年月日"]
    assert not Handoff.objects.exists() and not TransferRecord.objects.exists()


def test_without_consent_subject_or_key_nothing_is_kept(portals):
    no_consent = call(portals, "POST", "handoffs", body=offer(consent=False), key="k1")
    assert no_consent.status == 422 and no_consent.json()["type"].endswith("consent-missing")
    document = gif_document()
    body = json.loads(offer(document))
    body["consent"]["items"] = ["applicant_name"]  # not what the document carries
    wrong = call(portals, "POST", "handoffs", body=json.dumps(body).encode(), key="k2")
    assert wrong.status == 422 and wrong.json()["invalid-params"][0]["name"] == "consent.items"
    assert call(portals, "POST", "handoffs", body=offer(drop=["subject"]), key="k3").status == 422
    assert call(portals, "POST", "handoffs", body=offer()).status == 400  # no Idempotency-Key
    assert call(portals, "POST", "handoffs", body=b"[1]", key="k4").status == 400
    assert not Handoff.objects.exists() and not TransferRecord.objects.exists()
    # The same key with another body is refused, not answered with the first hand-over.
    offered(portals, key="k5")
    assert call(portals, "POST", "handoffs", body=offer(subject="other"), key="k5").status == 422


def test_the_openapi_document_lists_the_hand_over_operations(portals):
    import httpx

    paths = httpx.get(portals.url + "/federation/v1/openapi.json").json()["paths"]
    assert set(paths["/federation/v1/handoffs"]) == {"post"}
    assert set(paths["/federation/v1/handoffs/{handoff_id}"]) == {"get", "delete"}


# -- origin: consent first, sent outside a transaction, records on both sides -------------------------------


ITEMS = [CommonItem.APPLICANT_NAME, CommonItem.NEW_ADDRESS, CommonItem.MOVE_DATE, CommonItem.MEMBERS]


def test_a_move_handed_over_leaves_records_on_both_sides_that_survive_its_erasure(portals, sapporo, signed_in, mover):
    move = _submitted(signed_in)
    outgoing = handoffs.offer_handoff(move, portals.here, ITEMS, mover)
    assert outgoing.state == OutgoingState.SENT
    assert outgoing.policy_sha256 and outgoing.policy_sha256 == portals.here.document["privacy_policy"]["sha256"]
    assert outgoing.subject == handoffs.pairwise_subject(mover, portals.here) != str(mover.pk)
    assert handoffs.pairwise_subject(mover, portals.kansai) != outgoing.subject  # per peer
    # The destination (this portal, as "sapporo") has it, from the origin "sapporo".
    received = Handoff.objects.get(pk=outgoing.remote_id)
    assert received.origin == portals.here and received.subject == outgoing.subject
    assert received.items == sorted(str(i) for i in ITEMS)
    assert outgoing.payload["continue_url"].startswith(portals.url + "/federation/claim/")
    records = {r.direction: r for r in TransferRecord.objects.all()}
    assert set(records) == {TransferDirection.SENT, TransferDirection.RECEIVED}
    assert records["sent"].move_public_id == move.public_id and records["sent"].person == outgoing.subject
    assert records["sent"].keep_until - records["sent"].at >= timedelta(days=3 * 365)
    assert set(
        AuditEvent.objects.filter(move=move.public_id, target="handoff:sapporo").values_list("action", flat=True)
    ) == {
        "consent",
        "export",
    }
    # The move's erasure empties what the hand-over kept of it; the records stay.
    finish(move)
    assert erase_expired(now=retention_start(move) + timedelta(days=31)) == 1
    outgoing.refresh_from_db()
    assert outgoing.payload == {} and outgoing.state == OutgoingState.SENT
    assert TransferRecord.objects.count() == 2
    assert TransferRecord.objects.get(direction="sent").items == sorted(str(i) for i in ITEMS)


def test_without_consent_nothing_is_sent(portals, sapporo, signed_in, mover):
    move = _submitted(signed_in)
    with pytest.raises(ValueError):
        handoffs.offer_handoff(move, portals.here, [], mover)  # nothing agreed to
    with pytest.raises(RuntimeError), transaction.atomic():
        handoffs.offer_handoff(move, portals.here, ITEMS, mover)  # never while a transaction is open
    assert not OutgoingHandoff.objects.exists() and not TransferRecord.objects.exists()
    assert not Handoff.objects.exists()  # nothing arrived


def test_a_peer_that_cannot_be_reached_leaves_a_failed_hand_over_and_nothing_there(portals, sapporo, signed_in, mover):
    move = _submitted(signed_in)
    Peer.objects.filter(pk=portals.here.pk).update(base_url="http://127.0.0.1:9")  # nobody answers
    portals.here.refresh_from_db()
    with pytest.raises(handoffs.HandoffNotSent) as failed:
        handoffs.offer_handoff(move, portals.here, ITEMS, mover)
    outgoing = failed.value.outgoing
    assert outgoing.state == OutgoingState.FAILED and outgoing.error == "unreachable"
    assert TransferRecord.objects.filter(direction="sent").count() == 1  # the consent was recorded first
    # Tried again once the peer answers: the same consent and key, one hand-over there.
    assert not Handoff.objects.exists()
    Peer.objects.filter(pk=portals.here.pk).update(base_url=portals.url)
    outgoing.peer.refresh_from_db()
    retried = handoffs.retry_handoff(outgoing, mover)
    assert retried.state == OutgoingState.SENT and "document" not in retried.payload
    assert Handoff.objects.get(pk=retried.remote_id).origin == portals.here  # signed with this portal's key
    assert OutgoingHandoff.objects.count() == 1 and TransferRecord.objects.filter(direction="sent").count() == 1
    # A retry of the same request, answered before but lost on the way: the same hand-over.
    OutgoingHandoff.objects.filter(pk=outgoing.pk).update(state=OutgoingState.FAILED)
    again = OutgoingHandoff.objects.get(pk=outgoing.pk)
    again.payload = {"document": dataset.to_data_set(move, ITEMS)}
    assert handoffs.retry_handoff(again, mover).remote_id == retried.remote_id
    assert Handoff.objects.count() == 1


def test_the_mover_sees_the_state_there_and_withdraws_it(portals, sapporo, signed_in, mover):
    move = _submitted(signed_in)
    outgoing = handoffs.offer_handoff(move, portals.here, ITEMS, mover)
    assert handoffs.remote_state(outgoing) == "offered"
    handoffs.withdraw_outgoing(outgoing, mover)
    outgoing.refresh_from_db()
    assert outgoing.state == OutgoingState.WITHDRAWN and outgoing.payload == {}
    received = Handoff.objects.get(pk=outgoing.remote_id)
    assert received.state == HandoffState.WITHDRAWN and received.document == {}
    assert AuditEvent.objects.filter(move=move.public_id, action="withdraw").count() == 1
    # A claimed one cannot be withdrawn: the mover continued there.
    second = handoffs.offer_handoff(move, portals.here, ITEMS, mover)
    signed_in_there(signed_in, "sapporo", second.subject)
    assert signed_in.post(path_of(second.payload["continue_url"])).status_code == 302
    assert handoffs.remote_state(second) == "claimed"
    with pytest.raises(handoffs.HandoffNotSent, match="already_claimed"):
        handoffs.withdraw_outgoing(second, mover)
    assert OutgoingHandoff.objects.get(pk=second.pk).state == OutgoingState.SENT


def test_a_hand_over_through_an_adapter_keeps_what_was_sent_and_the_answers_hash(
    portals, sapporo, signed_in, mover, settings
):
    with RenrakuchoFake() as kanto:
        peer = Peer.objects.create(
            slug="renrakucho",
            base_url=kanto.url,
            thumbprints=[],
            areas=["13"],
            adapter="renrakucho",
            credential=kanto.api_key,
        )
        move = _submitted(signed_in)
        outgoing = handoffs.offer_handoff(move, peer, ITEMS, mover)
        (received,) = kanto.forms
    assert outgoing.state == OutgoingState.SENT and outgoing.remote_id == "RR-000001"
    assert outgoing.payload["continue_url"].startswith(kanto.url + "/renraku/tsuzuki?t=")
    assert outgoing.payload["signed"] is False and len(outgoing.payload["answer_sha256"]) == 64
    assert outgoing.payload["sent"]["body_sha256"] == hashlib.sha256(received).hexdigest()
    assert not Handoff.objects.exists()  # nothing of it here but the origin's records
    record = TransferRecord.objects.get()
    assert (record.direction, record.peer_slug, record.move_public_id) == ("sent", "renrakucho", move.public_id)
    assert handoffs.remote_state(outgoing) == ""  # such a portal cannot be asked
    with pytest.raises(handoffs.HandoffNotSent, match="not_offered"):
        handoffs.withdraw_outgoing(outgoing, mover)


def test_removing_a_peer_keeps_the_transfer_records(portals):
    offered(portals)
    assert remove_peer("kansai")
    assert not Handoff.objects.exists()
    assert TransferRecord.objects.get().peer_slug == "kansai"
