"""Sign-in between partner portals (OpenID Connect, ``federation.signin``).

Live: sapporo (this test's live server, the origin and its provider) hands a mover's move over
to kansai (``hikkoshi serve`` in a child process, its own database and keys); the mover, signed
in at kansai, signs in through sapporo's provider (code flow, PKCE S256) and claims it. Another
person, or nobody signed in there, is refused. Then the settings and the rules one by one."""

from datetime import timedelta
import io
import re
from urllib.parse import parse_qs, urlsplit

from allauth.idp.oidc.models import Client as OIDCClient
from allauth.socialaccount import app_settings as social_settings
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client, RequestFactory
import httpx
import pytest

from hikkoshi import httpsig
from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401 (a fixture: the shipped data)
from hikkoshi.federation import handoffs, signin
from hikkoshi.federation.models import OutgoingState, PairwiseSubject, Peer
from hikkoshi.moves.tests.conftest import mover  # noqa: F401 (a fixture)
from hikkoshi.moves.tests.test_pages import signed_in  # noqa: F401 (a fixture)

from .test_dataset import _submitted
from .test_handoffs import ITEMS
from .test_two_portals import _kansai, kansai  # noqa: F401 (a fixture: kansai, a live portal)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _kansai_account(env, email: str) -> httpx.Client:
    """A mover's own account at kansai, signed in there: a browser holding its session."""
    key = (
        _kansai(
            env,
            "manage",
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY\n"
            "from django.contrib.sessions.backends.db import SessionStore\n"
            f"u = get_user_model().objects.create_user({email!r}, {email!r}, 'pw-for-tests-1')\n"
            "s = SessionStore()\n"
            "s[SESSION_KEY], s[BACKEND_SESSION_KEY] = str(u.pk), 'django.contrib.auth.backends.ModelBackend'\n"
            "s[HASH_SESSION_KEY] = u.get_session_auth_hash()\n"
            "s.create()\n"
            "print('session', s.session_key)",
        )
        .splitlines()[-1]
        .split()[-1]
    )
    return httpx.Client(cookies={"sessionid": key}, timeout=30)


def _kansai_shell(env, code: str) -> list[str]:
    """``code`` run in kansai's shell: the lines it printed."""
    return [line for line in _kansai(env, "manage", "shell", "-c", code).splitlines() if line.strip()]


def _kansai_owners(env) -> list[int]:
    """The owners of the moves at kansai, oldest first."""
    lines = _kansai_shell(
        env,
        "from hikkoshi.moves.models import Move\n"
        "print('owners', *Move.objects.order_by('pk').values_list('owner_id', flat=True))",
    )
    return [int(pk) for pk in lines[-1].split()[1:]]


def _kansai_accounts(env) -> list[str]:
    """kansai's social accounts: ``account <provider> <user pk> <usable password> <e-mail> <staff>``."""
    lines = _kansai_shell(
        env,
        "from allauth.socialaccount.models import SocialAccount\n"
        "for a in SocialAccount.objects.order_by('pk'):\n"
        "    u = a.user\n"
        "    print('account', a.provider, u.pk, u.has_usable_password(), repr(u.email), u.is_staff)",
    )
    return [line for line in lines if line.startswith("account ")]


def _post_form(browser: httpx.Client, page: httpx.Response, url: str, **fields) -> httpx.Response:
    token = CSRF.search(page.text)
    assert token, page.text[:500]
    return browser.post(url, data={"csrfmiddlewaretoken": token.group(1), **fields})


def _sign_in_through_sapporo(
    browser: httpx.Client, kansai_url: str, claim: str, at_sapporo: Client, *, page_path: str = ""
) -> httpx.Response:
    """The claim page's (or ``page_path``'s) sign-in button at kansai, sapporo's provider (where
    ``at_sapporo`` is signed in), back to kansai's callback: kansai's answer to the callback."""
    page = browser.get(kansai_url + (page_path or claim))
    assert page.status_code == 200 and 'action="/accounts/oidc/sapporo/login/"' in page.text
    fields = {"process": "login", "next": claim} if claim else {"process": "login"}
    started = _post_form(browser, page, kansai_url + "/accounts/oidc/sapporo/login/", **fields)
    assert started.status_code == 302, started.text[:500]
    authorize = urlsplit(started.headers["location"])
    query = parse_qs(authorize.query)
    # The code flow with PKCE S256, asking for the subject only, as the client kansai.
    assert query["response_type"] == ["code"] and query["code_challenge_method"] == ["S256"]
    assert query["client_id"] == ["kansai"] and query["scope"] == ["openid"] and query["code_challenge"][0]
    answered = at_sapporo.get(authorize.path + "?" + authorize.query)
    assert answered.status_code == 302, answered.content[:500]
    back = answered["Location"]
    assert back.startswith(kansai_url + "/accounts/oidc/sapporo/login/callback/?") and "code=" in back
    return browser.get(back)


