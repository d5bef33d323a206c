"""The organisations' answers (処理状況): the signed endpoint ``POST /api/v1/answers`` for web
organisations, the answer-code page ``/answers/`` for e-mail and fax ones, the order of
statuses, and what the mover sees. Refused updates change nothing."""

import json
import uuid

from django.urls import reverse
from django.utils import translation
import pytest

from hikkoshi import httpsig
from hikkoshi.delivery import services
from hikkoshi.delivery.models import Delivery
from hikkoshi.directory.services import set_receipt_keys
from hikkoshi.moves.answers import AnswerRefused, answer_code_for, answer_record
from hikkoshi.moves.constants import AnswerStatus
from hikkoshi.moves.lifecycle import move_erase
from hikkoshi.moves.models import AnswerCode, MoveProcedure, ProcedureAnswer
from hikkoshi.moves.notices import why_not_changeable
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.signals import procedure_status_changed
from hikkoshi.moves.tests.conftest import sapporo_relocation

URL = "http://testserver/api/v1/answers"
WATER_KEY = httpsig.generate_key()
WATER_KID = "sapporo-waterworks-test"
GAS_KEY = httpsig.generate_key()
GAS_KID = "hokkaido-gas-test"


@pytest.fixture
def delivered(sapporo, mover):
    """A move whose water and gas applications were delivered, with the organisations' keys in
    the directory (as the operator copies them) and the receipts' references."""
    move = move_submit(owner=mover, payload=sapporo_relocation())
    set_receipt_keys(slug="sapporo-waterworks", keys=httpsig.make_jwks([(WATER_KEY.public_key(), WATER_KID)])["keys"])
    set_receipt_keys(slug="hokkaido-gas", keys=httpsig.make_jwks([(GAS_KEY.public_key(), GAS_KID)])["keys"])
    found = {}
    for slug in ("sapporo-water-start", "hokkaido-gas-start"):
        delivery = Delivery.objects.get(entry__move=move, entry__version__procedure__slug=slug)
        reference = f"{slug.upper()}-20261203-000001"
        Delivery.objects.filter(pk=delivery.pk).update(status="delivered", reference=reference)
        MoveProcedure.objects.filter(pk=delivery.entry_id).update(status="delivered", reference=reference)
        delivery.refresh_from_db()
        found[slug] = delivery
    return move, found


def signed(delivery, status, message="", *, key=WATER_KEY, kid=WATER_KID, reference=None, update_key=None):
    body = json.dumps(
        {
            "type": "hikkoshi-answer",
            "version": 1,
            "application": {
                "idempotency_key": str(delivery.idempotency_key),
                "reference": delivery.reference if reference is None else reference,
            },
            "status": status,
            "message": message,
        },
        ensure_ascii=False,
    ).encode()
    headers = httpsig.sign_message(
        httpsig.Request(
            "POST", URL, {"Content-Type": "application/json", "Idempotency-Key": update_key or str(uuid.uuid4())}
        ),
        tag=httpsig.ANSWER_TAG,
        components=httpsig.ANSWER_COMPONENTS,
        private_key=key,
        key_id=kid,
        body=body,
    )
    return body, headers


def post(client, body, headers):
    extra = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    return client.post("/api/v1/answers", data=body, content_type="application/json", headers=extra)


def answers_of(delivery):
    return list(ProcedureAnswer.objects.filter(entry_id=delivery.entry_id).values_list("status", flat=True))


def test_the_order_of_statuses():
    allowed = AnswerStatus.allowed
    assert allowed("", "received") and allowed("received", "processing") and allowed("processing", "done")
    assert allowed("processing", "action_needed") and allowed("action_needed", "processing")  # after the mover acted
    assert allowed("received", "refused") and allowed("action_needed", "action_needed")
    assert not allowed("processing", "received") and not allowed("done", "processing")
    assert not allowed("refused", "done") and not allowed("done", "done") and not allowed("", "sent")


