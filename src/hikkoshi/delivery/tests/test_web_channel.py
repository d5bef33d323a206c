"""The web channel against real peers on 127.0.0.1: ``hikkoshi receiver`` as a server process, and
a stand-in HTTP server for the answers a receiver should not give."""

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
import json
import re
import time

import pytest

from hikkoshi import httpsig
from hikkoshi.delivery import channels
from hikkoshi.delivery.channels import DeliveryError, Outgoing
from hikkoshi.directory.selectors import receipt_keys_of
from hikkoshi.documents.samples import sample_move
from hikkoshi.receiver.testing import ReceiverProcess, StandIn
from hikkoshi.serving import free_port
from hikkoshi.tests import signing
from hikkoshi.web import retry_after_seconds

PORTAL = httpsig.generate_key()
PORTAL_KID = httpsig.key_id_for(PORTAL.public_key())
ORG_KEY = httpsig.generate_key()
ORG_KID = "stand-in-1"
RECORD = sample_move()
ENTRY = next(p for p in RECORD.procedures if p.slug == "sapporo-water-start")
APPLICATION = {
    "format": "hikkoshi.application/1",
    "move_id": RECORD.id,
    "procedure": {"id": ENTRY.slug, "version": ENTRY.version, "name": ENTRY.name},
    "organisation": "sapporo-water",
    "applicant": {
        "name": RECORD.applicant.name,
        "name_kana": RECORD.applicant.name_kana,
        "birth_date": str(RECORD.applicant.birth_date),  # ISO 8601, as date.isoformat()
        "phone": RECORD.phone,
        "email": RECORD.email,
    },
    "fields": {f.name: f.value for f in ENTRY.fields},
}


def outgoing(endpoint, receipt_keys, *, key="0b8e6f0e-7a59-4c1e-9a43-5d1c7e0f0001", attempt=1, **changes):
    values = dict(
        delivery_id=7,
        idempotency_key=key,
        attempt=attempt,
        procedure=ENTRY.slug,
        organisation="sapporo-water",
        organisation_name="札幌市水道局",
        settings={"endpoint": endpoint} if endpoint else {},
        record=RECORD,
        entry=ENTRY,
        application=APPLICATION,
        receipt_keys=tuple(receipt_keys),
    )
    values.update(changes)
    return Outgoing(**values)


@pytest.fixture(autouse=True)
def portal(settings):
    settings.HIKKOSHI_SIGNING_KEY = httpsig.private_key_to_pem(PORTAL).decode()
    settings.HIKKOSHI_SIGNING_KEY_ID = ""
    settings.HIKKOSHI_DELIVERY = {**settings.HIKKOSHI_DELIVERY, "connect_timeout": 2.0, "timeout": 5.0}


@pytest.fixture(scope="module")
def portal_site():
    """The portal's well-known document, served from 127.0.0.1 for the receiver to fetch."""
    document = json.dumps(httpsig.make_jwks([(PORTAL.public_key(), PORTAL_KID)])).encode()
    with StandIn(lambda request: (200, {"Content-Type": "application/json"}, document)) as site:
        yield site


@pytest.fixture(scope="module")
def receiver(tmp_path_factory, portal_site):
    with ReceiverProcess(
        tmp_path_factory.mktemp("web-receiver"),
        ["sapporo-water"],
        portal_keys_url=portal_site.url("/.well-known/hikkoshi-keys.json"),
    ) as process:
        yield process


@pytest.fixture(scope="module")
def slow_receiver(tmp_path_factory):
    base = tmp_path_factory.mktemp("slow-receiver")
    (base / "portal.json").write_text(json.dumps(httpsig.make_jwks([(PORTAL.public_key(), PORTAL_KID)])))
    with ReceiverProcess(base, ["sapporo-water"], portal_key_file=base / "portal.json", delay=4.0) as process:
        yield process


def web():
    return channels.get("web")


# --- end to end against hikkoshi receiver ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db
def test_delivered_with_a_verified_receipt_and_the_same_receipt_on_a_retry(receiver):
    from hikkoshi.conftest import make_organisation

    org = make_organisation("sapporo-water", "water", "札幌市水道局", ["01100"])
    org.receipt_keys = receiver.receipt_keys("sapporo-water")  # as the operator copies them
    org.full_clean()
    org.save()
    keys = receipt_keys_of("sapporo-water")
    assert keys and keys[0]["kid"].startswith("sapporo-water-")

    outcome = web().send(outgoing(receiver.endpoint("sapporo-water"), keys))
    assert re.match(r"^SAPPORO-WATER-\d{8}-\d{6}$", outcome.reference)
    receipt = outcome.receipt
    assert receipt["body"]["reference"] == outcome.reference
    assert receipt["key_id"] == keys[0]["kid"]
    assert receipt["status"] == 201
    assert httpsig.verify_stored_receipt(receipt, keys).key_id == keys[0]["kid"]
    assert "札幌" not in json.dumps(receipt, ensure_ascii=False)  # no personal data in the receipt

    again = web().send(outgoing(receiver.endpoint("sapporo-water"), keys, attempt=2))
    assert again.reference == outcome.reference
    assert again.receipt["status"] == 200
    assert again.receipt["text"] == receipt["text"]

    export = receiver_csv(receiver)
    assert export.count("0b8e6f0e-7a59-4c1e-9a43-5d1c7e0f0001") == 1
    assert "札幌 太郎" in export and "口座振替" in export


