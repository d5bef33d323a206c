"""``hikkoshi receiver`` as a real server process on 127.0.0.1, spoken to over HTTP."""

from concurrent.futures import ThreadPoolExecutor
import csv
from datetime import datetime, timedelta, timezone
import io
import json
import re
import stat
import subprocess

import httpx
import pytest

from hikkoshi import httpsig
from hikkoshi.receiver import totp
from hikkoshi.receiver.testing import ReceiverProcess, StandIn
from hikkoshi.tests import signing

pytestmark = pytest.mark.slow

PORTAL = httpsig.generate_key()
PORTAL_KID = httpsig.key_id_for(PORTAL.public_key())
APPLICATION = {
    "format": "hikkoshi.application/1",
    "procedure": {"id": "sapporo-water-start", "version": 1, "name": "水道の使用開始"},
    "applicant": {
        "name": "札幌 太郎",
        "name_kana": "サッポロ タロウ",
        "birth_date": "1985-03-05",
        "phone": "011-211-2111",
        "email": "taro@example.jp",
    },
    "members": [{"name": "札幌 花子", "relationship": "妻"}],
    "from": {"postcode": "1000001", "address": "東京都千代田区千代田1-1"},
    "to": {"postcode": "0600042", "address": "北海道札幌市中央区大通西1丁目1-1"},
    "fields": {"start_date": "2025-03-28", "note": '=HYPERLINK("http://x")'},
}
REFERENCE = re.compile(r"^SAPPORO-WATER-\d{8}-\d{6}$")


def body_of(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def signed(url: str, body: bytes, key: str, *, private_key=PORTAL, kid=PORTAL_KID, **options) -> dict:
    return signing.sign_request(
        method="POST", url=url, body=body, idempotency_key=key, private_key=private_key, key_id=kid, **options
    )


def post(receiver, slug, data=APPLICATION, *, key, body=None, headers=None, **options) -> httpx.Response:
    url = receiver.endpoint(slug)
    content = body if body is not None else body_of(data)
    return httpx.post(url, content=content, headers=headers or signed(url, content, key, **options), timeout=10)


def csv_rows(receiver, slug) -> list[dict]:
    response = httpx.get(receiver.url(f"/{slug}/export.csv"), timeout=10)
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    base = tmp_path_factory.mktemp("receiver")
    key_file = base / "portal-keys.json"
    key_file.write_text(json.dumps(httpsig.make_jwks([(PORTAL.public_key(), PORTAL_KID)])))
    with ReceiverProcess(base, ["sapporo-water", "hokkaido-gas"], portal_key_file=key_file) as process:
        yield process


def test_good_application_gets_a_receipt_signed_with_the_published_key(receiver):
    response = post(receiver, "sapporo-water", key="good-1")
    assert response.status_code == 201, response.text
    published = receiver.receipt_keys("sapporo-water")
    assert [k["kid"] for k in published] == [
        httpsig.key_id_for(httpsig.jwk_to_public_key(published[0]), prefix="sapporo-water")
    ]
    verified = signing.verify_response(status=201, headers=response.headers, body=response.content, keys=published)
    assert verified.key_id == published[0]["kid"]
    receipt = response.json()
    assert REFERENCE.match(receipt["reference"])
    assert receipt["idempotency_key"] == "good-1"
    assert receipt["content_digest"] == httpsig.content_digest(body_of(APPLICATION))
    key_file = receiver.data_dir / "keys" / "sapporo-water.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (
        httpsig.key_id_for(
            httpsig.load_or_create_private_key(key_file, create=False).public_key(), prefix="sapporo-water"
        )
        == published[0]["kid"]
    )
    # Another organisation's key does not verify it.
    with pytest.raises(httpsig.SignatureError):
        signing.verify_response(
            status=201, headers=response.headers, body=response.content, keys=receiver.receipt_keys("hokkaido-gas")
        )


