"""Each organisation's receipt keys (受付票の署名鍵) for the web channel: model, admin, files, reads."""

import json

from django.core.exceptions import ValidationError
from django.utils import translation
import pytest

from hikkoshi import httpsig
from hikkoshi.directory.models import Organisation
from hikkoshi.directory.selectors import receipt_keys_of
from hikkoshi.directory.tests.test_admin import _form
from hikkoshi.directory.transfer import DirectoryImportError, directory_export, directory_import

KEY = httpsig.generate_key()
JWK = httpsig.public_jwk(KEY.public_key(), "water-2026")
OTHER = httpsig.public_jwk(httpsig.generate_key().public_key(), "water-2027")


def org(**fields) -> Organisation:
    return Organisation(slug="water", category="water", name="札幌市水道局", **fields)


@pytest.mark.parametrize("keys", [[], [JWK], [JWK, OTHER], [{k: v for k, v in JWK.items() if k not in ("alg", "use")}]])
def test_valid_receipt_keys(keys):
    org(receipt_keys=keys).full_clean(validate_unique=False)


@pytest.mark.parametrize(
    "keys, text",
    [
        ({"keys": [JWK]}, "list"),
        (["x"], "Key 1"),
        ([JWK, {**JWK, "kty": "RSA"}], "Key 2: Only Ed25519"),
        ([{**JWK, "d": JWK["x"]}], "private key"),
        ([{**JWK, "x": "short"}], "base64url"),
        ([{**JWK, "kid": ""}], "key id"),
        ([JWK, {**OTHER, "kid": JWK["kid"]}], "given twice"),
    ],
)
def test_invalid_receipt_keys(keys, text):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        org(receipt_keys=keys).full_clean(validate_unique=False)
    messages = info.value.message_dict["receipt_keys"]
    assert any(text in m for m in messages), messages


def test_empty_receipt_keys_become_a_list():
    item = org(receipt_keys=None)
    item.full_clean(validate_unique=False)
    assert item.receipt_keys == []


@pytest.mark.django_db
def test_admin_edits_receipt_keys(admin_client):
    response = admin_client.post("/admin/directory/organisation/add/", _form())
    assert response.status_code == 302
    assert Organisation.objects.get(slug="test-gas").receipt_keys == []

    response = admin_client.post(
        "/admin/directory/organisation/add/", _form(slug="test-gas-2", receipt_keys=json.dumps([JWK]))
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Organisation.objects.get(slug="test-gas-2").receipt_keys == [JWK]

    response = admin_client.post(
        "/admin/directory/organisation/add/",
        _form(slug="test-gas-3", receipt_keys=json.dumps([{**JWK, "d": "secret"}])),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert not Organisation.objects.filter(slug="test-gas-3").exists()


def _write(tmp_path, organisations) -> object:
    path = tmp_path / "directory.json"
    path.write_text(
        json.dumps({"format": "hikkoshi-directory", "version": 1, "organisations": organisations}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


BASE = {"slug": "water", "category": "water", "name": "札幌市水道局", "areas": [{"area_code": "01100"}]}


@pytest.mark.django_db
def test_json_import_and_export_carry_receipt_keys(tmp_path):
    directory_import(path=_write(tmp_path, [{**BASE, "receipt_keys": [JWK]}, {**BASE, "slug": "gas"}]))
    assert Organisation.objects.get(slug="water").receipt_keys == [JWK]
    assert Organisation.objects.get(slug="gas").receipt_keys == []

    out = tmp_path / "out.json"
    directory_export(path=out)
    exported = {o["slug"]: o for o in json.loads(out.read_text(encoding="utf-8"))["organisations"]}
    assert exported["water"]["receipt_keys"] == [JWK]
    assert "receipt_keys" not in exported["gas"]  # written only when there are any

    # Absent in the file means none.
    directory_import(path=_write(tmp_path, [BASE]))
    assert Organisation.objects.get(slug="water").receipt_keys == []


@pytest.mark.django_db
def test_json_import_refuses_bad_receipt_keys_and_changes_nothing(tmp_path):
    with translation.override("en"), pytest.raises(DirectoryImportError) as info:
        directory_import(path=_write(tmp_path, [{**BASE, "receipt_keys": [{**JWK, "kty": "RSA"}]}]))
    assert [(e.index, e.field) for e in info.value.errors] == [(0, "receipt_keys")]
    assert "Ed25519" in info.value.errors[0].message
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_csv_leaves_receipt_keys_alone(tmp_path):
    directory_import(path=_write(tmp_path, [{**BASE, "receipt_keys": [JWK]}]))
    path = tmp_path / "directory.csv"
    directory_export(path=path)
    assert "receipt" not in path.read_text(encoding="utf-8-sig")
    directory_import(path=path)
    assert Organisation.objects.get(slug="water").receipt_keys == [JWK]


@pytest.mark.django_db
def test_receipt_keys_of():
    assert receipt_keys_of("water") == ()
    item = Organisation.objects.create(slug="water", category="water", name="札幌市水道局", receipt_keys=[JWK])
    assert receipt_keys_of("water") == (JWK,)
    item.receipt_keys = [JWK, OTHER]
    item.save()
    assert receipt_keys_of("water") == (JWK, OTHER)
    assert receipt_keys_of("nobody") == ()


@pytest.mark.django_db
def test_set_receipt_keys():
    from hikkoshi.directory.services import set_receipt_keys

    Organisation.objects.create(slug="water", category="water", name="札幌市水道局")
    set_receipt_keys(slug="water", keys={"keys": [JWK]})  # a JWK set as a receiver publishes it
    assert receipt_keys_of("water") == (JWK,)
    set_receipt_keys(slug="water", keys=[OTHER])
    assert receipt_keys_of("water") == (OTHER,)
    with pytest.raises(ValidationError):
        set_receipt_keys(slug="water", keys=[{**JWK, "d": "x"}])
    assert receipt_keys_of("water") == (OTHER,)
    with pytest.raises(Organisation.DoesNotExist):
        set_receipt_keys(slug="nobody", keys=[JWK])
