"""The staff's statuses of an application (処理状況) leave ``hikkoshi receiver`` (a real process)
signed with the organisation's key, and are sent again, with the same Idempotency-Key, until the
portal (here a stand-in on 127.0.0.1) acknowledges them; a refused one is shown as refused."""

from datetime import UTC, datetime
from email.utils import formatdate
import json
import re
import sqlite3
import time

import httpx
import pytest

from hikkoshi import httpsig
from hikkoshi.receiver.testing import ReceiverProcess, StandIn
from hikkoshi.tests import signing

pytestmark = pytest.mark.slow

PORTAL = httpsig.generate_key()
PORTAL_KID = httpsig.key_id_for(PORTAL.public_key())
APPLICATION = {"format": "hikkoshi.application/1", "procedure": {"id": "sapporo-water-start", "name": "水道の使用開始"}}


class Portal:
    """The portal's keys and its answers endpoint: 503 to the first update, then 201."""

    def __init__(self):
        self.answers: list = []
        self.keys = json.dumps(httpsig.make_jwks([(PORTAL.public_key(), PORTAL_KID)])).encode()

    def __call__(self, request):
        if request.method == "GET":
            return 200, {"Content-Type": "application/json"}, self.keys
        self.answers.append(request)
        if len(self.answers) == 1:
            return 503, {"Retry-After": "1"}, b""
        return 201, {"Content-Type": "application/json"}, b'{"recorded": true}'


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("not within the time")


def _received(receiver, key: str) -> tuple[str, str]:
    """The portal's signed application, received: its reference and the staff's page of it."""
    url = receiver.endpoint("sapporo-water")
    body = json.dumps(APPLICATION).encode()
    headers = signing.sign_request(
        method="POST", url=url, body=body, idempotency_key=key, private_key=PORTAL, key_id=PORTAL_KID
    )
    reference = httpx.post(url, content=body, headers=headers, timeout=10).json()["reference"]
    return reference, receiver.url(f"/sapporo-water/applications/{reference}")


def _set_status(browser: httpx.Client, detail: str, status: str, message: str = "") -> httpx.Response:
    """The staff set the status on the application's page, as a browser does (the form's CSRF token)."""
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(detail).text)
    assert found is not None, "the page has its form"
    return browser.post(
        detail,
        data={"csrfmiddlewaretoken": found.group(1), "status": status, "message": message},
        headers={"Referer": detail},
    )


def test_a_status_is_sent_signed_and_again_until_acknowledged(tmp_path):
    portal = Portal()
    with StandIn(portal) as site:
        receiver = ReceiverProcess(
            tmp_path,
            ["sapporo-water"],
            portal_keys_url=site.url("/.well-known/hikkoshi-keys.json"),
            workers=1,
            env={"HIKKOSHI_RECEIVER_SEND_INTERVAL": "1"},
        )
        with receiver:
            reference, detail = _received(receiver, "app-1")
            with httpx.Client(timeout=10, follow_redirects=True) as browser:
                page = _set_status(browser, detail, "processing")
                assert page.status_code == 200
                wait_for(lambda: len(portal.answers) >= 2)
                first, second = portal.answers[:2]
                assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]  # the same update
                assert first.headers["Signature"] != second.headers["Signature"]  # signed anew (a new nonce)
                keys = receiver.receipt_keys("sapporo-water")
                verified = httpsig.verify_message(
                    httpsig.Request(
                        "POST", site.url("/api/v1/answers"), {k.lower(): v for k, v in second.headers.items()}
                    ),
                    tag=httpsig.ANSWER_TAG,
                    components=httpsig.ANSWER_COMPONENTS,
                    body=second.body,
                    keys=keys,
                    max_age=300,
                )
                assert verified.key_id == keys[0]["kid"]
                sent = json.loads(second.body)
                assert sent["application"] == {"idempotency_key": "app-1", "reference": reference}
                assert sent["status"] == "processing"

                # A needed message missing: refused at once, nothing sent.
                refused = _set_status(browser, detail, "action_needed", " ")
                assert refused.status_code == 400
                time.sleep(1.5)
                assert len(portal.answers) == 2


class Busy:
    """The portal busy: 503 with Retry-After in seconds, then 429 with Retry-After as an HTTP
    date, then 503 asking for two hours; each POST's arrival time is kept."""

    def __init__(self):
        self.keys = json.dumps(httpsig.make_jwks([(PORTAL.public_key(), PORTAL_KID)])).encode()
        self.arrived: list[float] = []

    def __call__(self, request):
        if request.method == "GET":
            return 200, {"Content-Type": "application/json"}, self.keys
        self.arrived.append(time.monotonic())
        n = len(self.arrived)
        if n == 1:
            return 503, {"Retry-After": "3"}, b""
        if n == 2:
            return 429, {"Retry-After": formatdate(time.time() + 4, usegmt=True)}, b""
        return 503, {"Retry-After": "7200"}, b""


def test_the_portals_retry_after_is_honoured_instead_of_the_receivers_back_off(tmp_path):
    """The receiver's own back-off waits 15 s, then 30, then 60: the portal's Retry-After
    (seconds, or an HTTP date) is what it follows, shorter or longer."""
    portal = Busy()
    with StandIn(portal) as site:
        receiver = ReceiverProcess(
            tmp_path,
            ["sapporo-water"],
            portal_keys_url=site.url("/.well-known/hikkoshi-keys.json"),
            workers=1,
            env={"HIKKOSHI_RECEIVER_SEND_INTERVAL": "0.5"},
        )
        with receiver:
            _reference, detail = _received(receiver, "app-2")
            with httpx.Client(timeout=10, follow_redirects=True) as browser:
                _set_status(browser, detail, "processing")
            wait_for(lambda: len(portal.arrived) >= 3, timeout=30)
            first, second, third = portal.arrived[:3]
            assert 2.5 <= second - first < 10  # "3" seconds, not 15
            assert 2.5 <= third - second < 12  # an HTTP date 4 s ahead, not 30
            asked = datetime.now(UTC).timestamp() + 7200
            time.sleep(0.5)
            query = "SELECT next_attempt_at, last_error FROM receiver_statusupdate"
            if receiver.database:  # the tests run on PostgreSQL: so does the receiver, in its own database
                import psycopg

                with psycopg.connect(receiver.database) as db:
                    [(next_attempt, last_error)] = db.execute(query).fetchall()
                next_at = next_attempt.timestamp()
            else:
                with sqlite3.connect(tmp_path / "data" / "receiver.sqlite3") as db:
                    [(next_attempt, last_error)] = db.execute(query).fetchall()
                next_at = datetime.fromisoformat(next_attempt).replace(tzinfo=UTC).timestamp()
            assert last_error == "http_503" and abs(next_at - asked) < 30  # two hours, not 60 s