def test_the_same_key_again_gets_the_same_receipt_and_is_stored_once(receiver):
    first = post(receiver, "sapporo-water", key="again-1")
    second = post(receiver, "sapporo-water", key="again-1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.content == second.content
    signing.verify_response(
        status=200, headers=second.headers, body=second.content, keys=receiver.receipt_keys("sapporo-water")
    )
    rows = [r for r in csv_rows(receiver, "sapporo-water") if r["idempotency_key"] == "again-1"]
    assert len(rows) == 1
    assert rows[0]["reference"] == first.json()["reference"]
    assert rows[0]["applicant.name"] == "札幌 太郎"
    assert rows[0]["members.0.relationship"] == "妻"
    assert rows[0]["fields.note"].startswith("'=")  # never a formula in Excel
    # The same key at another organisation is another application.
    other = post(receiver, "hokkaido-gas", key="again-1")
    assert other.status_code == 201
    assert other.json()["reference"].startswith("HOKKAIDO-GAS-")


def test_same_key_with_another_body_is_a_conflict(receiver):
    assert post(receiver, "sapporo-water", key="conflict-1").status_code == 201
    response = post(receiver, "sapporo-water", {**APPLICATION, "fields": {}}, key="conflict-1")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_tampered_body_is_refused(receiver):
    url = receiver.endpoint("sapporo-water")
    headers = signed(url, body_of(APPLICATION), "tampered-1")
    response = httpx.post(url, content=body_of({**APPLICATION, "applicant": {"name": "別人"}}), headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "tampered-1" not in {r["idempotency_key"] for r in csv_rows(receiver, "sapporo-water")}


def test_tampered_idempotency_key_or_url_is_refused(receiver):
    url = receiver.endpoint("sapporo-water")
    body = body_of(APPLICATION)
    headers = {**signed(url, body, "key-a"), "Idempotency-Key": "key-b"}
    assert httpx.post(url, content=body, headers=headers).status_code == 401
    # Signed for one organisation, sent to another.
    headers = signed(url, body, "key-c")
    assert httpx.post(receiver.endpoint("hokkaido-gas"), content=body, headers=headers).status_code == 401


@pytest.mark.parametrize("kid", [PORTAL_KID, "someone-else"])
def test_a_signature_by_another_key_is_refused(receiver, kid):
    response = post(receiver, "sapporo-water", key=f"wrong-key-{kid}", private_key=httpsig.generate_key(), kid=kid)
    assert response.status_code == 401


def test_a_replayed_request_is_refused(receiver):
    url = receiver.endpoint("sapporo-water")
    body = body_of(APPLICATION)
    headers = signed(url, body, "replay-1")
    assert httpx.post(url, content=body, headers=headers).status_code == 201
    again = httpx.post(url, content=body, headers=headers)
    assert again.status_code == 401
    assert again.json()["title"]


@pytest.mark.parametrize("shift", [timedelta(minutes=-6), timedelta(minutes=5)])
def test_a_signature_too_old_or_from_the_future_is_refused(receiver, shift):
    response = post(
        receiver, "sapporo-water", key=f"clock-{shift.total_seconds():.0f}", created=datetime.now(timezone.utc) + shift
    )
    assert response.status_code == 401


def test_a_slightly_old_signature_is_accepted(receiver):
    response = post(
        receiver, "sapporo-water", key="clock-ok", created=datetime.now(timezone.utc) - timedelta(minutes=4)
    )
    assert response.status_code == 201


def test_requests_that_are_not_applications(receiver):
    url = receiver.endpoint("sapporo-water")
    body = body_of(APPLICATION)
    headers = signed(url, body, "x")
    del headers["Idempotency-Key"]
    assert httpx.post(url, content=body, headers=headers).status_code == 400
    assert post(receiver, "sapporo-water", key="array", body=b"[1, 2]").status_code == 400
    assert post(receiver, "sapporo-water", key="text", content_type="text/plain").status_code == 415
    assert post(receiver, "nobody", key="nobody").status_code == 404
    assert httpx.get(url).status_code == 405


def test_concurrent_requests_with_one_key_store_one_application(receiver):
    def one(_):
        return post(receiver, "hokkaido-gas", key="race-1")

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(one, range(8)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 7 + [201], [r.text for r in responses]
    assert len({r.content for r in responses}) == 1
    assert [r["idempotency_key"] for r in csv_rows(receiver, "hokkaido-gas")].count("race-1") == 1


def test_references_are_unique_and_counted(receiver):
    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(lambda n: post(receiver, "hokkaido-gas", key=f"many-{n}"), range(12)))
    assert {r.status_code for r in responses} == {201}
    references = [r.json()["reference"] for r in responses]
    assert len(set(references)) == 12
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in references)
    assert numbers == list(range(numbers[0], numbers[0] + 12))


def test_the_staff_list_shows_what_arrived_newest_first(receiver):
    post(receiver, "sapporo-water", {**APPLICATION, "applicant": {"name": "先着 一郎"}}, key="list-older")
    post(receiver, "sapporo-water", {**APPLICATION, "applicant": {"name": "最新 花子"}}, key="list-newest")
    page = httpx.get(receiver.url("/sapporo-water/"), headers={"Accept-Language": "ja"}).text
    assert "最新 花子" in page and "水道の使用開始" in page
    assert page.index("最新 花子") < page.index("先着 一郎")
    assert 'class="sandbox"' in page  # the sandbox flag says so on every page
    home = httpx.get(receiver.url("/")).text
    assert receiver.endpoint("sapporo-water") in home and receiver.endpoint("hokkaido-gas") in home
    reference = re.search(r"SAPPORO-WATER-\d{8}-\d{6}", page).group(0)
    detail = httpx.get(receiver.url(f"/sapporo-water/applications/{reference}")).text
    # Staff read each value under its name in Japanese, English beside it, not the JSON's keys.
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th><td>最新 花子</td></tr>", detail)
    assert '<span lang="ja">申請者 › 氏名</span> <span lang="en" class="label-en">Applicant › Name</span>' in rows
    assert "<code>applicant.name</code>" not in detail
    fields = '<span lang="ja">入力項目</span> <span lang="en" class="label-en">Fields</span>'
    assert f"{fields} › <code>start_date</code>" in detail  # a procedure's own field: its key as it arrived


# --- a second receiver: the portal's keys by URL, staff pages behind sign-in ---------------------


class KeySet:
    """The portal's well-known document, served by a stand-in portal; its keys can change."""

    def __init__(self, *keys):
        self.keys = list(keys)
        self.up = True

    def __call__(self, request):
        if not self.up:
            return 503, {}, b""
        document = httpsig.make_jwks([(k.public_key(), httpsig.key_id_for(k.public_key())) for k in self.keys])
        return 200, {"Content-Type": "application/json"}, json.dumps(document).encode()


@pytest.fixture(scope="module")
def keyset():
    return KeySet(PORTAL)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory, keyset):
    with StandIn(keyset) as portal:
        # One worker: the portal's keys are cached per process, and the test follows one cache.
        with ReceiverProcess(
            tmp_path_factory.mktemp("guarded"),
            ["sapporo-water"],
            open_staff_pages=False,
            workers=1,
            portal_keys_url=portal.url("/.well-known/hikkoshi-keys.json"),
            env={"HIKKOSHI_RECEIVER_KEYS_REFETCH_INTERVAL": "0"},
        ) as process:
            yield process