@pytest.mark.slow
def test_a_mover_signs_in_at_kansai_through_sapporo_and_claims_the_hand_over(
    kansai, sapporo, signed_in, mover, settings, django_user_model
):
    url, thumbprint, env, _server = kansai
    out = io.StringIO()
    call_command("federation", "peer", "add", "kansai", url, f"--thumbprint={thumbprint}", "--areas", "27", stdout=out)
    # sapporo registered kansai as a public client of its provider, and kansai's provider here.
    assert f"Registered OpenID Connect client kansai (redirect {url}/accounts/oidc/sapporo/login/callback/)" in (
        out.getvalue()
    )
    assert f"Registered sign-in through its provider {url}." in out.getvalue()
    peer = Peer.objects.get(slug="kansai")
    move = _submitted(signed_in)
    outgoing = handoffs.offer_handoff(move, peer, ITEMS, mover)
    assert outgoing.state == OutgoingState.SENT
    claim = urlsplit(outgoing.payload["continue_url"]).path
    assert outgoing.subject != str(mover.pk) and len(outgoing.subject) >= 40

    # sapporo's operator rotates SECRET_KEY meanwhile: subjects do not change with it.
    settings.SECRET_KEY_FALLBACKS = [django_settings.SECRET_KEY]
    settings.SECRET_KEY = "rotated-" + "x" * 50
    assert handoffs.pairwise_subject(mover, peer) == outgoing.subject

    # Somebody else at kansai, holding the URL: not signed in through sapporo, no claim.
    stranger = _kansai_account(env, "stranger@example.jp")
    page = stranger.get(url + claim)
    assert page.status_code == 200 and "/accounts/oidc/sapporo/login/" in page.text
    tried = _post_form(stranger, page, url + claim)
    assert tried.status_code == 302 and tried.headers["location"] == claim
    # …nor after signing in at sapporo as another person: sapporo names them otherwise.
    other = get_user_model().objects.create_user("other@example.jp", "other@example.jp", "pw-for-tests")
    at_sapporo_as_other = Client()
    at_sapporo_as_other.force_login(other)
    back = _sign_in_through_sapporo(stranger, url, claim, at_sapporo_as_other)
    assert back.status_code == 302 and back.headers["location"] == claim
    assert stranger.get(url + claim).status_code == 403
    assert _post_form(stranger, page, url + claim).status_code == 403
    assert handoffs.remote_state(outgoing) == "offered"

    # A staff account of sapporo is never entered through a peer: kansai gets no token for it.
    staff = get_user_model().objects.create_user("staff@example.jp", "staff@example.jp", "pw-for-tests", is_staff=True)
    at_sapporo_as_staff = Client()
    at_sapporo_as_staff.force_login(staff)
    visitor = _kansai_account(env, "visitor@example.jp")
    back = _sign_in_through_sapporo(visitor, url, claim, at_sapporo_as_staff)
    assert back.headers.get("location") != claim
    assert "/accounts/oidc/sapporo/login/" in visitor.get(url + claim).text  # still no subject

    # The mover, with an account of their own at kansai, signs in there through sapporo.
    browser = _kansai_account(env, "mover-at-kansai@example.jp")
    back = _sign_in_through_sapporo(browser, url, claim, signed_in)
    assert back.status_code == 302 and back.headers["location"] == claim
    page = browser.get(url + claim)
    assert page.status_code == 200 and "/accounts/oidc/" not in page.text
    claimed = _post_form(browser, page, url + claim)
    assert claimed.status_code == 302 and re.fullmatch(r"/moves/[^/]+/places/", claimed.headers["location"])
    assert handoffs.remote_state(outgoing) == "claimed"
    # kansai linked nothing and made no account: the sign-in only proved who the mover is.
    counted = _kansai(
        env,
        "manage",
        "shell",
        "-c",
        "from allauth.socialaccount.models import SocialAccount\n"
        "from django.contrib.auth import get_user_model\n"
        "print('counted', SocialAccount.objects.count(), get_user_model().objects.count())",
    )
    assert counted.splitlines()[-1].split() == ["counted", "0", "3"]

    # A mover with no account at kansai: the URL, sapporo's sign-in, and kansai signs them in to
    # an account of their own (made now, nothing asked), back to the claim, the wizard pre-filled.
    claim = urlsplit(handoffs.offer_handoff(move, peer, ITEMS, mover).payload["continue_url"]).path
    arriving = httpx.Client(timeout=30)
    page = arriving.get(url + claim)
    assert page.status_code == 200 and "のアカウントで続ける" in page.text
    back = _sign_in_through_sapporo(arriving, url, claim, signed_in)
    assert back.status_code == 302 and back.headers["location"] == claim, back.text[:500]
    claimed = _post_form(arriving, arriving.get(url + claim), url + claim)
    assert claimed.status_code == 302 and re.fullmatch(r"/moves/[^/]+/places/", claimed.headers["location"])
    wizard = arriving.get(url + claimed.headers["location"])
    assert wizard.status_code == 200 and "北24条西6丁目" in wizard.text  # signed in, the new address filled in
    first_owner = _kansai_owners(env)[-1]

    # Somebody else at sapporo, with that mover's next URL: their own account at kansai, no claim.
    claim = urlsplit(handoffs.offer_handoff(move, peer, ITEMS, mover).payload["continue_url"]).path
    someone = httpx.Client(timeout=30)
    back = _sign_in_through_sapporo(someone, url, claim, at_sapporo_as_other)
    assert back.status_code == 302 and back.headers["location"] == claim
    assert someone.get(url + claim).status_code == 403
    assert someone.post(url + claim).status_code in (403, 302)  # no CSRF token: refused either way
    assert handoffs.remote_state(outgoing) == "claimed"
    # The mover's second hand-over: the same account at kansai as the first time.
    again = httpx.Client(timeout=30)
    assert _sign_in_through_sapporo(again, url, claim, signed_in).headers["location"] == claim
    assert _post_form(again, again.get(url + claim), url + claim).status_code == 302
    owners = _kansai_owners(env)
    # The two claims made with an account already there and with none: two accounts, no third.
    assert owners[-1] == first_owner and len(set(owners)) == 2
    accounts = _kansai_accounts(env)
    assert [line.split()[0:2] + line.split()[3:] for line in accounts] == [
        ["account", "sapporo", "False", "''", "False"],
        ["account", "sapporo", "False", "''", "False"],
    ]
    assert accounts[0].split()[2] == str(first_owner) and accounts[1].split()[2] != str(first_owner)

    # Later, from kansai's sign-in page: the same account again; somebody without one gets none.
    later = httpx.Client(timeout=30)
    back = _sign_in_through_sapporo(later, url, "", signed_in, page_path="/accounts/login/")
    assert back.status_code == 302 and later.get(url + "/accounts/email/").status_code == 200
    nobody = httpx.Client(timeout=30)
    unknown = get_user_model().objects.create_user("unknown@example.jp", "unknown@example.jp", "pw-for-tests")
    at_sapporo_as_unknown = Client()
    at_sapporo_as_unknown.force_login(unknown)
    _sign_in_through_sapporo(nobody, url, "", at_sapporo_as_unknown, page_path="/accounts/login/")
    assert nobody.get(url + "/accounts/email/").status_code == 302  # not signed in
    assert len(_kansai_owners(env)) == 3 and len(_kansai_accounts(env)) == 2

    # A staff account at kansai is never reached through a peer, even linked to a sapporo subject.
    third = get_user_model().objects.create_user("third@example.jp", "third@example.jp", "pw-for-tests")
    _kansai_shell(
        env,
        "from allauth.socialaccount.models import SocialAccount\n"
        "from django.contrib.auth import get_user_model\n"
        "u = get_user_model().objects.create_user('kansai-staff@example.jp', 'kansai-staff@example.jp', "
        "'pw-for-tests-1', is_staff=True)\n"
        f"SocialAccount.objects.create(user=u, provider='sapporo', uid={handoffs.pairwise_subject(third, peer)!r})",
    )
    at_sapporo_as_third = Client()
    at_sapporo_as_third.force_login(third)
    intruder = httpx.Client(timeout=30)
    claim = urlsplit(handoffs.offer_handoff(move, peer, ITEMS, mover).payload["continue_url"]).path
    back = _sign_in_through_sapporo(intruder, url, claim, at_sapporo_as_third)
    assert back.status_code == 302 and back.headers["location"] == claim
    page = intruder.get(url + claim)
    assert page.status_code == 200 and "/accounts/oidc/sapporo/login/" in page.text  # still nobody
    assert intruder.get(url + "/accounts/email/").status_code == 302  # not signed in

    # The subject differs per peer and is never the database id.
    kanto = Peer.objects.create(slug="kanto", base_url="http://127.0.0.1:9")
    assert handoffs.pairwise_subject(mover, kanto) not in (outgoing.subject, str(mover.pk))
    assert PairwiseSubject.objects.filter(user=mover).count() == 2


