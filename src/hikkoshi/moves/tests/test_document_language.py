"""The mover's documents come in the language of the request, through the pages and the API."""

import json

from hikkoshi.documents.tests import pdftools
from hikkoshi.documents.tests.pdftools import needs_poppler
from hikkoshi.moves.models import Move

from .conftest import sapporo_relocation

pytestmark = needs_poppler


def _submitted(api) -> Move:
    response = api.post("/api/v1/moves", json.dumps(sapporo_relocation()), content_type="application/json")
    assert response.status_code == 201, response.content
    return Move.objects.get(public_id=response.json()["id"])


def test_the_api_gives_english_documents_to_an_english_request(api, sapporo):
    move = _submitted(api)
    url = f"/api/v1/moves/{move.public_id}/documents/"
    english = pdftools.text(api.get(url + "result.pdf", HTTP_ACCEPT_LANGUAGE="en").content)
    japanese = pdftools.text(api.get(url + "result.pdf", HTTP_ACCEPT_LANGUAGE="ja").content)
    assert "Application result" in english and "申請結果" not in english
    assert "申請結果" in japanese and "Application result" not in japanese
    copy = pdftools.text(api.get(url + "copy.pdf", HTTP_ACCEPT_LANGUAGE="en").content)
    assert "Your copy of the application" in copy


def test_the_pages_give_english_documents_in_english(client, api, sapporo, mover):
    move = _submitted(api)
    del client.defaults["HTTP_AUTHORIZATION"]
    client.force_login(mover)
    url = f"/moves/{move.public_id}/documents/form-sapporo-move-in.pdf"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    assert "住民異動届" in pdftools.text(english.content, page=1)  # the official form
    assert "What to bring and where to go" in pdftools.text(english.content, page=2)
    japanese = client.get(url, HTTP_ACCEPT_LANGUAGE="ja")
    assert "持ち物・届出先" in pdftools.text(japanese.content, page=2)