def receiver_csv(receiver) -> str:
    import httpx

    return httpx.get(receiver.url("/sapporo-water/export.csv"), timeout=10).content.decode("utf-8-sig")


@pytest.mark.slow
def test_a_receipt_key_that_is_not_the_organisations_is_a_final_error(receiver):
    published = receiver.receipt_keys("sapporo-water")[0]
    impostor = httpsig.public_jwk(httpsig.generate_key().public_key(), published["kid"])
    with pytest.raises(DeliveryError) as info:
        web().send(outgoing(receiver.endpoint("sapporo-water"), [impostor], key="impostor-1"))
    assert (info.value.code, info.value.retryable) == ("bad_receipt_signature", False)


@pytest.mark.slow
def test_a_portal_key_the_receiver_does_not_know_is_refused(receiver, settings):
    settings.HIKKOSHI_SIGNING_KEY = httpsig.private_key_to_pem(httpsig.generate_key()).decode()
    with pytest.raises(DeliveryError) as info:
        web().send(
            outgoing(
                receiver.endpoint("sapporo-water"), receiver.receipt_keys("sapporo-water"), key="unknown-portal-key"
            )
        )
    assert (info.value.code, info.value.retryable) == ("signature_refused", False)


@pytest.mark.slow
def test_a_receiver_slower_than_the_timeout_is_retried_and_then_answers_the_same(slow_receiver, settings):
    keys = slow_receiver.receipt_keys("sapporo-water")
    settings.HIKKOSHI_DELIVERY = {**settings.HIKKOSHI_DELIVERY, "timeout": 0.5}
    started = time.monotonic()
    with pytest.raises(DeliveryError) as info:
        web().send(outgoing(slow_receiver.endpoint("sapporo-water"), keys, key="slow-1"))
    # Given up near the timeout, not after the receiver's 4 s (a margin for a loaded machine).
    assert time.monotonic() - started < 3
    assert (info.value.code, info.value.retryable) == ("timeout", True)
    # The receiver did take it: once it has finished with that request (its access log line, written
    # when the answer went out: on a loaded machine that can be well after the portal gave up), the
    # next attempt (patient enough) gets the receipt it made then.
    deadline = time.monotonic() + 30
    while '"POST /sapporo-water/applications" 201' not in slow_receiver.log():
        assert time.monotonic() < deadline, slow_receiver.log()[-2000:]
        time.sleep(0.1)
    settings.HIKKOSHI_DELIVERY = {**settings.HIKKOSHI_DELIVERY, "timeout": 20.0}
    outcome = web().send(outgoing(slow_receiver.endpoint("sapporo-water"), keys, key="slow-1", attempt=2))
    assert outcome.receipt["status"] == 200
    assert outcome.reference.startswith("SAPPORO-WATER-")


# --- against a stand-in -------------------------------------------------------------------------------


def receipt_answer(
    request, *, key=ORG_KEY, kid=ORG_KID, status=201, idempotency_key=None, digest=None, sign=True, reference="R-000001"
):
    body = json.dumps(
        httpsig.receipt_body(
            reference=reference,
            idempotency_key=idempotency_key or request.headers["Idempotency-Key"],
            content_digest=digest or httpsig.content_digest(request.body),
            received_at=datetime.now(timezone.utc),
        )
    ).encode()
    headers = {"Content-Type": "application/json"}
    if sign:
        headers = signing.sign_response(status=status, body=body, private_key=key, key_id=kid)
    return status, headers, body


ORG_JWKS = [httpsig.public_jwk(ORG_KEY.public_key(), ORG_KID)]


def later(seconds: int) -> str:
    return format_datetime(datetime.now(timezone.utc) + timedelta(seconds=seconds), usegmt=True)


