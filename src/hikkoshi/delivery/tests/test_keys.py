"""The portal's own signing key, from the settings, and where it publishes it."""

import json
import os
import stat

from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
import pytest

from hikkoshi import httpsig
from hikkoshi.delivery import keys
from hikkoshi.delivery.views import well_known_keys

KEY = httpsig.generate_key()
KID = httpsig.key_id_for(KEY.public_key())


def test_portal_key_from_settings(settings, tmp_path):
    settings.HIKKOSHI_SIGNING_KEY = ""
    settings.HIKKOSHI_SIGNING_KEY_FILE = str(tmp_path / "signing-key.pem")
    settings.HIKKOSHI_SIGNING_KEY_ID = ""
    key = keys.portal_key()
    assert stat.S_IMODE(os.stat(tmp_path / "signing-key.pem").st_mode) == 0o600
    assert keys.portal_key_id() == httpsig.key_id_for(key.public_key())
    assert keys.jwks() == httpsig.make_jwks([(key.public_key(), keys.portal_key_id())])

    pem = httpsig.private_key_to_pem(KEY).decode()
    settings.HIKKOSHI_SIGNING_KEY = pem.replace("\n", "\\n")  # as one line in an environment variable
    settings.HIKKOSHI_SIGNING_KEY_ID = "portal-2026"
    assert keys.portal_key().public_key().public_bytes_raw() == KEY.public_key().public_bytes_raw()
    assert keys.jwks()["keys"][0]["kid"] == "portal-2026"

    settings.HIKKOSHI_SIGNING_KEY = ""
    settings.HIKKOSHI_SIGNING_KEY_FILE = str(tmp_path / "absent.pem")
    settings.HIKKOSHI_SIGNING_KEY_CREATE = False  # as in production
    with pytest.raises(ImproperlyConfigured):
        keys.portal_key()
    settings.HIKKOSHI_SIGNING_KEY = "not a key"
    with pytest.raises(ImproperlyConfigured):
        keys.portal_key()


def test_well_known_keys_view(settings):
    settings.HIKKOSHI_SIGNING_KEY = httpsig.private_key_to_pem(KEY).decode()
    settings.HIKKOSHI_SIGNING_KEY_ID = ""
    response = well_known_keys(RequestFactory().get("/.well-known/hikkoshi-keys.json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == httpsig.make_jwks([(KEY.public_key(), KID)])
    assert well_known_keys(RequestFactory().post("/.well-known/hikkoshi-keys.json")).status_code == 405


def test_the_portal_publishes_its_keys_at_the_well_known_address(client, db):
    response = client.get("/.well-known/hikkoshi-keys.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/")
    published = response.json()["keys"]
    assert published and published[0]["kty"] == "OKP" and published[0]["crv"] == "Ed25519" and "d" not in published[0]
    assert published[0]["kid"] == keys.portal_key_id()
