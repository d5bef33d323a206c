"""The signed interface ``/federation/v1/`` between two portals over real HTTP: this portal
(sapporo) as Django's live server on 127.0.0.1, and a peer (kansai) with its own key calling it
through ``federation.client`` — and, for the attacks, with hand-made requests."""

from datetime import datetime, timedelta, timezone
import json
import time
from types import SimpleNamespace

import httpx
import pytest

from hikkoshi import httpsig
from hikkoshi.conftest import make_organisation
from hikkoshi.directory.constants import Category
from hikkoshi.directory.transfer import replace_portal_copy
from hikkoshi.federation import client, dataset, keys
from hikkoshi.federation.models import Peer
from hikkoshi.tests import signing

from .fakes import FakePeer, Reply, claims, jwk, sign_document

KANSAI = httpsig.generate_key()
KANSAI_KID = "kansai-2026"
STRANGER = httpsig.generate_key()


@pytest.fixture
def portals(live_server, settings, transactional_db):
    settings.HIKKOSHI_PORTAL_URL = live_server.url + "/"
    # At sapporo: kansai is pinned, and its key is trusted (its document verified earlier).
    kansai = Peer.objects.create(
        slug="kansai",
        base_url="http://127.0.0.1:9",
        thumbprints=[httpsig.jwk_thumbprint(KANSAI.public_key())],
        keys=[jwk(KANSAI, KANSAI_KID)],
        areas=["27"],
    )
    # At kansai: sapporo pinned by the thumbprint its operator read out, its document fetched.
    sapporo = Peer.objects.create(
        slug="sapporo", base_url=live_server.url, thumbprints=[keys.current_key().thumbprint], areas=["01"]
    )
    client.refresh_document(sapporo)
    assert sapporo.served_areas == ["01100"] and sapporo.keys
    make_organisation("sapporo-city", Category.CITY_OFFICE, "札幌市役所", ["01100"])
    make_organisation("chuo-ward", Category.WARD_OFFICE, "中央区役所", ["01101"])
    return SimpleNamespace(url=live_server.url, kansai=kansai, sapporo=sapporo)


def ask(portals, path, **options):
    return client.request(portals.sapporo, "GET", path, signing_key=(KANSAI, KANSAI_KID), **options)


