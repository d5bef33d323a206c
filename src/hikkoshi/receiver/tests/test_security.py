"""Issue 13, item 3: the receiver's staff sign in with a second factor (TOTP), received
applications are kept only for their organisation's retention time, and are encrypted at rest.

Live ``hikkoshi receiver`` processes on 127.0.0.1, spoken to over HTTP; their database is read
and aged straight in SQL (SQLite's file, or PostgreSQL when the tests run on it)."""

import base64
import csv
from datetime import timedelta
import io
import json
from pathlib import Path
import re
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest

from hikkoshi import httpsig
from hikkoshi.receiver import totp
from hikkoshi.receiver.testing import ReceiverProcess

from .test_receiver import APPLICATION, PORTAL, PORTAL_KID, create_staff, post

# --- TOTP itself (no process) -------------------------------------------------------------------------

RFC6238_SECRET = base64.b32encode(b"12345678901234567890").decode()
# RFC 6238 Appendix B, SHA-1: time → 8-digit TOTP.
RFC6238_VECTORS = {
    59: "94287082",
    1111111109: "07081804",
    1111111111: "14050471",
    1234567890: "89005924",
    2000000000: "69279037",
    20000000000: "65353130",
}


@pytest.mark.parametrize(("at", "expected"), RFC6238_VECTORS.items())
def test_totp_gives_rfc_6238s_test_vectors(at, expected):
    assert totp.hotp(RFC6238_SECRET, totp.time_step(at), digits=8) == expected
    assert totp.code_at(RFC6238_SECRET, at) == expected[-6:]


def test_totp_codes_are_allauths_so_one_app_serves_portal_and_receiver(settings):
    from allauth.mfa.totp.internal import auth

    settings.MFA_TOTP_DIGITS = totp.DIGITS
    settings.MFA_TOTP_PERIOD = totp.PERIOD
    for _ in range(20):
        secret = totp.new_secret()
        step = totp.time_step()
        assert totp.hotp(secret, step) == auth.format_hotp_value(auth.hotp_value(secret, step))


def test_a_code_matches_its_step_and_the_neighbouring_ones_only():
    secret = totp.new_secret()
    now = 1_800_000_000.0
    step = totp.time_step(now)
    for shift in (-1, 0, 1):
        assert totp.matching_step(secret, totp.code_at(secret, now + 30 * shift), now) == step + shift
    assert totp.matching_step(secret, totp.code_at(secret, now + 90), now) is None
    assert totp.matching_step(secret, "12345", now) is None
    assert totp.matching_step(secret, "１２３４５６", now) is None  # full-width digits are not ASCII
    assert totp.matching_step(secret, " ".join(totp.code_at(secret, now)), now) == step  # spaces are ignored
    uri = totp.otpauth_uri(secret, "clerk", "hikkoshi receiver")
    assert uri.startswith("otpauth://totp/hikkoshi%20receiver:clerk?") and f"secret={secret}" in uri


# --- live receivers --------------------------------------------------------------------------------------

pytest_slow = pytest.mark.slow  # the tests with live processes


def _portal_key_file(base: Path) -> Path:
    path = base / "portal-keys.json"
    path.write_text(json.dumps(httpsig.make_jwks([(PORTAL.public_key(), PORTAL_KID)])))
    return path