# -- the settings and the rules ------------------------------------------------------------------


def test_peers_are_public_clients_with_the_openid_scope_only(db, settings):
    settings.HIKKOSHI_PORTAL_URL = "https://sapporo.example.jp/"
    peer = Peer.objects.create(slug="kansai", name="関西", base_url="https://kansai.example.jp")
    assert signin.register_peer(peer) == [
        "OpenID Connect client kansai (redirect https://kansai.example.jp/accounts/oidc/sapporo/login/callback/)"
    ]
    client = OIDCClient.objects.get(id="kansai")
    assert client.type == OIDCClient.Type.PUBLIC and client.secret == ""
    assert client.get_scopes() == ["openid"] and client.get_grant_types() == ["authorization_code"]
    # No client can authenticate any other way: there is no secret to exchange or to leak.
    assert settings.IDP_OIDC_AUTH_METHODS == ["none"]
    assert not settings.IDP_OIDC_DCR_ENABLED and not settings.IDP_OIDC_CIMD_ENABLED
    # Without its document, no provider of kansai's is configured here yet.
    assert not SocialApp.objects.exists()


def test_the_discovery_document_names_the_issuer_of_the_well_known_document_and_s256(db, settings):
    settings.HIKKOSHI_PORTAL_URL = "https://sapporo.example.jp/"
    config = Client().get("/.well-known/openid-configuration").json()
    assert config["issuer"] == "https://sapporo.example.jp"
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["token_endpoint_auth_methods_supported"] == ["none"]
    keys = Client().get("/.well-known/jwks.json").json()["keys"]
    assert keys and keys[0]["kty"] == "RSA"