ANSWERS = {
    "good": (lambda r: receipt_answer(r), None, None, None),
    "503": (lambda r: (503, {"Retry-After": "120"}, b""), "http_503", True, 120),
    "503-date": (lambda r: (503, {"Retry-After": later(600)}, b""), "http_503", True, 600),
    "500": (lambda r: (500, {}, b"oops"), "http_500", True, None),
    "429": (lambda r: (429, {"Retry-After": "7"}, b""), "http_429", True, 7),
    "400": (lambda r: (400, {"Content-Type": "application/problem+json"}, b"{}"), "http_400", False, None),
    "401": (lambda r: (401, {}, b""), "signature_refused", False, None),
    "403": (lambda r: (403, {}, b""), "forbidden", False, None),
    "409": (lambda r: (409, {}, b""), "http_409", False, None),
    "422": (lambda r: (422, {}, b""), "http_422", False, None),
    "302": (lambda r: (302, {"Location": "/elsewhere"}, b""), "http_302", False, None),
    "wrong-key": (lambda r: receipt_answer(r, key=httpsig.generate_key()), "bad_receipt_signature", False, None),
    "unknown-kid": (lambda r: receipt_answer(r, kid="other"), "bad_receipt_signature", False, None),
    "unsigned": (lambda r: receipt_answer(r, sign=False), "bad_receipt_signature", False, None),
    "other-key": (lambda r: receipt_answer(r, idempotency_key="another"), "bad_receipt_signature", False, None),
    "other-body": (
        lambda r: receipt_answer(r, digest=httpsig.content_digest(b"{}")),
        "bad_receipt_signature",
        False,
        None,
    ),
    "status-changed": (lambda r: (200, *receipt_answer(r)[1:]), "bad_receipt_signature", False, None),
    "no-reference": (lambda r: receipt_answer(r, reference=""), "bad_receipt", False, None),
}


@pytest.fixture(scope="module")
def stand_in():
    state = {"answer": "good"}
    with StandIn(lambda request: ANSWERS[state["answer"]][0](request)) as server:
        server.state = state
        yield server


@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_answers_of_a_stand_in_receiver(stand_in, answer):
    stand_in.state["answer"] = answer
    _, code, retryable, retry_after = ANSWERS[answer]
    before = len(stand_in.requests)
    item = outgoing(stand_in.url("/applications"), ORG_JWKS)
    if code is None:
        outcome = web().send(item)
        assert outcome.reference == "R-000001"
    else:
        with pytest.raises(DeliveryError) as info:
            web().send(item)
        assert (info.value.code, info.value.retryable) == (code, retryable)
        if retry_after is None:
            assert info.value.retry_after is None
        else:
            assert info.value.retry_after == pytest.approx(retry_after, abs=3)
    # What arrived is the signed application, in UTF-8 JSON.
    request = stand_in.requests[before]
    assert request.method == "POST" and request.path == "/applications"
    assert request.headers["Idempotency-Key"] == item.idempotency_key
    assert json.loads(request.body.decode("utf-8")) == APPLICATION
    assert "札幌 太郎".encode() in request.body  # not \\u escapes
    signing.verify_request(
        method="POST",
        url=stand_in.url("/applications"),
        headers=request.headers,
        body=request.body,
        resolve_key={PORTAL_KID: PORTAL.public_key()},
    )


def test_nothing_listening_is_a_retryable_connect_error():
    with pytest.raises(DeliveryError) as info:
        web().send(outgoing(f"http://127.0.0.1:{free_port()}/applications", ORG_JWKS))
    assert (info.value.code, info.value.retryable) == ("connect_error", True)


@pytest.mark.parametrize(
    "item",
    [
        outgoing("", ORG_JWKS),
        outgoing("ftp://example.jp/x", ORG_JWKS),
        outgoing("http://127.0.0.1:9/applications", ()),
        outgoing("http://127.0.0.1:9/applications", [{"kty": "RSA", "kid": "x"}]),
    ],
    ids=["no-endpoint", "not-http", "no-receipt-keys", "unusable-receipt-key"],
)
def test_not_configured_is_final_and_sends_nothing(item):
    with pytest.raises(DeliveryError) as info:
        web().send(item)
    assert (info.value.code, info.value.retryable) == ("not_configured", False)


def test_retry_after_forms():
    now = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("30", now=now) == 30
    assert retry_after_seconds("Thu, 26 Nov 2026 12:01:00 GMT", now=now) == 60
    assert retry_after_seconds("Thu, 26 Nov 2026 11:00:00 GMT", now=now) == 0
    assert retry_after_seconds("soon", now=now) is None
    assert retry_after_seconds(None) is None


def test_the_channel_logs_no_personal_data(stand_in, caplog):
    caplog.set_level("DEBUG", logger="hikkoshi")
    for answer in ("good", "503", "wrong-key"):
        stand_in.state["answer"] = answer
        try:
            web().send(outgoing(stand_in.url("/applications"), ORG_JWKS))
        except DeliveryError:
            pass
    text = caplog.text
    assert "web_received delivery=7 channel=web attempt=1" in text and "web_not_received delivery=7" in text
    for personal in ("札幌", "タロウ", "1985", "taro", "@example", "口座振替"):
        assert personal not in text