@pytest.fixture
def restore(keyset):
    yield
    keyset.up, keyset.keys = True, [PORTAL]


def test_portal_keys_by_url_follow_a_key_change(guarded, keyset, restore):
    assert post(guarded, "sapporo-water", key="url-1").status_code == 201
    new = httpsig.generate_key()
    new_kid = httpsig.key_id_for(new.public_key())
    keyset.keys = [new]  # the portal changed its key; the receiver has the old set cached
    assert post(guarded, "sapporo-water", key="url-2", private_key=new, kid=new_kid).status_code == 201
    # The old key is no longer published.
    assert post(guarded, "sapporo-water", key="url-3").status_code == 401
    # The portal's keys cannot be fetched, and the key is unknown: try again later.
    keyset.up = False
    response = post(guarded, "sapporo-water", key="url-4", private_key=httpsig.generate_key(), kid="unknown")
    assert response.status_code == 503 and response.headers["retry-after"]
    # A key already known still works while the portal is away.
    assert post(guarded, "sapporo-water", key="url-5", private_key=new, kid=new_kid).status_code == 201


def test_staff_pages_need_a_staff_sign_in(guarded):
    assert (
        post(guarded, "sapporo-water", {**APPLICATION, "applicant": {"name": "受付 次郎"}}, key="staff-1").status_code
        == 201
    )
    for path in ("/", "/sapporo-water/", "/sapporo-water/export.csv"):
        response = httpx.get(guarded.url(path))
        assert response.status_code == 302 and "/accounts/login/" in response.headers["location"], path
    # Keys and the endpoint stay public.
    assert httpx.get(guarded.url("/sapporo-water/.well-known/receipt-keys.json")).status_code == 200

    keys = json.loads(guarded.run("keys", "--organisation", "sapporo-water").stdout)
    assert keys["sapporo-water"]["keys"] == guarded.receipt_keys("sapporo-water")
    password, secret = create_staff(guarded, "clerk", "sapporo-water")
    with httpx.Client(base_url=guarded.url(""), timeout=10) as client:
        login = client.get("/accounts/login/?next=/sapporo-water/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        wrong = client.post(
            "/accounts/login/", data={"username": "clerk", "password": "nope", "csrfmiddlewaretoken": token}
        )
        assert wrong.status_code == 200
        response = client.post(
            "/accounts/login/",
            data={"username": "clerk", "password": password, "csrfmiddlewaretoken": token, "next": "/sapporo-water/"},
        )
        assert response.status_code == 302 and response.headers["location"] == "/accounts/login/code/"
        response = client.post(
            "/accounts/login/code/",
            data={"code": totp.code_at(secret), "csrfmiddlewaretoken": token},
            follow_redirects=True,
        )
        assert response.status_code == 200
        assert "受付 次郎" in response.text
        assert 'class="sandbox"' not in response.text
        assert "no-store" in response.headers["cache-control"]
        rows = list(csv.DictReader(io.StringIO(client.get("/sapporo-water/export.csv").content.decode("utf-8-sig"))))
        assert "受付 次郎" in {r["applicant_name"] for r in rows}


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",  # nested 100,000 deep
        b'{"a": [' * 40 + b"1" + b"]}" * 40,  # only 81 deep: still more than any application
        b'{"reference": ' + b"7" * 5000 + b"}",  # over Python's 4,300-digit limit
    ],
    ids=["deep", "deeper-than-needed", "long-integer"],
)
def test_a_validly_signed_body_that_is_not_an_application_is_a_400(receiver, body):
    """Issue 13 (Low): before, these were a 500."""
    response = post(receiver, "sapporo-water", key=f"odd-{len(body)}", body=body)
    assert response.status_code == 400, response.text[:300]
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_receivers_data_folder_is_private(receiver):
    """Issue 13 (Low): folder 0700, files 0600 (the umask of the receiver's processes)."""
    assert stat.S_IMODE(receiver.data_dir.stat().st_mode) == 0o700
    files = [p for p in receiver.data_dir.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def create_staff(process, username, *organisations) -> tuple[str, str]:
    """``hikkoshi receiver createstaff``: the password and the authenticator app's secret it printed."""
    args = [a for slug in organisations for a in ("--organisation", slug)]
    output = process.run("createstaff", username, *args).stdout
    password, secret = re.search(r"Password: (\S+)", output), re.search(r"secret ([A-Z2-7]+)", output)
    assert password and secret, output
    return password.group(1), secret.group(1)


def _signed_in(process, username, password, secret, *, at=None) -> httpx.Client:
    """A client signed in with the password and the authenticator app's code (the code of
    ``at``: a later step for a second sign-in within 30 s, as each code is used once)."""
    client = httpx.Client(base_url=process.url(""), timeout=10)
    login = client.get("/accounts/login/")
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    assert found is not None
    token = found.group(1)
    response = client.post(
        "/accounts/login/", data={"username": username, "password": password, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and response.headers["location"] == "/accounts/login/code/", response.text[:500]
    response = client.post(
        "/accounts/login/code/", data={"code": totp.code_at(secret, at), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302, response.text[:500]
    return client


def test_staff_see_only_the_organisations_they_are_mapped_to(tmp_path_factory):
    """Issue 13, item 3: a receiver serving two organisations; each clerk sees only their own
    organisation's list, applications, CSV, and cannot mark another's processed."""
    base = tmp_path_factory.mktemp("shared")
    key_file = base / "portal-keys.json"
    key_file.write_text(json.dumps(httpsig.make_jwks([(PORTAL.public_key(), PORTAL_KID)])))
    with ReceiverProcess(
        base, ["sapporo-water", "hokkaido-gas"], portal_key_file=key_file, open_staff_pages=False, workers=1
    ) as shared:
        sent = post(shared, "hokkaido-gas", {**APPLICATION, "applicant": {"name": "瓦斯 花子"}}, key="gas-1")
        assert sent.status_code == 201
        gas_reference = sent.json()["reference"]
        water = create_staff(shared, "water-clerk", "sapporo-water")
        gas = create_staff(shared, "gas-clerk", "hokkaido-gas")
        client = _signed_in(shared, "water-clerk", *water)
        if True:
            home = client.get("/")
            assert home.status_code == 200 and "sapporo-water" in home.text and "hokkaido-gas" not in home.text
            for path in ("/hokkaido-gas/", "/hokkaido-gas/export.csv", f"/hokkaido-gas/applications/{gas_reference}"):
                response = client.get(path)
                assert response.status_code == 404 and "瓦斯" not in response.text, path
            token = re.search(
                r'name="csrfmiddlewaretoken" value="([^"]+)"',
                client.get("/sapporo-water/").text + client.get("/accounts/login/").text,
            ).group(1)
            response = client.post(
                f"/hokkaido-gas/applications/{gas_reference}",
                data={"csrfmiddlewaretoken": token},
                headers={"X-CSRFToken": token},
            )
            assert response.status_code == 404
        client.close()
        client = _signed_in(shared, "gas-clerk", *gas)
        if True:
            assert "瓦斯 花子" in client.get("/hokkaido-gas/").text
            assert client.get("/sapporo-water/").status_code == 404
            detail = client.get(f"/hokkaido-gas/applications/{gas_reference}")
            assert detail.status_code == 200 and "瓦斯 花子" in detail.text
        client.close()


def test_the_staff_sign_in_locks_a_user_name_after_five_failures(guarded):
    """Issue 13, item 3: 5 failures in 15 minutes lock the user name (counted in the database
    cache every worker shares); another user name is not locked."""
    password, _secret = create_staff(guarded, "lock-clerk", "sapporo-water")
    other = create_staff(guarded, "other-clerk", "sapporo-water")
    client = httpx.Client(base_url=guarded.url(""), timeout=10)
    try:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get("/accounts/login/").text).group(1)

        def attempt(username, secret):
            return client.post(
                "/accounts/login/", data={"username": username, "password": secret, "csrfmiddlewaretoken": token}
            )

        for _ in range(5):
            assert attempt("lock-clerk", "wrong").status_code == 200
        locked = attempt("lock-clerk", password)
        assert locked.status_code == 429 and 'id="locked"' in locked.text
        assert client.get("/sapporo-water/").status_code == 302  # not signed in
    finally:
        client.close()
    assert _signed_in(guarded, "other-clerk", *other).get("/sapporo-water/").status_code == 200


def test_createstaff_speaks_of_an_earlier_secret_only_to_an_existing_user(receiver):
    first = receiver.run("createstaff", "clerk-new", "--organisation", "sapporo-water").stdout
    assert "clerk-new created" in first and "earlier secret" not in first
    again = receiver.run("createstaff", "clerk-new", "--organisation", "sapporo-water").stdout
    assert "given a new password" in again and "the earlier secret no longer works" in again


def test_the_sign_in_page_says_how_to_make_a_staff_account(receiver):
    page = httpx.get(receiver.url("/accounts/login/"), timeout=10).text
    assert "hikkoshi receiver createstaff USERNAME --organisation SLUG --data-dir DIR" in page


def test_purge_says_what_it_did_and_refuses_an_organisation_not_served(receiver):
    output = receiver.run("purge", "--organisation", "sapporo-water", "--organisation", "hokkaido-gas").stdout
    for slug in ("sapporo-water", "hokkaido-gas"):
        assert re.search(rf"^{slug}: applications kept \d+ days; \d+ older one\(s\) deleted\.$", output, re.M), output
    with pytest.raises(subprocess.CalledProcessError) as refused:
        receiver.run("purge", "--organisation", "sapporo-water", "--organisation", "osaka-gas")
    assert "No organisation osaka-gas is served" in refused.value.stderr
    assert "osaka-gas" not in receiver.run("purge", "--organisation", "sapporo-water").stdout  # nothing recorded


def test_a_receiver_left_running_stops_with_the_test_process(tmp_path):
    """A test that fails between start and stop leaves no gunicorn behind: the receivers still
    running when the test process ends are stopped then."""
    import sys

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from hikkoshi.receiver.testing import ReceiverProcess\n"
        "r = ReceiverProcess(Path(sys.argv[1]), ['sapporo-water'], workers=1, portal_keys_url='http://127.0.0.1:9/keys.json').start()\n"
        "print(r.port, r.process.pid, flush=True)\n"  # and ends without stopping it
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120, check=True
    )
    port, pid = (int(v) for v in done.stdout.split())
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/sapporo-water/.well-known/receipt-keys.json", timeout=2)
    with pytest.raises(ProcessLookupError):
        import os

        os.kill(pid, 0)