def sql(process: ReceiverProcess, statement: str, params=()) -> list:
    """Run one statement on the receiver's database (``?`` placeholders)."""
    if process.database:
        import psycopg

        with psycopg.connect(process.database, autocommit=True) as conn:
            cursor = conn.execute(statement.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []
    lite = sqlite3.connect(process.data_dir / "receiver.sqlite3", timeout=10)
    try:
        with lite:
            return lite.execute(statement, params).fetchall()
    finally:
        lite.close()


def age(process, reference: str, days: float) -> None:
    """Make an application look received ``days`` ago (with its notices)."""
    from datetime import datetime, timezone

    when = (datetime.now(timezone.utc) - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")
    if process.database:
        when += "+00:00"  # PostgreSQL: in UTC, as SQLite's column is
    sql(process, "UPDATE receiver_application SET received_at = ? WHERE reference = ?", (when, reference))


def references(process) -> set[str]:
    return {row[0] for row in sql(process, "SELECT reference FROM receiver_application")}


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    base = tmp_path_factory.mktemp("secure")
    with ReceiverProcess(
        base,
        ["sapporo-water", "hokkaido-gas"],
        portal_key_file=_portal_key_file(base),
        open_staff_pages=False,
        workers=1,
        env={"HIKKOSHI_RECEIVER_PURGE_INTERVAL": "1"},
    ) as process:
        yield process


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, text[:500]
    return match.group(1)


def _csrf(client: httpx.Client) -> str:
    return found(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get("/accounts/login/").text)


def _password_step(client, username, password) -> httpx.Response:
    token = _csrf(client)
    return client.post(
        "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token, "next": "/sapporo-water/"},
    )


def _code_step(client, code) -> httpx.Response:
    token = client.cookies.get("hikkoshi_receiver_csrftoken")
    return client.post("/accounts/login/code/", data={"code": code, "csrfmiddlewaretoken": token})


@pytest_slow
def test_sign_in_asks_for_the_authenticator_code_after_the_password(guarded):
    output = guarded.run("createstaff", "totp-clerk", "--organisation", "sapporo-water").stdout
    assert re.search(r"otpauth://totp/hikkoshi%20receiver:totp-clerk\?secret=[A-Z2-7]+&", output)
    password = found(r"Password: (\S+)", output)
    secret = found(r"secret ([A-Z2-7]+)", output)
    with httpx.Client(base_url=guarded.url(""), timeout=10) as client:
        response = _password_step(client, "totp-clerk", password)
        assert response.status_code == 302 and response.headers["location"] == "/accounts/login/code/"
        # The password alone does not sign in.
        assert client.get("/sapporo-water/").status_code == 302
        page = client.get("/accounts/login/code/")
        assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.text
        wrong = f"{(int(totp.code_at(secret)) + 1) % 10**6:06d}"
        response = _code_step(client, wrong)
        assert response.status_code == 200 and 'id="wrong-code"' in response.text
        assert client.get("/sapporo-water/").status_code == 302
        code = totp.code_at(secret)
        response = _code_step(client, code)
        assert response.status_code == 302 and response.headers["location"] == "/sapporo-water/"
        assert client.get("/sapporo-water/").status_code == 200
        assert client.get("/hokkaido-gas/").status_code == 404  # still only its organisation
    # The same code again, by someone who has the password too: refused (used once).
    with httpx.Client(base_url=guarded.url(""), timeout=10) as client:
        assert _password_step(client, "totp-clerk", password).status_code == 302
        response = _code_step(client, code)
        assert response.status_code == 200 and 'id="wrong-code"' in response.text
        assert client.get("/sapporo-water/").status_code == 302
        # The next step's code is still good.
        assert _code_step(client, totp.code_at(secret, time.time() + 30)).status_code == 302
        assert client.get("/sapporo-water/").status_code == 200


@pytest_slow
def test_a_new_secret_replaces_the_old_one(guarded):
    password, old = create_staff(guarded, "renewed-clerk", "sapporo-water")
    password, new = create_staff(guarded, "renewed-clerk", "sapporo-water")
    assert old != new
    with httpx.Client(base_url=guarded.url(""), timeout=10) as client:
        assert _password_step(client, "renewed-clerk", password).status_code == 302
        assert _code_step(client, totp.code_at(old)).status_code == 200
        assert _code_step(client, totp.code_at(new)).status_code == 302


@pytest_slow
def test_wrong_codes_count_towards_the_lockout(guarded):
    password, secret = create_staff(guarded, "code-lock-clerk", "sapporo-water")
    with httpx.Client(base_url=guarded.url(""), timeout=10) as client:
        assert _password_step(client, "code-lock-clerk", password).status_code == 302
        wrong = f"{(int(totp.code_at(secret)) + 5) % 10**6:06d}"
        for _ in range(5):
            assert _code_step(client, wrong).status_code == 200
        locked = _code_step(client, totp.code_at(secret))
        assert locked.status_code == 429 and 'id="locked"' in locked.text
        assert client.get("/sapporo-water/").status_code == 302
        # The password step is locked too, even with the right password.
        response = _password_step(client, "code-lock-clerk", password)
        assert response.status_code == 429


@pytest_slow
def test_a_staff_member_without_an_authenticator_cannot_sign_in(guarded):
    password, _secret = create_staff(guarded, "no-app-clerk", "sapporo-water")
    sql(
        guarded,
        "DELETE FROM receiver_staffsecondfactor WHERE user_id = (SELECT id FROM auth_user WHERE username = ?)",
        ("no-app-clerk",),
    )
    with httpx.Client(base_url=guarded.url(""), timeout=10) as client:
        response = _password_step(client, "no-app-clerk", password)
        assert response.status_code == 403 and 'id="no-second-factor"' in response.text
        assert client.get("/accounts/login/code/").status_code == 302
        assert client.get("/sapporo-water/").status_code == 302


@pytest_slow
def test_the_totp_secret_is_encrypted_at_rest(guarded):
    _password, secret = create_staff(guarded, "secret-clerk", "sapporo-water")
    stored = sql(
        guarded,
        "SELECT secret FROM receiver_staffsecondfactor WHERE user_id = (SELECT id FROM auth_user WHERE username = ?)",
        ("secret-clerk",),
    )[0][0]
    assert stored.startswith("hk2:") and secret not in stored


# --- encryption at rest -------------------------------------------------------------------------------


def _database_bytes(process) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(process.data_dir.glob("receiver.sqlite3*")))


@pytest_slow
def test_a_received_application_is_not_in_the_database_file_in_clear(guarded):
    if guarded.database:
        pytest.skip("reads the SQLite file")
    name = "暗号 化子"
    data = {**APPLICATION, "applicant": {**APPLICATION["applicant"], "name": name, "phone": "099-876-5432"}}
    response = post(guarded, "sapporo-water", data, key="at-rest-1")
    assert response.status_code == 201
    reference = response.json()["reference"]
    stored = _database_bytes(guarded)
    assert stored and b"sapporo-water" in stored  # the file is the one written
    for clear in (name, "099-876-5432", APPLICATION["applicant"]["name_kana"], "千代田"):
        assert clear.encode("utf-8") not in stored, clear
    # The staff's pages and the CSV still read it.
    password, secret = create_staff(guarded, "rest-clerk", "sapporo-water")
    with httpx.Client(base_url=guarded.url(""), timeout=10) as client:
        assert _password_step(client, "rest-clerk", password).status_code == 302
        assert _code_step(client, totp.code_at(secret)).status_code == 302
        assert name in client.get("/sapporo-water/").text
        detail = client.get(f"/sapporo-water/applications/{reference}")
        assert detail.status_code == 200 and "099-876-5432" in detail.text
        rows = list(csv.DictReader(io.StringIO(client.get("/sapporo-water/export.csv").content.decode("utf-8-sig"))))
        row = next(r for r in rows if r["reference"] == reference)
        assert row["applicant_name"] == name and row["applicant.phone"] == "099-876-5432"


@pytest_slow
def test_the_migration_encrypts_existing_rows_in_place(tmp_path):
    """A receiver's database from before (migration 0003), with applications in clear, is
    encrypted in place by the next ``hikkoshi receiver`` command; the pages read it back."""
    process = ReceiverProcess(tmp_path, ["sapporo-water"], portal_key_file=_portal_key_file(tmp_path), workers=1)
    process.data_dir.mkdir(parents=True)
    process._create_database()  # on PostgreSQL when the tests run on it
    try:
        env = {
            **process._env(),
            "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.receiver",
            "HIKKOSHI_RECEIVER_DATA_DIR": str(process.data_dir),
        }
        subprocess.run(
            [sys.executable, "-m", "django", "migrate", "receiver", "0003", "--verbosity", "0"],
            env=env,
            check=True,
            timeout=120,
        )
        name = "移行 前子"
        data = {**APPLICATION, "applicant": {"name": name, "phone": "011-000-1234"}}
        sql(
            process,
            "INSERT INTO receiver_application (organisation, reference, idempotency_key, content_digest, data,"
            " procedure, applicant_name, key_id, signed_at, received_at, receipt, processed_at, withdrawn_at)"
            " VALUES ('sapporo-water', 'SAPPORO-WATER-20260101-000001', 'old-1', 'sha-256=:x:', ?, '水道', ?, 'k',"
            " '2026-01-01 00:00:00', ?, '{}', NULL, NULL)",
            (json.dumps(data, ensure_ascii=False), name, time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())),
        )
        if not process.database:
            assert name.encode() in _database_bytes(process)
        process.run("purge", "--organisation", "sapporo-water")  # migrates, then purges nothing (a new row)
        stored = sql(process, "SELECT data, applicant_name FROM receiver_application")
        assert len(stored) == 1 and all(v.startswith("hk1:") for v in stored[0])
        if not process.database:  # nor left behind in the file's free pages or its log
            assert name.encode() not in _database_bytes(process)
        process.start()
        csv_text = httpx.get(process.url("/sapporo-water/export.csv")).content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(csv_text)))
        assert [(r["applicant_name"], r["applicant.phone"]) for r in rows] == [(name, "011-000-1234")]
        # Column-bound as the migration left them (hk1): rotation binds them to their row (hk2).
        process.run("rotate", "--organisation", "sapporo-water")
        [stored] = sql(process, "SELECT data, applicant_name FROM receiver_application")
        assert all(v.startswith("hk2:") for v in stored)
        csv_text = httpx.get(process.url("/sapporo-water/export.csv")).content.decode("utf-8-sig")
        assert [r["applicant_name"] for r in csv.DictReader(io.StringIO(csv_text))] == [name]
    finally:
        process.stop()