def test_a_signed_update_is_recorded_once_and_tells_the_notifications(client, delivered):
    _move, found = delivered
    water = found["sapporo-water-start"]
    heard = []

    def hear(sender, **kwargs):
        heard.append((kwargs["old_status"], kwargs["new_status"], kwargs["message"]))

    procedure_status_changed.connect(hear)
    try:
        body, headers = signed(water, "action_needed", "口座番号が読めません。お電話ください。", update_key="u-1")
        response = post(client, body, headers)
        assert response.status_code == 201, response.content
        # The same update again (re-signed, same Idempotency-Key): acknowledged, not recorded twice.
        body, headers = signed(water, "action_needed", "口座番号が読めません。お電話ください。", update_key="u-1")
        assert post(client, body, headers).status_code == 200
    finally:
        procedure_status_changed.disconnect(hear)
    assert answers_of(water) == ["action_needed"]
    assert heard == [("", "action_needed", "口座番号が読めません。お電話ください。")]
    entry = MoveProcedure.objects.get(pk=water.entry_id)
    assert entry.answer_status == "action_needed" and entry.answer_at is not None


@pytest.mark.parametrize("case", ["wrong_key", "other_organisation", "replayed", "other_application", "backwards"])
def test_a_refused_update_changes_nothing(client, delivered, case):
    _move, found = delivered
    water, gas = found["sapporo-water-start"], found["hokkaido-gas-start"]
    body, headers = signed(water, "processing")
    assert post(client, body, headers).status_code == 201
    before = (answers_of(water), answers_of(gas))
    if case == "wrong_key":
        body, headers = signed(water, "done", key=httpsig.generate_key())
        expected = (401, "bad_signature")
    elif case == "other_organisation":  # the gas company's key about the water bureau's application
        body, headers = signed(water, "done", key=GAS_KEY, kid=GAS_KID)
        expected = (401, "bad_signature")
    elif case == "replayed":
        body, headers = signed(water, "done")
        assert post(client, body, headers).status_code == 201
        before = (answers_of(water), answers_of(gas))
        expected = (401, "replayed")
    elif case == "other_application":  # the water application's key with the gas receipt's reference
        body, headers = signed(water, "done", reference=gas.reference)
        expected = (404, "unknown_application")
    else:
        body, headers = signed(water, "received")
        expected = (409, "backwards")
    response = post(client, body, headers)
    assert (response.status_code, response.json()["code"]) == expected
    assert (answers_of(water), answers_of(gas)) == before


def test_a_status_that_needs_a_message_is_refused_without_one(client, delivered):
    _move, found = delivered
    water = found["sapporo-water-start"]
    body, headers = signed(water, "refused", "")
    response = post(client, body, headers)
    assert response.status_code == 422 and response.json()["code"] == "message_required"
    assert answers_of(water) == []


def test_unsigned_and_stale_updates_are_refused(client, delivered):
    _move, found = delivered
    water = found["sapporo-water-start"]
    body, _headers = signed(water, "processing")
    assert post(client, body, {"Idempotency-Key": "x"}).status_code == 401
    stale = httpsig.sign_message(
        httpsig.Request("POST", URL, {"Content-Type": "application/json", "Idempotency-Key": "old"}),
        tag=httpsig.ANSWER_TAG,
        components=httpsig.ANSWER_COMPONENTS,
        private_key=WATER_KEY,
        key_id=WATER_KID,
        body=body,
        created=__import__("datetime").datetime.now(__import__("datetime").timezone.utc)
        - __import__("datetime").timedelta(minutes=10),
    )
    assert post(client, body, stale).status_code == 401
    assert answers_of(water) == []


def signed_raw(body, update_key="u-raw"):
    """Any body, signed with the water bureau's key: what a faulty receiver could send."""
    return httpsig.sign_message(
        httpsig.Request("POST", URL, {"Content-Type": "application/json", "Idempotency-Key": update_key}),
        tag=httpsig.ANSWER_TAG,
        components=httpsig.ANSWER_COMPONENTS,
        private_key=WATER_KEY,
        key_id=WATER_KID,
        body=body,
    )