def test_an_authorization_request_without_pkce_gets_no_code(db, settings, mover):
    peer = Peer.objects.create(slug="kansai", base_url="https://kansai.example.jp")
    signin.register_peer(peer)
    browser = Client()
    browser.force_login(mover)
    redirect_uri = signin.callback_url(peer)
    base = {"client_id": "kansai", "response_type": "code", "scope": "openid", "redirect_uri": redirect_uri}
    refused = browser.get("/identity/o/authorize", {**base, "state": "s1"})
    assert "code=" not in refused.get("Location", "")
    plain = browser.get(
        "/identity/o/authorize", {**base, "state": "s2", "code_challenge": "x" * 43, "code_challenge_method": "plain"}
    )
    assert "code=" not in plain.get("Location", "")
    granted = browser.get(
        "/identity/o/authorize", {**base, "state": "s3", "code_challenge": "x" * 43, "code_challenge_method": "S256"}
    )
    assert granted.status_code == 302 and granted["Location"].startswith(redirect_uri + "?code=")


def test_the_client_side_never_links_by_e_mail_nor_signs_up(settings):
    assert social_settings.EMAIL_AUTHENTICATION is False
    assert social_settings.EMAIL_AUTHENTICATION_AUTO_CONNECT is False
    assert social_settings.AUTO_SIGNUP is True  # an account of the mover's own: no form, nothing asked
    assert social_settings.EMAIL_REQUIRED is False
    provider = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]
    assert provider["OAUTH_PKCE_ENABLED"] is True and provider["SCOPE"] == ["openid"]
    assert provider["VERIFIED_EMAIL"] is False
    adapter = signin.PeerSignInAdapter()
    assert adapter.is_open_for_signup(None, None) is False


def test_a_peer_s_provider_is_configured_from_its_verified_document(db, settings):
    settings.HIKKOSHI_PORTAL_ID = "kansai"
    peer = Peer.objects.create(
        slug="sapporo",
        base_url="https://sapporo.example.jp",
        document={"oidc_issuer": "https://id.sapporo.example.jp/"},
    )
    signin.register_peer(peer)
    app = SocialApp.objects.get(provider="openid_connect", provider_id="sapporo")
    assert app.client_id == "kansai" and app.secret == ""
    assert app.settings["server_url"] == "https://id.sapporo.example.jp"
    assert app.settings["oauth_pkce_enabled"] is True and app.settings["scope"] == ["openid"]
    signin.unregister_peer("sapporo")
    assert not SocialApp.objects.exists() and not OIDCClient.objects.exists()
    # An adapter's peer does not run hikkoshi: no sign-in through it.
    assert signin.register_peer(Peer(slug="kanto", base_url="https://kanto.example.jp", adapter="renrakucho")) == []