# --- retention --------------------------------------------------------------------------------------------


@pytest_slow
def test_purge_deletes_exactly_the_applications_older_than_their_organisation_keeps_them(tmp_path):
    base = tmp_path
    with ReceiverProcess(
        base,
        ["sapporo-water", "hokkaido-gas"],
        portal_key_file=_portal_key_file(base),
        workers=1,
        env={"HIKKOSHI_RECEIVER_PURGE_INTERVAL": "0"},
    ) as process:
        sent = {}
        for slug, key in [("sapporo-water", f"w{n}") for n in range(4)] + [
            ("hokkaido-gas", "g0"),
            ("hokkaido-gas", "g1"),
        ]:
            response = post(process, slug, key=key)
            assert response.status_code == 201
            sent[key] = response.json()["reference"]
        withdrawal = {
            "format": "hikkoshi.withdrawal/1",
            "application": {"reference": sent["w0"], "idempotency_key": "w0"},
        }
        assert post(process, "sapporo-water", withdrawal, key="w0-withdrawn").status_code == 201
        age(process, sent["w0"], 31)  # older than water's 30 days: goes, with its withdrawal
        age(process, sent["w1"], 31)  # goes
        age(process, sent["w2"], 29)  # stays
        age(process, sent["g0"], 31)  # gas keeps 90 days (the default): stays
        age(process, sent["g1"], 91)  # goes
        purged_token = sql(process, "SELECT data FROM receiver_application WHERE reference = ?", (sent["w1"],))[0][0]
        output = process.run(
            "purge",
            "--organisation",
            "sapporo-water",
            "--organisation",
            "hokkaido-gas",
            "--retention-days",
            "sapporo-water=30",
        ).stdout
        assert "sapporo-water: applications kept 30 days; 2 older one(s) deleted." in output
        assert "hokkaido-gas: applications kept 90 days; 1 older one(s) deleted." in output
        assert references(process) == {sent["w2"], sent["w3"], sent["g0"]}
        assert sql(process, "SELECT COUNT(*) FROM receiver_notice")[0][0] == 0
        if not process.database:  # SQLite overwrites what it deletes (secure_delete)
            assert purged_token.encode() not in _database_bytes(process)
        # The staff pages say how long data is kept.
        page = httpx.get(process.url("/sapporo-water/"))
        assert re.search(r'id="retention">[^<]*30', page.text)
        assert re.search(r'id="retention">[^<]*90', httpx.get(process.url("/hokkaido-gas/")).text)
        # A purge without --retention-days keeps what was set.
        age(process, sent["w2"], 30.5)
        assert "kept 30 days; 1 older" in process.run("purge", "--organisation", "sapporo-water").stdout
        assert references(process) == {sent["w3"], sent["g0"]}