@pytest.mark.parametrize(
    "case, expected",
    [
        ("too_large", (413, "too_large")),
        ("not_json", (400, "not_json")),
        ("not_utf8", (400, "not_json")),
        ("a_list", (400, "not_an_answer")),
        ("other_type", (400, "not_an_answer")),
        ("status_not_text", (400, "not_an_answer")),
        ("key_not_a_uuid", (404, "unknown_application")),
        ("no_such_application", (404, "unknown_application")),
        ("blank_update_key", (400, "no_idempotency_key")),
        ("update_key_too_long", (400, "no_idempotency_key")),
        ("message_too_long", (422, "message_too_long")),
    ],
)
def test_a_malformed_update_gets_a_problem_and_changes_nothing(client, delivered, case, expected):
    _move, found = delivered
    water = found["sapporo-water-start"]
    good = json.loads(signed(water, "processing")[0])
    update_key = "u-raw"
    if case == "too_large":
        body = json.dumps({**good, "message": "あ" * 30_000}, ensure_ascii=False).encode()
    elif case == "not_json":
        body = b"status=done"
    elif case == "not_utf8":
        body = "処理中".encode("shift_jis")
    elif case == "a_list":
        body = json.dumps([good]).encode()
    elif case == "other_type":
        body = json.dumps({**good, "type": "hikkoshi-receipt"}).encode()
    elif case == "status_not_text":
        body = json.dumps({**good, "status": 3}).encode()
    elif case == "key_not_a_uuid":
        body = json.dumps({**good, "application": {**good["application"], "idempotency_key": "1; DROP"}}).encode()
    elif case == "no_such_application":
        body = json.dumps({**good, "application": {**good["application"], "idempotency_key": str(uuid.uuid4())}})
        body = body.encode()
    elif case == "blank_update_key":
        body, update_key = json.dumps(good).encode(), " "
    elif case == "update_key_too_long":
        body, update_key = json.dumps(good).encode(), "k" * 151
    else:
        body = json.dumps({**good, "status": "action_needed", "message": "x" * 2001}).encode()
    response = post(client, body, signed_raw(body, update_key))
    assert (response.status_code, response.json()["code"]) == expected
    assert response["Content-Type"] == "application/problem+json"
    assert answers_of(water) == []
    assert MoveProcedure.objects.get(pk=water.entry_id).answer_status == ""


# --- the answer-code page (e-mail and fax organisations) -------------------------------------------


def code_form(reference, code, status, message=""):
    return {"reference": reference, "code": code, "status": status, "message": message}


def test_an_email_organisation_answers_with_its_code(client, sapporo, mover):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    water, gas = (
        MoveProcedure.objects.get(move=move, version__procedure__slug=s)
        for s in ("sapporo-water-start", "hokkaido-gas-start")
    )
    reference, code = answer_code_for(water.pk)
    assert answer_code_for(water.pk) == (reference, code)  # a resend prints the same pair
    stored = AnswerCode.objects.get(entry=water)
    assert code.replace("-", "") not in stored.code_hash  # only its hash is kept

    page = client.get(reverse("answers") + f"?ref={reference}")
    assert page.status_code == 200 and reference in page.content.decode()
    done = client.post(reverse("answers"), code_form(reference, code.lower(), "processing"))
    assert done.status_code == 200, done.content.decode()
    again = client.post(
        reverse("answers"), code_form(reference, code, "action_needed", "印鑑が押されていません。再送してください。")
    )
    assert again.status_code == 200
    assert "印鑑が押されていません" in again.content.decode()
    assert answers_of_entry(water) == ["processing", "action_needed"]

    # The code of one application for another: refused, nothing changes.
    other_reference, _other_code = answer_code_for(gas.pk)
    refused = client.post(reverse("answers"), code_form(other_reference, code, "done"))
    assert refused.status_code == 400
    assert "id_code_error" in refused.content.decode()
    assert answers_of_entry(gas) == []
    # Backwards: refused with the field named, nothing changes.
    back = client.post(reverse("answers"), code_form(reference, code, "received"))
    assert back.status_code == 400
    assert answers_of_entry(water) == ["processing", "action_needed"]

    # The mover sees it on the result page.
    client.force_login(mover)
    result = client.get(reverse("moves:detail", args=[move.public_id])).content.decode()
    assert "印鑑が押されていません。再送してください。" in result