def test_the_subject_is_random_kept_per_peer_and_survives_a_secret_key_change(db, settings, mover):
    first = signin.pairwise_subject(mover, "kansai")
    assert len(first) >= 40 and first != str(mover.pk)
    settings.SECRET_KEY = "another-secret-key-" + "y" * 40
    assert signin.pairwise_subject(mover, "kansai") == first
    assert signin.pairwise_subject(mover, "kanto") != first
    adapter = signin.ProviderAdapter()
    client = OIDCClient(id="kansai")
    assert adapter.get_user_sub(client, mover) == first
    assert adapter.get_user_by_sub(client, first) == mover
    assert adapter.get_user_by_sub(OIDCClient(id="kanto"), first) is None  # another peer's
    assert adapter.get_claims("id_token", mover, client, ["openid", "email", "profile"]) == {"sub": first}


def test_a_staff_account_is_never_entered_through_a_peer(db, mover):
    staff = get_user_model().objects.create_user("staff@example.jp", "staff@example.jp", "pw-for-tests", is_staff=True)
    adapter = signin.ProviderAdapter()
    client = OIDCClient(id="kansai")
    # At the origin: its code gives no token (the user behind the code is not found).
    assert adapter.get_user_by_sub(client, adapter.get_user_sub(client, staff)) is None
    # At the destination: a staff account signed in there learns no subject.
    request = RequestFactory().get("/")
    request.user = staff
    request.session = {}
    request._messages = _Messages()
    Peer.objects.create(slug="sapporo", base_url="https://sapporo.example.jp")
    login = _SocialLogin("sapporo", "some-subject")
    with pytest.raises(signin.ImmediateHttpResponse):
        signin.PeerSignInAdapter().pre_social_login(request, login)
    assert signin.SESSION_SUBJECTS not in request.session
    request.user = mover
    with pytest.raises(signin.ImmediateHttpResponse) as done:
        signin.PeerSignInAdapter().pre_social_login(request, login)
    assert done.value.response["Location"] == "/federation/claim/t/"
    assert request.session[signin.SESSION_SUBJECTS] == {"sapporo": "some-subject"}
    assert not SocialAccount.objects.exists()


class _Messages:
    def __init__(self):
        self.said: list[str] = []

    def add(self, level, message, extra_tags=""):
        self.said.append(str(message))


class _SocialLogin:
    """What allauth hands the adapter after the code flow: the account looked up (``lookup``)."""

    def __init__(self, provider_id: str, sub: str):
        found = SocialAccount.objects.filter(provider=provider_id, uid=sub).select_related("user").first()
        self.account = found or SocialAccount(provider=provider_id, uid=sub)
        self.user = found.user if found else None
        self.is_existing = found is not None
        self.email_addresses = ["from-the-peer@example.jp"]
        self.state = {"next": "/federation/claim/t/"}


def _request(user=None):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    request.session = {}
    request._messages = _Messages()
    return request


def _handoff(peer: Peer, token: str, subject: str, *, minutes: int = 10):
    """A hand-over received from ``peer``, on offer, its one-time URL ``/federation/claim/<token>/``."""
    from django.utils import timezone

    from hikkoshi.encryption.digests import token_digest
    from hikkoshi.federation.models import Handoff

    return Handoff.objects.create(
        id=token[:43],
        origin=peer,
        idempotency_key="k-" + token,
        request_sha256="0" * 64,
        consent_at=timezone.now(),
        policy_sha256="0" * 64,
        claim_digest=token_digest(token),
        subject=subject,
        expires_at=timezone.now() + timedelta(minutes=minutes),
    )