@pytest_slow
def test_the_running_receiver_purges_on_a_timer(guarded):
    response = post(guarded, "hokkaido-gas", key="timer-1")
    assert response.status_code == 201
    old = response.json()["reference"]
    kept = post(guarded, "hokkaido-gas", key="timer-2").json()["reference"]
    age(guarded, old, 90.01)
    age(guarded, kept, 89.9)
    deadline = time.monotonic() + 15
    while old in references(guarded) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert old not in references(guarded)
    assert kept in references(guarded)


@pytest_slow
def test_rotate_encrypts_everything_again_with_the_first_data_key(tmp_path):
    from hikkoshi.encryption import crypto

    old, new = crypto.new_key_line("old-key"), crypto.new_key_line("new-key")
    process = ReceiverProcess(
        tmp_path,
        ["sapporo-water"],
        portal_key_file=_portal_key_file(tmp_path),
        workers=1,
        env={"HIKKOSHI_RECEIVER_DATA_KEYS": old},
    )
    with process:
        reference = post(process, "sapporo-water", key="rotate-1").json()["reference"]
        create_staff(process, "rotate-clerk", "sapporo-water")
        process.stop(keep_data=True)
        process.extra_env["HIKKOSHI_RECEIVER_DATA_KEYS"] = f"{new},{old}"
        assert (
            "encrypted again with the data key 'new-key'"
            in process.run("rotate", "--organisation", "sapporo-water").stdout
        )
        tokens = [
            *sql(process, "SELECT data, applicant_name FROM receiver_application"),
            *sql(process, "SELECT secret FROM receiver_staffsecondfactor"),
        ]
        assert tokens and all(crypto.token_kid(t) == "new-key" for row in tokens for t in row)
        # Without the old key, everything still reads.
        process.extra_env["HIKKOSHI_RECEIVER_DATA_KEYS"] = new
        process.start()
        rows = list(
            csv.DictReader(io.StringIO(httpx.get(process.url("/sapporo-water/export.csv")).content.decode("utf-8-sig")))
        )
        assert [(r["reference"], r["applicant_name"]) for r in rows] == [(reference, APPLICATION["applicant"]["name"])]
        # Bound to its row: an applicant's name copied into another application does not decrypt
        # there (the export fails rather than show one applicant's name for another).
        other = post(process, "sapporo-water", key="rotate-2").json()["reference"]
        [(token,)] = sql(process, "SELECT applicant_name FROM receiver_application WHERE reference = ?", (reference,))
        sql(process, "UPDATE receiver_application SET applicant_name = ? WHERE reference = ?", (token, other))
        assert httpx.get(process.url("/sapporo-water/export.csv")).status_code == 500