def test_the_answer_page_speaks_the_organisations_words_japanese_first(client, sapporo, mover):
    from hikkoshi.moves.constants import AnswerStatus

    move = move_submit(owner=mover, payload=sapporo_relocation())
    water = MoveProcedure.objects.get(move=move, version__procedure__slug="sapporo-water-start")
    reference, code = answer_code_for(water.pk)
    words = ["受け付けた / Received", "処理中 / Being processed", "不備あり（申請者に連絡する）", "完了した / Done",
             "受付不可 / Not accepted"]  # fmt: skip
    for language in ("ja", "en"):
        page = client.get(reverse("answers"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert all(f">{w}" in page for w in words), language
        # Not the mover's wording ("please see the organisation's message").
        assert "ご確認ください" not in page and "please see the organisation" not in page
    done = client.post(
        reverse("answers"),
        code_form(reference, code, "action_needed", "印鑑をお願いします。"),
        HTTP_ACCEPT_LANGUAGE="ja",
    ).content.decode()
    assert "不備あり（申請者に連絡する） / Something is missing" in done and "ご確認ください" not in done
    back = client.post(reverse("answers"), code_form(reference, code, "received"), HTTP_ACCEPT_LANGUAGE="ja")
    assert back.status_code == 400 and AnswerStatus.for_organisation("action_needed") in back.content.decode()


def answers_of_entry(entry):
    return list(ProcedureAnswer.objects.filter(entry=entry).values_list("status", flat=True))


def test_wrong_codes_are_rate_limited(client, sapporo, mover, settings):
    settings.HIKKOSHI_ANSWER_CODE_LIMIT = "3/15m/ip"
    move = move_submit(owner=mover, payload=sapporo_relocation())
    water = MoveProcedure.objects.get(move=move, version__procedure__slug="sapporo-water-start")
    reference, code = answer_code_for(water.pk)
    for _attempt in range(3):
        assert client.post(reverse("answers"), code_form(reference, "AAAA-BBBB-CCCC", "processing")).status_code == 400
    limited = client.post(reverse("answers"), code_form(reference, code, "processing"))
    assert limited.status_code == 429
    assert answers_of_entry(water) == []


def test_erasure_empties_the_messages_and_deletes_the_codes(sapporo, mover):
    from django.utils import timezone

    move = move_submit(owner=mover, payload=sapporo_relocation())
    water = MoveProcedure.objects.get(move=move, version__procedure__slug="sapporo-water-start")
    _reference, _code = answer_code_for(water.pk)
    answer_record(entry_id=water.pk, status="action_needed", message="住所の確認をお願いします", key="k", source="code")
    move_erase(move_id=move.pk, now=timezone.now())
    assert not AnswerCode.objects.filter(entry=water).exists()
    answer = ProcedureAnswer.objects.get(entry=water)
    assert answer.status == "action_needed" and answer.message == ""


def test_an_update_for_an_erased_move_is_gone_and_stores_nothing(client, delivered):
    """After the erasure (保存期間経過後の消去) a validly signed update would have stored its message —
    personal data that nothing erases any more."""
    from django.utils import timezone

    move, found = delivered
    water = found["sapporo-water-start"]
    move_erase(move_id=move.pk, now=timezone.now())
    body, headers = signed(water, "action_needed", "口座番号が読めません。お電話ください。", update_key="u-erased")
    response = post(client, body, headers)
    assert response.status_code == 410 and response.json()["code"] == "erased", response.content
    assert answers_of(water) == []
    with pytest.raises(AnswerRefused) as refused:
        answer_record(entry_id=water.entry_id, status="received", message="", key="late", source="code")
    assert refused.value.code == "erased" and not ProcedureAnswer.objects.filter(entry_id=water.entry_id).exists()


def test_a_receipt_is_the_first_answer_and_the_api_shows_the_timeline(sapporo, mover, settings):
    """A web delivery with a signed receipt records "received" with its reference."""
    from hikkoshi.moves.api import move_payload

    move = move_submit(owner=mover, payload=sapporo_relocation())
    delivery = Delivery.objects.get(entry__move=move, entry__version__procedure__slug="sapporo-water-start")
    outcome = services.Outcome(reference="SW-1", receipt={"signature": "sig=:x:", "body": {}})
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claim="c")
    services._succeeded(delivery, "c", outcome, None)
    answer_record(entry_id=delivery.entry_id, status="done", message="", key="web:1", source="web")
    payload = move_payload(move)
    water = next(p for p in payload["procedures"] if p["id"] == "sapporo-water-start")
    assert [e["status"] for e in water["timeline"]] == ["sent", "received", "done"]
    assert water["timeline"][1]["reference"] == "SW-1" and water["answer_status"] == "done"


def test_a_receipt_after_the_final_answer_is_refused_and_the_delivery_still_recorded(sapporo, mover):
    """A second attempt's receipt (the first attempt's record was lost) after the organisation
    answered 完了: the answer is refused inside the worker's transaction, which goes on and
    commits the delivery."""
    from django.db import transaction

    from hikkoshi.delivery.models import DeliveryEvent

    move = move_submit(owner=mover, payload=sapporo_relocation())
    delivery = Delivery.objects.get(entry__move=move, entry__version__procedure__slug="sapporo-water-start")
    answer_record(entry_id=delivery.entry_id, status="done", message="", key="web:1", source="web")
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claim="c")
    outcome = services.Outcome(reference="SW-2", receipt={"signature": "sig=:x:", "body": {}})
    with transaction.atomic():  # as the worker's: a refusal must not spoil what it recorded
        services._succeeded(delivery, "c", outcome, None)
        assert DeliveryEvent.objects.filter(delivery=delivery, kind="delivered").exists()
    delivery.refresh_from_db()
    entry = MoveProcedure.objects.get(pk=delivery.entry_id)
    assert (delivery.status, entry.status, entry.answer_status) == ("delivered", "delivered", "done")
    assert list(ProcedureAnswer.objects.filter(entry=entry).values_list("key", flat=True)) == ["web:1"]