def test_a_visitor_nobody_is_signed_in_as_goes_on_to_the_account_of_that_subject(db, mover):
    peer = Peer.objects.create(slug="sapporo", base_url="https://sapporo.example.jp")
    _handoff(peer, "t", "sub-1")
    adapter = signin.PeerSignInAdapter()
    # The first time: no account yet; allauth makes one, with no form and nothing from the peer.
    request, login = _request(), _SocialLogin("sapporo", "sub-1")
    adapter.pre_social_login(request, login)  # goes on: no refusal
    assert login.email_addresses == [] and login.state["next"] == "/federation/claim/t/"
    assert signin.SESSION_SUBJECTS not in request.session  # only once signed in
    assert adapter.is_open_for_signup(request, login) and adapter.is_auto_signup_allowed(request, login)
    login.user = get_user_model()()
    adapter.populate_user(request, login, {"email": "x@example.jp", "username": "x", "name": "X Y"})
    assert login.user.email == "" and login.user.first_name == ""
    # Its username: the peer's id and a random suffix — not theirs, not an address, not "user".
    assert re.fullmatch(r"sapporo-[0-9a-f]{8}", login.user.username)
    assert signin.federated_username("sapporo") != login.user.username
    # Signed in (found or just made): the subject goes into the session, for the claim.
    signin.remember_subject_at_login(None, request, mover, sociallogin=login)
    assert request.session[signin.SESSION_SUBJECTS] == {"sapporo": "sub-1"}
    # Found: that account is signed in (allauth goes on).
    SocialAccount.objects.create(user=mover, provider="sapporo", uid="sub-1")
    adapter.pre_social_login(_request(), _SocialLogin("sapporo", "sub-1"))
    # A sign-in that did not start at the claim page of a hand-over on offer from that peer (the
    # sign-in page's button, a made-up or expired URL) finds accounts only.
    elsewhere = _SocialLogin("sapporo", "sub-2")
    for path in ("/", "/federation/claim/made-up/", "/federation/claim/", "/federation/claim/old/"):
        elsewhere.state = {"next": path}
        assert not adapter.is_open_for_signup(_request(), elsewhere)
    _handoff(peer, "old", "sub-2", minutes=-1)
    assert not adapter.is_open_for_signup(_request(), elsewhere)
    with pytest.raises(signin.ImmediateHttpResponse) as refused:  # said at once, back where it started
        adapter.pre_social_login(_request(), elsewhere)
    assert refused.value.response["Location"] == "/federation/claim/old/"
    kanto = Peer.objects.create(slug="kanto", base_url="https://kanto.example.jp")
    _handoff(kanto, "of-kanto", "sub-2")
    elsewhere.state = {"next": "/federation/claim/of-kanto/"}
    assert not adapter.is_open_for_signup(_request(), elsewhere)  # another peer's hand-over
    # A peer not (or no longer) registered, or someone signed in here: no account is made.
    assert not adapter.is_open_for_signup(_request(), _SocialLogin("hokuriku", "sub-2"))
    assert not adapter.is_open_for_signup(_request(mover), _SocialLogin("sapporo", "sub-2"))
    with pytest.raises(signin.ImmediateHttpResponse):
        adapter.pre_social_login(_request(), _SocialLogin("hokuriku", "sub-2"))


def test_the_sign_in_message_names_the_portal_not_a_username(db, mover):
    from allauth.account.adapter import get_adapter
    from django.utils import translation

    Peer.objects.create(slug="sapporo", name="札幌", base_url="https://sapporo.example.jp")
    request = _request()
    with translation.override("ja"):
        signin.remember_subject_at_login(None, request, mover, sociallogin=_SocialLogin("sapporo", "sub-1"))
        get_adapter(request).add_message(request, 25, "account/messages/logged_in.txt", {"user": mover})
    assert request._messages.said == ["札幌のアカウントでログインしました。"]
    # Any other sign-in keeps allauth's message.
    other = _request()
    with translation.override("ja"):
        get_adapter(other).add_message(other, 25, "account/messages/logged_in.txt", {"user": mover})
    assert "ログインしました" in other._messages.said[0] and "札幌" not in other._messages.said[0]


def test_a_staff_account_is_never_signed_in_through_a_peer(db):
    Peer.objects.create(slug="sapporo", base_url="https://sapporo.example.jp")
    staff = get_user_model().objects.create_user("staff@example.jp", "staff@example.jp", "pw-for-tests", is_staff=True)
    SocialAccount.objects.create(user=staff, provider="sapporo", uid="sub-of-staff")
    request = _request()
    with pytest.raises(signin.ImmediateHttpResponse) as refused:
        signin.PeerSignInAdapter().pre_social_login(request, _SocialLogin("sapporo", "sub-of-staff"))
    assert refused.value.response["Location"] == "/federation/claim/t/"
    signin.remember_subject_at_login(None, request, staff, sociallogin=_SocialLogin("sapporo", "sub-of-staff"))
    assert signin.SESSION_SUBJECTS not in request.session