def test_the_directory_and_its_etag(portals):
    answer = ask(portals, "directory")
    assert answer.status == 200
    data = answer.json()
    assert data["format"] == "hikkoshi-directory" and data["version"] == 1
    assert {org["slug"] for org in data["organisations"]} == {"sapporo-city", "chuo-ward"}
    assert answer.headers["hikkoshi-portal"] == "sapporo"
    etag = answer.headers["etag"]
    again = ask(portals, "directory", headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    make_organisation("kita-ward", Category.WARD_OFFICE, "北区役所", ["01102"])
    changed = ask(portals, "directory", headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["etag"] != etag


def test_the_directory_speaks_for_this_portal_s_region_only(portals):
    """An organisation this portal ships for the whole country (日本郵便) goes to partners cut to
    this portal's region (01100); one serving only elsewhere is left out. Otherwise a partner
    refuses the whole copy: the areas lie outside the region this portal claims."""
    make_organisation("post", Category.POST, "日本郵便", ["01", "13", "27"])
    make_organisation("osaka-only", Category.WARD_OFFICE, "大阪市北区役所", ["27127"])
    data = ask(portals, "directory").json()
    areas = {org["slug"]: [a["area_code"] for a in org["areas"]] for org in data["organisations"]}
    assert areas == {"sapporo-city": ["01100"], "chuo-ward": ["01101"], "post": ["01100"]}
    result = replace_portal_copy(
        portal="sapporo", name="札幌", served=portals.sapporo.served_areas, etag='"x"', text=json.dumps(data)
    )
    assert result is not None


def test_organisations_by_postcode(portals):
    answer = ask(portals, "organisations", params={"postcode": "060-0042"})
    assert answer.status == 200
    data = answer.json()
    assert data["place"]["municipality_code"].startswith("01101")
    assert {org["name"] for org in data["organisations"]} == {"札幌市役所", "中央区役所"}
    unknown = ask(portals, "organisations", params={"postcode": "0000000"})  # signed errors too
    assert unknown.status == 404 and unknown.headers["content-type"] == "application/problem+json"
    missing = ask(portals, "organisations")
    assert missing.status == 422


def test_a_partner_s_copy_held_here_is_never_served_to_partners(portals):
    """sapporo holds a copy of another portal's directory for Sapporo (a peer serving 01100): its
    own search answers the copy, what it answers over the interface is its own entries only."""
    copy = {
        "format": "hikkoshi-directory",
        "version": 1,
        "organisations": [
            {"slug": "city", "category": "city_office", "name": "札幌市役所（写し）", "areas": [{"area_code": "01100"}]}
        ],
    }
    replace_portal_copy(portal="hokkaido", name="北海道", served=["01100"], etag='"1"', text=json.dumps(copy))
    mine = httpx.get(portals.url + "/api/v1/organisations", params={"postcode": "060-0042"}).json()
    assert {o["name"] for o in mine["organisations"]} == {"札幌市役所（写し）"}  # the copy wins there
    answer = ask(portals, "organisations", params={"postcode": "060-0042"})
    assert answer.status == 200
    assert {org["name"] for org in answer.json()["organisations"]} == {"札幌市役所", "中央区役所"}
    assert {org["origin"]["id"] for org in answer.json()["organisations"]} == {"sapporo"}
    directory = ask(portals, "directory").json()
    assert {org["slug"] for org in directory["organisations"]} == {"sapporo-city", "chuo-ward"}


def test_unknown_paths_and_methods_are_signed_problems_not_500s(portals):
    assert ask(portals, "nothing-here").status == 404
    answer = client.request(portals.sapporo, "POST", "directory", body=b"{}", signing_key=(KANSAI, KANSAI_KID))
    assert answer.status == 405 and answer.headers["content-type"] == "application/problem+json"


# --- attacks: hand-made requests ------------------------------------------------------------------------


def signed(url, *, key=KANSAI, kid=KANSAI_KID, **options):
    return signing.sign_federation_request(method="GET", url=url, private_key=key, key_id=kid, **options)


def refused(portals, url, headers, reason):
    response = httpx.get(url, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 401 and problem["type"].endswith("signature-" + reason)
    # Signed, covering the request (and its signature, where it had one).
    httpsig_keys = {keys.current_key().kid: keys.current_key().key}
    if "signature" in headers:
        signing.verify_federation_answer(
            status=401,
            headers=dict(response.headers),
            body=response.content,
            request_method="GET",
            request_url=url,
            request_headers=headers,
            keys=httpsig_keys,
        )
    else:
        assert '"@method";req' in response.headers["signature-input"]
    return response


def test_a_replayed_request_is_refused_and_logged(portals, caplog):
    url = portals.url + "/federation/v1/directory"
    headers = signed(url)
    assert httpx.get(url, headers=headers).status_code == 200
    with caplog.at_level("INFO", logger="hikkoshi.federation"):
        refused(portals, url, headers, "replayed")
    assert "federation_refused reason=replayed peer=kansai method=GET path=/federation/v1/directory" in caplog.text


def test_a_stale_request_is_refused(portals):
    url = portals.url + "/federation/v1/directory"
    refused(portals, url, signed(url, created=datetime.now(timezone.utc) - timedelta(minutes=6)), "stale")


def test_an_unsigned_request_is_refused_in_the_callers_language(portals):
    url = portals.url + "/federation/v1/directory"
    assert refused(portals, url, {"Accept-Language": "ja"}, "unsigned").json()["title"] == "署名を受け付けられません"
    assert refused(portals, url, {"Accept-Language": "en"}, "unsigned").json()["title"] == "Signature not accepted"


def test_a_tampered_request_is_refused(portals):
    base = portals.url + "/federation/v1/organisations?postcode="
    headers = signed(base + "0600042")
    refused(portals, base + "0640941", headers, "bad-signature")
    # The signature of a portal's answer (another tag) is no request signature either.
    url = portals.url + "/federation/v1/directory"
    answer = signing.sign_federation_answer(
        status=200,
        body=b"",
        content_type="",
        request_method="GET",
        request_url=url,
        request_headers={},
        private_key=KANSAI,
        key_id=KANSAI_KID,
    )
    refused(portals, url, {k: v for k, v in answer.items() if k.startswith("Signature")}, "bad-signature")


def test_an_unknown_key_is_refused(portals):
    url = portals.url + "/federation/v1/directory"
    refused(portals, url, signed(url, key=STRANGER, kid="stranger"), "unknown-key")
    # A stranger's key under kansai's key id does not verify.
    refused(portals, url, signed(url, key=STRANGER), "bad-signature")


def test_over_its_rate_a_peer_gets_429_with_retry_after(portals):
    Peer.objects.filter(slug="kansai").update(rate_per_minute=3)
    url = portals.url + "/federation/v1/directory"
    for _attempt in range(3):
        minute = int(time.time()) // 60
        statuses = [httpx.get(url, headers=signed(url)) for _ in range(4)]
        if int(time.time()) // 60 == minute:
            break  # all four within one minute
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    last = statuses[-1]
    assert 1 <= int(last.headers["retry-after"]) <= 60
    assert last.json()["type"].endswith("too-many-requests")
    assert "signature-input" in last.headers


# --- the client refuses answers that are not the peer's answer to this request ------------------------


def test_the_client_refuses_an_answer_replayed_from_another_request(portals):
    genuine = httpx.get(
        portals.url + "/federation/v1/directory", headers=signed(portals.url + "/federation/v1/directory")
    )
    assert genuine.status_code == 200
    with FakePeer() as fake:
        # A man in the middle answers with sapporo's genuine (signed) answer to another request.
        fake.replies["/federation/v1/directory"] = Reply(
            200, {k: v for k, v in genuine.headers.items() if k.lower() != "content-length"}, genuine.content
        )
        Peer.objects.filter(slug="sapporo").update(base_url=fake.url)
        impostor = Peer.objects.get(slug="sapporo")
        with pytest.raises(client.BadAnswer):
            client.request(impostor, "GET", "directory", signing_key=(KANSAI, KANSAI_KID))
        # And an answer signed by a key sapporo never published.
        body = json.dumps({"format": "hikkoshi-directory", "version": 1, "organisations": []}).encode()
        fake.replies["/federation/v1/directory"] = lambda: Reply(
            200,
            signing.sign_federation_answer(
                status=200,
                body=body,
                content_type="application/json",
                request_method="GET",
                request_url=fake.url + "/federation/v1/directory",
                request_headers={},
                private_key=STRANGER,
                key_id=keys.current_key().kid,
            ),
            body,
        )
        with pytest.raises(client.BadAnswer):
            client.request(impostor, "GET", "directory", signing_key=(KANSAI, KANSAI_KID))
        impostor.refresh_from_db()
        assert impostor.failures == 2


def test_the_data_set_schema_and_its_mapping_are_published_signed(portals):
    answer = ask(portals, "schema")
    assert answer.status == 200 and answer.headers["content-type"] == "application/schema+json"
    published = answer.json()
    assert published == dataset.schema() and published["$id"] == "urn:hikkoshi:federation:moving-data-set:1"
    again = ask(portals, "schema", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status == 304
    mapping = ask(portals, "schema/mapping")
    assert mapping.status == 200 and mapping.json() == dataset.mapping()


def test_the_openapi_document_lists_the_interface(portals):
    response = httpx.get(portals.url + "/federation/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/federation/v1/directory",
        "/federation/v1/organisations",
        "/federation/v1/schema",
        "/federation/v1/schema/mapping",
    } <= set(paths)
    assert "signature-input" in response.headers


def test_a_body_over_the_limit_is_a_signed_413(portals, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    url = portals.url + "/federation/v1/directory"
    body = b"x" * 2000
    headers = signing.sign_federation_request(method="POST", url=url, private_key=KANSAI, key_id=KANSAI_KID, body=body)
    response = httpx.post(url, headers=headers, content=body)
    assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"
    assert "signature-input" in response.headers


def test_a_key_first_seen_in_a_request_is_learnt_from_the_pinned_peers_document(portals):
    osaka_key = httpsig.generate_key()
    with FakePeer() as fake:
        document = sign_document(claims("osaka", current=[jwk(osaka_key, "osaka-1")]), osaka_key, "osaka-1")
        fake.replies["/.well-known/hikkoshi-portal"] = Reply(200, {"Content-Type": "application/jose"}, document)
        Peer.objects.create(
            slug="osaka", base_url=fake.url, thumbprints=[httpsig.jwk_thumbprint(osaka_key.public_key())], areas=["27"]
        )
        url = portals.url + "/federation/v1/directory"
        response = httpx.get(url, headers=signed(url, key=osaka_key, kid="osaka-1"))
        assert response.status_code == 200 and fake.hits == ["/.well-known/hikkoshi-portal"]
        # A key nobody has: the documents were fetched just now, so they are not fetched again.
        refused(portals, url, signed(url, key=STRANGER, kid="stranger"), "unknown-key")
        assert len(fake.hits) == 1


def test_odd_parameters_get_signed_answers_never_a_500(portals):
    odd = ["", "〒０６０ー００４２", "060-0042\x00", "<script>", "9" * 5000, "０", "060 0042", "%", "🏠"]
    for postcode in odd:
        answer = ask(portals, "organisations", params={"postcode": postcode})
        assert answer.status in (200, 404, 422), (postcode, answer.status)
    answer = ask(portals, "organisations", params={"postcode": "0600042", "category": "x" * 300})
    assert answer.status == 422