def test_the_same_receipt_twice_is_one_answer_and_one_after_the_organisations_first_is_kept(sapporo, mover):
    """A second attempt of the same delivery (the sweeper took it over, the receiver answered
    both) records its receipt once; a receipt arriving after the organisation's own first answer
    (受付 by its system) is recorded beside it, as any answer that does not go backwards."""
    move = move_submit(owner=mover, payload=sapporo_relocation())
    water, gas = (
        Delivery.objects.get(entry__move=move, entry__version__procedure__slug=slug)
        for slug in ("sapporo-water-start", "hokkaido-gas-start")
    )
    outcome = services.Outcome(reference="R-1", receipt={"signature": "sig=:x:", "body": {}})
    for _attempt in range(2):
        Delivery.objects.filter(pk=water.pk).update(status="sending", claim="c")
        services._succeeded(water, "c", outcome, None)
    assert list(ProcedureAnswer.objects.filter(entry_id=water.entry_id).values_list("key", "status")) == [
        (f"receipt:{water.idempotency_key}", "received")
    ]
    answer_record(entry_id=gas.entry_id, status="received", message="", key="web:1", source="web")
    Delivery.objects.filter(pk=gas.pk).update(status="sending", claim="c")
    services._succeeded(gas, "c", outcome, None)
    assert sorted(ProcedureAnswer.objects.filter(entry_id=gas.entry_id).values_list("key", flat=True)) == sorted(
        ["web:1", f"receipt:{gas.idempotency_key}"]
    )
    assert MoveProcedure.objects.get(pk=gas.entry_id).answer_status == "received"


