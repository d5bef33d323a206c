"""The signed QR code of a form: format, verification, size, and the matrix itself."""

from dataclasses import replace
from datetime import date
import random
import shutil
import string
import subprocess

from django.core import signing
import pytest
import segno

from hikkoshi.documents.data import Person
from hikkoshi.documents.qr import PREFIX, QRInvalid, form_payload, qr_decode, qr_encode
from hikkoshi.documents.qrmatrix import _across, _pack, penalty, qr_matrix
from hikkoshi.documents.samples import sample_move


def move_in(record):
    return next(e for e in record.procedures if e.notification == "move_in")


def test_round_trip():
    record = sample_move()
    payload = form_payload(record, move_in(record))
    text = qr_encode(payload)
    assert text.startswith("HKS1:") and text.isascii()
    assert qr_decode(text) == payload
    assert payload["k"] == "move_in" and payload["md"] == "20250328"
    assert payload["ps"][0] == ["札幌 太郎", "サッポロ タロウ", "19850305", "世帯主", "male"]
    assert payload["n"][3] == "大通パークマンション1203号室"  # 方書
    assert payload["h"] == "札幌 太郎" and "hr" not in payload
    assert payload["ps"][1][3:] == ["妻", "female"]
    assert payload["ps"][2][3:] == ["子"]  # 性別 not given: no fifth item
    assert [p[0] for p in payload["ps"]] == ["札幌 太郎", "札幌 花子", "札幌 一郎"]


def test_the_form_is_named_as_counters_read_it():
    """``"f"`` is a data format the counters parse: 住民異動届 is ``"juminido"``, a plain string,
    also for a procedure stored without its form."""
    record = sample_move()
    entry = move_in(record)
    for procedure in (entry, replace(entry, form="")):
        payload = form_payload(record, procedure)
        assert payload["f"] == "juminido" and type(payload["f"]) is str
        assert qr_decode(qr_encode(payload))["f"] == "juminido"


def test_decoding_is_plain_django_signing():
    """A counter needs nothing but Django (or the documented HMAC) and the key."""
    payload = {"k": "move_out"}
    text = qr_encode(payload)
    assert signing.loads(text[len(PREFIX) :], salt="hikkoshi.documents.qr.v1") == payload