def test_a_mover_signed_in_here_keeps_their_account_and_is_refused_another_s_subject(db, mover):
    Peer.objects.create(slug="sapporo", base_url="https://sapporo.example.jp")
    somebody = get_user_model().objects.create_user("somebody@example.jp", "somebody@example.jp", "pw-for-tests")
    SocialAccount.objects.create(user=somebody, provider="sapporo", uid="sub-of-somebody")
    adapter = signin.PeerSignInAdapter()
    request = _request(mover)
    with pytest.raises(signin.ImmediateHttpResponse):
        adapter.pre_social_login(request, _SocialLogin("sapporo", "sub-of-somebody"))
    assert signin.SESSION_SUBJECTS not in request.session
    request = _request(somebody)
    with pytest.raises(signin.ImmediateHttpResponse):  # proved, not signed in again
        adapter.pre_social_login(request, _SocialLogin("sapporo", "sub-of-somebody"))
    assert request.session[signin.SESSION_SUBJECTS] == {"sapporo": "sub-of-somebody"}
    assert SocialAccount.objects.count() == 1


def test_an_anonymous_visitor_sees_the_claim_page_and_cannot_claim(db, mover):
    peer = Peer.objects.create(slug="sapporo", name="札幌", base_url="https://sapporo.example.jp")
    _handoff(peer, "tok", "sub-1")
    browser = Client()
    page = browser.get("/federation/claim/tok/")
    assert page.status_code == 200 and "札幌のアカウントで続ける" in page.content.decode()
    assert "札幌から、あなたの同意のもとで" in page.content.decode()  # no space before the particle
    assert browser.post("/federation/claim/tok/")["Location"] == "/federation/claim/tok/"
    # A subject in the session is not enough without an account here.
    session = browser.session
    session[signin.SESSION_SUBJECTS] = {"sapporo": "sub-1"}
    session.save()
    assert browser.post("/federation/claim/tok/")["Location"] == "/federation/claim/tok/"


def test_no_subject_known_is_refused(db):
    handoff = handoffs.Handoff(subject="pairwise-subject-1")
    assert handoffs.subject_matches(handoff, None) is False
    assert handoffs.subject_matches(handoff, "") is False
    assert handoffs.subject_matches(handoff, "pairwise-subject-2") is False
    assert handoffs.subject_matches(handoff, "pairwise-subject-1") is True


def test_the_id_token_key_is_made_once_kept_and_must_be_rsa(settings, tmp_path):
    settings.HIKKOSHI_OIDC_KEY, settings.HIKKOSHI_OIDC_KEY_FILE = "", str(tmp_path / "oidc-key.pem")
    made = signin.id_token_key_pem()
    assert "PRIVATE KEY" in made and (tmp_path / "oidc-key.pem").stat().st_mode & 0o777 == 0o600
    assert signin.id_token_key_pem() == made
    settings.HIKKOSHI_OIDC_KEY_FILE = str(tmp_path / "absent.pem")
    settings.HIKKOSHI_SIGNING_KEY_CREATE = False  # production: never made by itself
    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        signin.id_token_key_pem()
    settings.HIKKOSHI_OIDC_KEY = httpsig.private_key_to_pem(httpsig.generate_key()).decode()
    with pytest.raises(ImproperlyConfigured, match="RSA"):
        signin.id_token_key_pem()


def test_expired_tokens_are_deleted_hourly(db, mover):
    from allauth.idp.oidc.models import Token
    from django.utils import timezone

    from hikkoshi.delivery.periodic import hourly

    assert any(job.run is signin.delete_expired_tokens for job in hourly())
    client = OIDCClient.objects.create(id="kansai", name="kansai", secret="", type=OIDCClient.Type.PUBLIC)
    now = timezone.now()
    Token.objects.create(type=Token.Type.ACCESS_TOKEN, hash="a", client=client, user=mover, expires_at=now)
    Token.objects.create(
        type=Token.Type.ACCESS_TOKEN, hash="b", client=client, user=mover, expires_at=now + timedelta(minutes=5)
    )
    assert signin.delete_expired_tokens() == 1
    assert list(Token.objects.values_list("hash", flat=True)) == ["b"]


def test_a_changed_oidc_issuer_moves_the_sign_in_whichever_path_fetched_the_document(db, settings):
    from hikkoshi.federation import services
    from hikkoshi.federation.document import VerifiedDocument

    settings.HIKKOSHI_PORTAL_ID = "kansai"
    peer = Peer.objects.create(
        slug="sapporo", base_url="https://sapporo.example.jp", document={"oidc_issuer": "https://sapporo.example.jp/"}
    )
    signin.register_peer(peer)
    # The worker (or a request naming an unknown key) fetched its document again: a new issuer.
    moved = VerifiedDocument(
        claims={"oidc_issuer": "https://id.sapporo.example.jp/"}, signed_by="k1", keys=[], region_areas=[]
    )
    services.accept_document(peer, moved)
    app = SocialApp.objects.get(provider="openid_connect", provider_id="sapporo")
    assert app.settings["server_url"] == "https://id.sapporo.example.jp"