def test_the_admin_lists_answers_waiting_too_long(delivered, admin_client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from hikkoshi.delivery.admin import answers_late
    from hikkoshi.directory.models import Organisation

    settings.HIKKOSHI_ANSWER_WAIT_DAYS = 14
    _move, found = delivered
    water, gas = found["sapporo-water-start"], found["hokkaido-gas-start"]
    ten_days_ago = timezone.now() - timedelta(days=10)
    Delivery.objects.filter(pk__in=[water.pk, gas.pk]).update(delivered_at=ten_days_ago)
    assert not Delivery.objects.filter(answers_late()).exists()  # within the default 14 days
    Organisation.objects.filter(slug="hokkaido-gas").update(answer_wait_days=7)  # the gas company: 7
    assert list(Delivery.objects.filter(answers_late()).values_list("pk", flat=True)) == [gas.pk]
    answer_record(entry_id=gas.entry_id, status="processing", message="", key="k", source="web")
    assert not Delivery.objects.filter(answers_late()).exists()  # news from it: not late any more
    page = admin_client.get("/admin/delivery/delivery/?answer=late")
    assert page.status_code == 200


def test_the_application_result_pdf_shows_the_timeline(sapporo, mover, tmp_path):
    from hikkoshi.documents.result import render_result
    from hikkoshi.documents.tests.pdftools import text
    from hikkoshi.moves.selectors import move_record

    move = move_submit(owner=mover, payload=sapporo_relocation())
    water = MoveProcedure.objects.get(move=move, version__procedure__slug="sapporo-water-start")
    answer_record(entry_id=water.pk, status="received", message="", key="r", source="web")
    answer_record(entry_id=water.pk, status="action_needed", message="印鑑をお持ちください", key="a", source="web")
    pdf = render_result(move_record(move))
    (tmp_path / "result.pdf").write_bytes(pdf)
    words = text(pdf).replace(" ", "")
    assert "事業者での処理状況" in words and "印鑑をお持ちください" in words and "不備あり" in words


def test_an_email_application_carries_its_answer_page_and_code(sapporo, mover, settings):
    """The e-mail channel's outgoing application: the answer slip in its text (and its PDF),
    with a reference and code that the answer page accepts for this application."""
    from hikkoshi.delivery.channels.email import body
    from hikkoshi.moves.answers import answer_code_check

    settings.HIKKOSHI_PORTAL_URL = "https://hikkoshi.example.jp/"
    move = move_submit(owner=mover, payload=sapporo_relocation())
    delivery = Delivery.objects.get(entry__move=move, entry__version__procedure__slug="sapporo-water-start")
    Delivery.objects.filter(pk=delivery.pk).update(channel="email")
    delivery.refresh_from_db()
    outgoing = services.build_outgoing(delivery)
    assert outgoing.answer is not None
    assert outgoing.answer.url == f"https://hikkoshi.example.jp/answers/?ref={outgoing.answer.reference}"
    text = body(outgoing)
    assert outgoing.answer.url in text and outgoing.answer.code in text
    assert answer_code_check(outgoing.answer.reference, outgoing.answer.code).pk == delivery.entry_id
    # A resend carries the same pair; the web channel none.
    assert services.build_outgoing(delivery).answer == outgoing.answer
    Delivery.objects.filter(pk=delivery.pk).update(channel="web")
    delivery.refresh_from_db()
    assert services.build_outgoing(delivery).answer is None


def test_the_movers_data_export_has_the_timeline(sapporo, mover):
    from hikkoshi.accounts.export import account_data

    move = move_submit(owner=mover, payload=sapporo_relocation())
    water = MoveProcedure.objects.get(move=move, version__procedure__slug="sapporo-water-start")
    answer_record(entry_id=water.pk, status="refused", message="住所が給水区域外です", key="x", source="web")
    exported = next(m for m in account_data(mover)["moves"] if m["id"] == str(move.public_id))
    procedure = next(p for p in exported["procedures"] if p["id"] == "sapporo-water-start")
    assert [(e["status"], e["message"]) for e in procedure["timeline"]] == [("refused", "住所が給水区域外です")]


def test_the_result_page_follows_the_answers(client, delivered, mover):
    """不備あり and 受付不可 are the mover's next step, with the organisation's words; an answer
    the organisation has finished (完了, 受付不可) or is working on can no longer be withdrawn."""
    move, found = delivered
    water, gas = found["sapporo-water-start"], found["hokkaido-gas-start"]
    answer_record(entry_id=water.entry_id, status="processing", message="", key="w1", source="web")
    answer_record(
        entry_id=water.entry_id, status="action_needed", message="開始日をご確認ください", key="w2", source="web"
    )
    answer_record(entry_id=gas.entry_id, status="done", message="", key="g1", source="web")
    client.force_login(mover)
    with translation.override("ja"):
        page = client.get(reverse("moves:detail", args=[move.public_id])).content.decode()
        steps = page.split('id="next-heading"', 1)[1].split("</section>", 1)[0]
        assert "から" in steps and "について依頼があります" in steps and "開始日をご確認ください" in steps
        assert str(AnswerStatus.ACTION_NEEDED.label) in page and str(AnswerStatus.DONE.label) in page
    water_entry, gas_entry = (MoveProcedure.objects.get(pk=d.entry_id) for d in (water, gas))
    assert why_not_changeable(gas_entry) and not why_not_changeable(water_entry)
    answer_record(entry_id=water.entry_id, status="processing", message="", key="w3", source="web")
    assert why_not_changeable(MoveProcedure.objects.get(pk=water.entry_id))