def test_signature_is_the_documented_hmac(settings):
    """The formula in qr.py's docstring, for counters that do not run Django."""
    import base64
    import hashlib
    import hmac
    import json
    import zlib

    text = qr_encode({"k": "move_in", "ps": [["札幌 太郎", "サッポロ タロウ", "19850305", ""]]})
    data, stamp, signature = text[len(PREFIX) :].split(":")
    key = hashlib.sha256(("hikkoshi.documents.qr.v1" + "signer" + settings.SECRET_KEY).encode()).digest()
    mac = hmac.new(key, f"{data}:{stamp}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(mac).rstrip(b"=").decode() == signature
    raw = data[1:] if data.startswith(".") else data
    decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    if data.startswith("."):
        decoded = zlib.decompress(decoded)
    assert json.loads(decoded)["ps"][0][0] == "札幌 太郎"


def test_tampered_payload_fails():
    text = qr_encode(form_payload(sample_move(), move_in(sample_move())))
    data, stamp, signature = text[len(PREFIX) :].split(":")
    other = qr_encode({"k": "move_out"})[len(PREFIX) :].split(":")[0]
    with pytest.raises(QRInvalid):
        qr_decode(f"{PREFIX}{other}:{stamp}:{signature}")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    with pytest.raises(QRInvalid):
        qr_decode(f"{PREFIX}{data}:{stamp}:{flipped}")


def test_other_versions_and_keys_are_refused(settings):
    text = qr_encode({"k": "move_in"})
    with pytest.raises(QRInvalid):
        qr_decode("HKS2:" + text[len(PREFIX) :])
    with pytest.raises(QRInvalid):
        qr_decode(text[len(PREFIX) :])
    # Signed with another salt (another version of the format): refused.
    with pytest.raises(QRInvalid):
        qr_decode(PREFIX + signing.dumps({"k": "move_in"}, salt="hikkoshi.documents.qr.v2"))
    settings.SECRET_KEY = "another-portal"
    with pytest.raises(QRInvalid):
        qr_decode(text)


def test_dedicated_key_and_rotation(settings):
    settings.HIKKOSHI_QR_KEY = "shared-with-the-municipality"
    text = qr_encode({"k": "move_in"})
    assert qr_decode(text) == {"k": "move_in"}
    settings.HIKKOSHI_QR_KEY = "next-year"
    with pytest.raises(QRInvalid):
        qr_decode(text)
    settings.HIKKOSHI_QR_KEY_FALLBACKS = ["shared-with-the-municipality"]
    assert qr_decode(text) == {"k": "move_in"}


def test_expired_code_fails_with_max_age():
    text = qr_encode({"k": "move_in"})
    assert qr_decode(text, max_age=60) == {"k": "move_in"}
    with pytest.raises(QRInvalid):
        qr_decode(text, max_age=-1)


def long_household():
    """Five persons with long names and kana, long addresses and a long 方書."""
    names = [
        ("長谷川五郎左衛門太郎", "ハセガワゴロウザエモンタロウ", ""),
        ("長谷川五郎左衛門花子", "ハセガワゴロウザエモンハナコ", "妻"),
        ("長谷川五郎左衛門一郎", "ハセガワゴロウザエモンイチロウ", "子"),
        ("長谷川五郎左衛門二郎", "ハセガワゴロウザエモンジロウ", "子"),
        ("長谷川五郎左衛門三郎", "ハセガワゴロウザエモンサブロウ", "子"),
    ]
    people = [Person(n, k, date(1980 + 7 * i, 1 + i, 10 + i), r) for i, (n, k, r) in enumerate(names)]
    record = sample_move()
    record = replace(
        record,
        applicant=people[0],
        members=tuple(people[1:]),
        new_address=replace(record.new_address, address="北海道札幌市中央区大通西十一丁目四番地二十二号"),
        old_address=replace(
            record.old_address, address="東京都千代田区千代田一丁目一番一号千代田レジデンス東館一〇一号室"
        ),
    )
    entry = move_in(record)
    fields = tuple(
        replace(f, value="グランドメゾン大通公園サウスタワー二十三階二三〇四号室") if f.name == "katagaki" else f
        for f in entry.fields
    )
    return record, replace(entry, fields=fields)


def test_a_household_of_five_with_long_names_fits_comfortably():
    record, entry = long_household()
    text = qr_encode(form_payload(record, entry))
    code = segno.make_qr(text, error="m", boost_error=False)
    # Version 25 at M holds 1,370 bytes; the form prints the code 40 mm wide, so modules of
    # version 25 (117 + 8 modules with the quiet zone) are 0.32 mm: within what counter
    # scanners read. Keep well below the largest version (40: 2,331 bytes at M).
    assert len(text) < 900, len(text)
    assert code.version <= 25, code.version
    assert 40 / (code.version * 4 + 17 + 8) >= 0.3


def random_texts(n=60, seed=20250401):
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "-_.:"
    lengths = [1, 7, 20, 60, 150, 300, 500, 700, 1000, 1400]
    return ["".join(rng.choice(alphabet) for _ in range(rng.choice(lengths))) for _ in range(n)]


@pytest.mark.parametrize("error", ["m", "l", "h"])
def test_matrix_is_exactly_segnos(error):
    """Our faster mask choice gives segno's (ISO/IEC 18004) matrix, module for module."""
    record, entry = long_household()
    texts = random_texts() + [qr_encode(form_payload(record, entry)), "x"]
    for text in texts:
        try:
            theirs = segno.make_qr(text, error=error)
        except segno.DataOverflowError:
            with pytest.raises(segno.DataOverflowError):
                qr_matrix(text, error)
            continue
        ours = qr_matrix(text, error)
        # (the error level is in the format information, so in the modules compared below)
        assert (ours.version, ours.mask) == (theirs.version, theirs.mask), len(text)
        assert [bytes(r) for r in ours.rows] == [bytes(r) for r in theirs.matrix], len(text)


def test_the_penalty_score_is_segnos_on_any_matrix():
    """The score on packed rows and columns is segno's ``evaluate_mask`` (N1 + N2 + N3 + N4),
    on random matrices of every QR size with finder-like patterns (1011101) and long runs put at
    random places, the rows' ends and across two rows included: a mask choice can hide an
    error in one score, the score itself cannot."""
    rng = random.Random(20261204)
    for _ in range(300):
        n = rng.choice(range(21, 178, 4))
        rows = [bytearray(rng.random() < rng.choice([0.2, 0.5, 0.8]) for _ in range(n)) for _ in range(n)]
        for _ in range(rng.randrange(0, 3 * n)):
            row, col = rng.randrange(n), rng.randrange(n)
            piece = rng.choice([b"\x01\x00\x01\x01\x01\x00\x01", b"\x00" * rng.randrange(4, 12), b"\x01" * 6])
            rows[row][col : col + len(piece)] = piece[: n - col]
        if rng.random() < 0.5:  # the same along columns
            rows = [bytearray(col) for col in zip(*rows)]
        ints = [int(bytes(r).translate(bytes.maketrans(b"\x00\x01", b"01")), 2) for r in rows]
        assert penalty(_pack(ints, n), _pack(_across(ints, n), n), n) == segno.encoder.evaluate_mask(
            tuple(rows), n, n
        ), n


ZBAR = shutil.which("zbarimg") and shutil.which("pdftoppm")


@pytest.mark.skipif(
    not ZBAR, reason="decoding the printed code needs zbarimg (Debian package zbar-tools) and pdftoppm (poppler-utils)"
)
def test_printed_code_scans_and_verifies(tmp_path):
    from hikkoshi.documents.services import render_residence_change_form

    record = sample_move()
    entry = move_in(record)
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(render_residence_change_form(record, entry))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    png = next(tmp_path.glob("page*.png"))
    out = subprocess.run(
        ["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)], capture_output=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert qr_decode(out.stdout.decode().strip()) == form_payload(record, entry)