def test_check_deploy_warns_without_an_oidc_key(settings, tmp_path):
    from hikkoshi.federation.checks import oidc_key_configured

    settings.HIKKOSHI_OIDC_KEY, settings.HIKKOSHI_OIDC_KEY_FILE = "", str(tmp_path / "absent.pem")
    settings.HIKKOSHI_SIGNING_KEY_CREATE = False  # as in production
    assert [message.id for message in oidc_key_configured()] == ["hikkoshi.federation.W001"]
    settings.HIKKOSHI_OIDC_KEY_FILE = ""
    assert [message.id for message in oidc_key_configured()] == ["hikkoshi.federation.W001"]
    settings.HIKKOSHI_SIGNING_KEY_CREATE = True
    settings.HIKKOSHI_OIDC_KEY_FILE = str(tmp_path / "oidc-key.pem")
    assert oidc_key_configured() == []


def test_the_claim_pages_keep_their_origin_for_their_forms(db, mover):
    # Under "no-referrer" a browser posts the page's forms (the sign-in through the origin, the
    # claim, the language switch) with ``Origin: null``, which the CSRF check refuses (403). The
    # one-time URL still never goes to another site as a referrer.
    peer = Peer.objects.create(slug="sapporo", name="札幌", base_url="https://sapporo.example.jp")
    _handoff(peer, "tok", "sub-1")
    for path in ("/federation/claim/tok/", "/federation/claim/unknown/"):
        page = Client().get(path)
        assert page["Referrer-Policy"] == "same-origin" and "no-store" in page["Cache-Control"]


def _form_action(response) -> list[str]:
    policy = response["Content-Security-Policy"]
    found = re.search(r"form-action ([^;]+)", policy)
    assert found, policy
    return found.group(1).split()


def test_forms_may_lead_to_the_sign_in_of_a_pinned_peer_and_nowhere_else(db):
    # A browser applies form-action to each redirect a form's POST follows: the claim page's
    # button is answered by a redirect to the origin's provider, the sign-in form at the origin
    # by a redirect to the partner's callback. Without the peers' origins, both are blocked.
    assert _form_action(Client().get("/accounts/login/")) == ["'self'"]
    Peer.objects.create(
        slug="sapporo",
        base_url="https://sapporo.example.jp/portal/",
        document={"oidc_issuer": "https://id.sapporo.example.jp:8443/"},
    )
    Peer.objects.create(slug="kanto", base_url="https://kanto.example.jp", adapter="renrakucho")
    Peer.objects.create(slug="odd", base_url="https://odd.example.jp", document={"oidc_issuer": "javascript:x"})
    expected = ["'self'", "https://id.sapporo.example.jp:8443", "https://odd.example.jp", "https://sapporo.example.jp"]
    assert _form_action(Client().get("/accounts/login/")) == expected
    _handoff(Peer.objects.get(slug="sapporo"), "tok", "sub-1")
    assert _form_action(Client().get("/federation/claim/tok/")) == expected


def test_the_partner_origins_follow_the_peers_at_once_and_are_read_once_per_change(db, django_assert_num_queries):
    from django.db import transaction

    from hikkoshi.federation.middleware import partner_origins
    from hikkoshi.federation.models import PeerRevision

    assert partner_origins() == []
    peer = Peer.objects.create(slug="sapporo", base_url="https://sapporo.example.jp")
    assert _form_action(Client().get("/accounts/login/")) == ["'self'", "https://sapporo.example.jp"]
    with django_assert_num_queries(1) as queries:  # the revision (in a transaction: each time), not the peers
        assert partner_origins() == ["https://sapporo.example.jp"]
    assert PeerRevision._meta.db_table in queries.captured_queries[0]["sql"]
    peer.delete()
    assert _form_action(Client().get("/accounts/login/")) == ["'self'"]

    # A change that is rolled back is never served after it.
    with pytest.raises(RuntimeError), transaction.atomic():
        Peer.objects.create(slug="gone", base_url="https://gone.example.jp")
        assert partner_origins() == ["https://gone.example.jp"]
        raise RuntimeError
    assert partner_origins() == []

    # Another process's change (no signal here): its new revision is enough.
    Peer.objects.bulk_create([Peer(slug="kanto", base_url="https://kanto.example.jp")])
    assert partner_origins() == []  # bulk writes renew nothing by themselves
    PeerRevision.objects.update_or_create(pk=1, defaults={"stamp": 7})
    assert partner_origins() == ["https://kanto.example.jp"]
