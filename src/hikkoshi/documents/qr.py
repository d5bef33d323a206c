"""The QR code on a printed form: the form's data, signed, for a counter's 書かない窓口 system.

Format, version 1 (``HKS1``)
----------------------------
The QR code (byte mode, error correction M or better) holds one line of ASCII::

    HKS1:<signed>

``<signed>`` is ``django.core.signing.dumps(payload, compress=True,
salt="hikkoshi.documents.qr.v1")``: ``<data>:<timestamp>:<signature>`` where

- ``<data>`` is the payload as compact JSON (Django's ``JSONSerializer``: no spaces,
  non-ASCII characters as ``\\uXXXX``, which compress better than UTF-8 here), zlib-compressed
  when that is shorter, then base64url without padding; compressed data starts with ``.``;
- ``<timestamp>`` is when the code was made: seconds since the Unix epoch in base 62
  (``0-9A-Za-z``);
- ``<signature>`` is base64url (no padding, 43 characters) of
  ``HMAC-SHA256(SHA256(salt + "signer" + KEY), "<data>:<timestamp>")`` — Django's
  ``TimestampSigner`` with ``salt="hikkoshi.documents.qr.v1"``, where ``KEY`` is the
  portal's ``HIKKOSHI_QR_KEY`` setting, or ``SECRET_KEY`` when that is not set.

A counter verifies with ``django.core.signing.loads(<signed>, key=KEY,
salt="hikkoshi.documents.qr.v1")``, with the formula above in any language, or by asking the
portal. A portal that gives municipalities a key sets ``HIKKOSHI_QR_KEY`` to it, so
``SECRET_KEY`` is never shared; ``HIKKOSHI_QR_KEY_FALLBACKS`` keeps old keys valid while a new
one is rolled out. The version lives in the prefix and in the salt: a new layout gets ``HKS2``
and a new salt, and readers of version 1 refuse it.

The payload (short keys keep the code small; dates are ``YYYYMMDD``; absent values are left
out, never null)::

    {"f": "juminido",                 # which form
     "k": "move_in",                  # move_in (転入) | relocation (転居) | move_out (転出)
     "m": "<move id>",                # the portal's public id of the move (UUID text)
     "p": "sapporo-move-in", "pv": 3, # the procedure and its version
     "md": "20250328",                # 異動日 (move date)
     "n": ["0600042", "北海道札幌市中央区大通西1丁目", "01101", "方書"],  # 新住所
     "o": ["1000001", "東京都千代田区千代田1-1", "13101"],               # 旧住所
     "h": "山田太郎",                  # 世帯主 at the new address
     "ps": [["山田太郎", "ヤマダタロウ", "19850305", "世帯主", "male"],  # 異動者: name, kana,
            ["山田花子", "ヤマダハナコ", "19870611", "妻"]],           # birth date, 続柄 to
     "t": "090-1234-5678"}            # the 世帯主 ("" if unknown), 性別 if given; 届出人's phone

An address is ``[postcode, address, municipality code]`` with 方書 as a fourth item when there
is one. ``ps`` starts with the applicant (届出人), who is always one of the persons moving; a
person's fifth item, 性別 (``"male"`` or ``"female"``), is there only when it was given. (Codes
made before 2026-12 had ``"hr"``, a 続柄 of the 世帯主 to the applicant, and 続柄 to the
applicant in ``ps``.) A
form of more than five persons has several sheets; each sheet's code holds that sheet's persons
and ``"sh": [sheet number, sheets]``. Should a sheet's data not fit a QR code at all (very long
addresses and names), the sheet says so where the code would be, and the counter types it in.
"""

from django.conf import settings
from django.core import signing

from hikkoshi.catalogue.constants import OfficialForm

from .data import MoveRecord, ProcedureRecord
from .labels import householder, new_building_line, old_building_line, relationship
from .qrmatrix import Matrix, qr_matrix

PREFIX = "HKS1:"
SALT = "hikkoshi.documents.qr.v1"
ERROR = "m"


class QRInvalid(ValueError):
    """The text is not a version 1 code of this portal, or its signature does not verify."""


def _keys() -> tuple[str | bytes, list[str | bytes]]:
    """The signing key and the older keys still accepted."""
    key = getattr(settings, "HIKKOSHI_QR_KEY", None)
    if key:
        return key, list(getattr(settings, "HIKKOSHI_QR_KEY_FALLBACKS", ()))
    return settings.SECRET_KEY, list(settings.SECRET_KEY_FALLBACKS)


def _day(d) -> str:
    return d.strftime("%Y%m%d")


def form_payload(record: MoveRecord, entry: ProcedureRecord, persons=None, sheet=None) -> dict:
    """The payload of a 住民異動届's code (see the module docstring); with ``persons`` and
    ``sheet`` (number, count), the code of one sheet of a form of several sheets."""
    new = [record.new_address.postcode, record.new_address.address, record.new_address.municipality_code]
    new_building = new_building_line(record, entry)
    if new_building:
        new.append(new_building)
    old = [record.old_address.postcode, record.old_address.address, record.old_address.municipality_code]
    old_building = old_building_line(record, entry)
    if old_building:
        old.append(old_building)
    payload = {
        "f": entry.form or OfficialForm.RESIDENCE_CHANGE.value,
        "k": entry.notification,
        "m": record.id,
        "p": entry.slug,
        "pv": entry.version,
        "md": _day(record.move_date),
        "n": new,
        "o": old,
        "h": householder(record),
        "ps": [_person(record, p) for p in (persons if persons is not None else (record.applicant, *record.members))],
        "t": record.phone,
        "sh": list(sheet) if sheet else None,
    }
    return {k: v for k, v in payload.items() if v not in ("", None)}


def _person(record: MoveRecord, person) -> list[str]:
    item = [person.name, person.name_kana, _day(person.birth_date), relationship(record, person)]
    if person.sex in ("male", "female"):
        item.append(person.sex)
    return item


def qr_encode(payload: dict) -> str:
    """The text of the code: ``HKS1:`` and the signed, compressed payload."""
    return PREFIX + signing.dumps(payload, key=_keys()[0], salt=SALT, compress=True)


def qr_decode(text: str, *, max_age: float | None = None) -> dict:
    """The payload of a code made by :func:`qr_encode`, once its signature is verified.

    Older keys (``HIKKOSHI_QR_KEY_FALLBACKS``, or ``SECRET_KEY_FALLBACKS`` when the code is
    signed with ``SECRET_KEY``) are accepted too, for key rotation. Raises
    :class:`QRInvalid` for another version, a bad signature or an expired code (``max_age``
    seconds).
    """
    text = text.strip()
    if not text.startswith(PREFIX):
        raise QRInvalid("not a version 1 hikkoshi form code")
    key, fallbacks = _keys()
    try:
        payload = signing.loads(
            text[len(PREFIX) :],
            key=key,
            salt=SALT,
            max_age=max_age,  # type: ignore[arg-type]  # seconds as a float work too
            fallback_keys=fallbacks,
        )
    except signing.BadSignature as exc:  # SignatureExpired is one too
        raise QRInvalid(str(exc)) from exc
    if not isinstance(payload, dict):
        raise QRInvalid("payload is not an object")
    return payload


def draw_qr(canvas, code: "str | Matrix", x: float, y: float, size: float) -> int:
    """Draw a code (its text, or its :func:`qr_matrix`) as vector squares, ``size`` points
    wide with its quiet zone of four modules, lower left corner at (x, y); returns the QR
    version.

    The squares are written in module units under one transformation (small integers), one
    rectangle per horizontal run of dark modules: a few kilobytes of page content.
    """
    matrix = qr_matrix(code, ERROR) if isinstance(code, str) else code
    n = len(matrix.rows)
    module = size / (n + 8)
    ops = []
    for r, row in enumerate(matrix.rows):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                ops.append(f"{start} {n - 1 - r} {c - start} 1 re")
            else:
                c += 1
    canvas.saveState()
    canvas.setFillGray(0)
    canvas.transform(module, 0, 0, module, x + 4 * module, y + 4 * module)
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()
    return matrix.version
