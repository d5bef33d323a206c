"""Sign-in between partner portals (OpenID Connect, django-allauth on both sides).

A hand-over's one-time URL opens the draft at the destination only for the person the origin
named: the mover signs in through the origin's provider, and the ``sub`` it answers must be the
subject the hand-over carried (``handoffs.subject_matches``).

Origin (provider, ``allauth.idp.oidc``): each peer running hikkoshi is a *public* client whose id
is the peer's portal id, whose one redirect URI is the callback at the peer's URL, and which
may ask for the ``openid`` scope only; a public client must use PKCE (S256) and no client
secret exists at all (``IDP_OIDC_AUTH_METHODS = ["none"]``), so nothing secret is exchanged
between operators: pinning the key thumbprints is all. The ``sub`` is the user's pairwise
subject for that peer (``pairwise_subject``: random, kept, never the database id, unrelated to
any key). No claim but ``sub`` is ever given; a staff account (admin, agency, call centre) is
never signed in to a peer (its code gives no token).

Destination (client, ``allauth.socialaccount``'s ``openid_connect``): each peer's provider is an
app whose ``provider_id`` is the peer's id and whose ``server_url`` is the ``oidc_issuer`` of its
verified well-known document, with PKCE. The sign-in proves who the mover is at the origin: the
``sub`` goes into the session (``handoffs.SESSION_SUBJECTS``), back to the claim page. A user
already signed in here stays who they are (``PeerSignInAdapter.pre_social_login``); a visitor
nobody is signed in as — the mover arriving with the one-time URL — is signed in to the account
of that social account (provider: the peer's id, uid: the ``sub``), made the first time by
allauth's auto sign-up (no form, no e-mail, an unusable password), the same one the next time.
Never an account linked or trusted by e-mail, never a staff account signed in or made.

``register_peer`` / ``unregister_peer``: what ``hikkoshi federation peer add|refresh|remove`` do.
"""

from __future__ import annotations

import logging
import secrets
import threading

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.idp.oidc import views as idp_views
from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from allauth.idp.oidc.models import Client, PrivateKey, Token
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from hikkoshi import httpsig
from hikkoshi.accounts.access import is_staff_member
from hikkoshi.accounts.adapter import set_login_message
from hikkoshi.encryption.digests import token_digest

from . import keys
from .models import Handoff, HandoffState, PairwiseSubject, Peer
from .selectors import portal_facts

logger = logging.getLogger(__name__)

PROVIDER = "openid_connect"  # allauth's provider; each peer is an app of it (provider_id: its id)
SESSION_SUBJECTS = "federation_subjects"  # {peer slug: sub} of the signed-in user
CLAIM_PATH = "/federation/claim/"  # a hand-over's claim page (urls.py): where an account may be made


# --- who a user is to a peer -------------------------------------------------------------------


def pairwise_subject(user, peer_slug: str) -> str:
    """The user's subject for the peer ``peer_slug``: made (32 random bytes, base64url) the first
    time and kept; the same for one user and peer, different per peer, never the database id."""
    found = PairwiseSubject.objects.filter(user_id=user.pk, peer_slug=peer_slug).values_list("sub", flat=True).first()
    if found:
        return found
    try:
        with transaction.atomic():
            return PairwiseSubject.objects.create(
                user_id=user.pk, peer_slug=peer_slug, sub=secrets.token_urlsafe(32)
            ).sub
    except IntegrityError:  # another request made it at the same moment
        return PairwiseSubject.objects.get(user_id=user.pk, peer_slug=peer_slug).sub


def user_of_subject(peer_slug: str, sub: str):
    """The active user whose subject for ``peer_slug`` is ``sub``, or None."""
    found = PairwiseSubject.objects.select_related("user").filter(peer_slug=peer_slug, sub=sub).first()
    return found.user if found is not None and found.user.is_active else None


# --- the provider (origin) ----------------------------------------------------------------------

_key_lock = threading.Lock()
_key_cache: dict[tuple[str, str], str] = {}


def generate_id_token_key_pem() -> bytes:
    """A new RSA key (2048 bits, PKCS #8 PEM) to sign ID tokens with."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def id_token_key_pem() -> str:
    """The RSA key that signs ID tokens: ``HIKKOSHI_OIDC_KEY`` or the file
    ``HIKKOSHI_OIDC_KEY_FILE`` (made on first use unless ``HIKKOSHI_SIGNING_KEY_CREATE`` is false,
    as in production)."""
    given = str(getattr(settings, "HIKKOSHI_OIDC_KEY", "") or "")
    path = str(getattr(settings, "HIKKOSHI_OIDC_KEY_FILE", "") or "")
    found = _key_cache.get((given, path))
    if found:
        return found
    with _key_lock:
        pem = given
        if not pem and not path:
            raise ImproperlyConfigured("Set HIKKOSHI_OIDC_KEY or HIKKOSHI_OIDC_KEY_FILE.")
        if not pem:
            try:
                create = bool(getattr(settings, "HIKKOSHI_SIGNING_KEY_CREATE", True))
                pem = httpsig.load_or_create_key_file(path, generate_id_token_key_pem, create=create).decode(
                    "ascii", "replace"
                )
            except FileNotFoundError as exc:
                raise ImproperlyConfigured(
                    f"The OpenID Connect key file {path} does not exist: make one with "
                    "`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out FILE` (mode 0600)."
                ) from exc
        try:
            key = serialization.load_pem_private_key(pem.encode("ascii", "replace"), password=None)
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured("The OpenID Connect key is not a private key in PEM.") from exc
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ImproperlyConfigured("The OpenID Connect key must be an RSA key (ID tokens are signed RS256).")
        found = _key_cache[(given, path)] = pem
    return found


def issuer() -> str:
    """This portal's issuer, as its well-known document gives it (``oidc_issuer``), without the
    trailing slash (the same string in the discovery document and in every ID token)."""
    return str(settings.HIKKOSHI_OIDC_ISSUER or settings.HIKKOSHI_PORTAL_URL).rstrip("/")


class ProviderAdapter(DefaultOIDCAdapter):
    """allauth's provider, for peers: pairwise subjects, ``sub`` only, never a staff account."""

    def get_issuer(self) -> str:
        return issuer()

    def get_user_sub(self, client: Client, user) -> str:
        return pairwise_subject(user, client.id)

    def get_user_by_sub(self, client: Client, sub: str):
        user = user_of_subject(client.id, sub)
        if user is None or is_staff_member(user):
            # A staff account is never entered through a peer: its code gives no token.
            return None
        return user

    def get_claims(self, purpose, user, client, scopes, email=None, **kwargs) -> dict:
        return {"sub": self.get_user_sub(client, user)}  # nothing else ever leaves

    def list_private_keys(self, *, did_activate=None, is_active=None) -> list[PrivateKey]:
        return [PrivateKey(pem=id_token_key_pem())]


def delete_expired_tokens() -> int:
    """Hourly (``hikkoshi worker``): the provider's expired tokens (allauth's
    ``oidc_cleartokens``); how many were deleted."""
    deleted, _ = Token.objects.expired().delete()
    return deleted


def authorization(request, *args, **kwargs):
    """allauth's authorization endpoint, for requests that use PKCE with S256 only: oauthlib
    would also take ``plain`` (or, for a confidential client, no PKCE at all). The consent form's
    POST carries what such a GET already passed (signed)."""
    if request.method == "GET" and (
        not request.GET.get("code_challenge") or request.GET.get("code_challenge_method") != "S256"
    ):
        logger.warning("federation_authorize_refused reason=pkce")
        return HttpResponseBadRequest("PKCE with S256 is required.", content_type="text/plain; charset=utf-8")
    return idp_views.authorization(request, *args, **kwargs)


# --- the client (destination) -------------------------------------------------------------------


class PeerSignInAdapter(DefaultSocialAccountAdapter):
    """allauth's social accounts, to learn who the mover is at a peer and, for a visitor nobody is
    signed in as here, to sign them in to their own account here.

    - Someone signed in here already: the ``sub`` is kept in the session (``SESSION_SUBJECTS``)
      and back to where the sign-in started; nobody else is signed in, nothing linked. Refused for
      a staff account, and when that peer subject belongs to another account here.
    - Nobody signed in: the local account of that social account (provider: the peer's id, uid:
      the ``sub``) is signed in — made on first use without any form (auto sign-up: no e-mail,
      no name, an unusable password) — and the ``sub`` is kept in its session
      (``remember_subject_at_login``). Refused when that account is staff.

    Never an account found, linked or trusted by e-mail (a peer gives none anyway)."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        # Only an account of a peer's mover continuing a hand-over (the sign-in started at a claim
        # page), made while nobody is signed in here; the sign-in page's button finds accounts only.
        if request is None or sociallogin is None or request.user.is_authenticated:
            return False
        return continuing_a_handoff(str(sociallogin.state.get("next") or ""), sociallogin.account.provider)

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        return True  # no form: the sub is all a peer says, and all the account needs

    def populate_user(self, request, sociallogin, data):
        # Nothing from the peer but the sub: no name, no e-mail address, no username of theirs.
        user = super().populate_user(request, sociallogin, {})
        user.username = federated_username(sociallogin.account.provider)
        return user

    def pre_social_login(self, request, sociallogin) -> None:
        slug = sociallogin.account.provider  # the app's provider_id: the peer's id
        sub = str(sociallogin.account.uid or "")
        sociallogin.email_addresses = []  # never trusted, never linked
        user = request.user
        back = sociallogin.state.get("next") or "/"
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = "/"
        sociallogin.state["next"] = back
        if not sub or not Peer.objects.filter(slug=slug, adapter="").exists():
            _refuse(request, back, slug, "peer")
        found = sociallogin.user if sociallogin.is_existing else None
        if user.is_authenticated:
            if is_staff_member(user):
                _refuse(request, back, slug, "staff")
            if found is not None and found.pk != user.pk:
                logger.warning("federation_signin_refused peer=%s reason=other_account", slug[:40])
                messages.error(
                    request,
                    _(
                        "You signed in there as the mover of another account here. Sign out first, "
                        "then continue with that portal's account."
                    ),
                )
                raise ImmediateHttpResponse(HttpResponseRedirect(back))
            _remember(request, slug, sub)
            logger.info("federation_signin peer=%s", slug[:40])
            raise ImmediateHttpResponse(HttpResponseRedirect(back))
        if found is not None and (found.is_staff or found.is_superuser or is_staff_member(found)):
            _refuse(request, back, slug, "staff")
        if found is None and not continuing_a_handoff(back, slug):
            logger.info("federation_signin_refused peer=%s reason=no_account", slug[:40])
            messages.error(
                request,
                _(
                    "There is no account here for your account at that portal: one is made when you "
                    "continue a move handed over from there, through the link it gave you."
                ),
            )
            raise ImmediateHttpResponse(HttpResponseRedirect(back))
        # allauth goes on: signs in ``found``, or makes the account (``is_open_for_signup``), then
        # ``remember_subject_at_login`` keeps the sub; back to ``next``.
        logger.info("federation_signin peer=%s new=%s", slug[:40], "no" if found is not None else "yes")


def federated_username(slug: str) -> str:
    """The username of an account made through the peer ``slug``: its id and a random suffix
    (``sapporo-3f9a1c0b``) — no personal data, nothing like an e-mail address."""
    users = get_user_model().objects
    while True:
        username = f"{slug[:40]}-{secrets.token_hex(4)}"
        if not users.filter(username__iexact=username).exists():
            return username


def continuing_a_handoff(path: str, slug: str) -> bool:
    """Whether ``path`` is the claim page of a hand-over from the peer ``slug`` still on offer:
    the only place a sign-in through a peer may make an account here."""
    token = path[len(CLAIM_PATH) :].strip("/") if path.startswith(CLAIM_PATH) else ""
    if not token or len(token) > 100 or "/" in token:
        return False
    return Handoff.objects.filter(
        origin__slug=slug,
        origin__adapter="",
        claim_digest=token_digest(token),
        state=HandoffState.OFFERED,
        expires_at__gt=timezone.now(),
    ).exists()


def _refuse(request, back: str, slug: str, reason: str):
    logger.warning("federation_signin_refused peer=%s reason=%s", slug[:40], reason)
    messages.error(request, _("Signing in through a partner portal is only for movers continuing a move."))
    raise ImmediateHttpResponse(HttpResponseRedirect(back))


def _remember(request, slug: str, sub: str) -> None:
    subjects = request.session.get(SESSION_SUBJECTS)
    subjects = dict(subjects) if isinstance(subjects, dict) else {}
    subjects[slug] = sub
    request.session[SESSION_SUBJECTS] = subjects


def remember_subject_at_login(sender, request, user, sociallogin=None, **kwargs) -> None:
    """allauth's ``user_logged_in``: after a sign-in through a peer's provider (the account found
    or just made), the ``sub`` goes into the new session — only once the login is done, so an
    unfinished sign-in leaves no subject behind."""
    if sociallogin is None or sociallogin.account.provider == "" or request is None:
        return
    if not Peer.objects.filter(slug=sociallogin.account.provider, adapter="").exists():
        return
    if is_staff_member(user):  # never: refused before, and accounts made here are not staff
        return
    _remember(request, sociallogin.account.provider, str(sociallogin.account.uid or ""))
    # allauth then says 「ユーザー <username> としてログインしました」: meaningless for such an account.
    peer = Peer.objects.get(slug=sociallogin.account.provider)
    set_login_message(request, _("Signed in with your account at %(portal)s.") % {"portal": portal_facts(peer).name})


def login_url(peer: Peer) -> str:
    """Where the claim page sends the mover to sign in through ``peer``'s provider (a POST)."""
    from django.urls import reverse

    return reverse("openid_connect_login", kwargs={"provider_id": peer.slug})


# --- registration (``peer add``) ----------------------------------------------------------------


def callback_url(peer: Peer) -> str:
    """The peer's callback for this portal's provider (it runs the same software)."""
    return f"{peer.base_url.rstrip('/')}/accounts/oidc/{keys.portal_id()}/login/callback/"


def register_peer(peer: Peer) -> list[str]:
    """Register ``peer`` both ways: as a client of this portal's provider (its callback the one
    redirect URI), and — once its document verified, for its ``oidc_issuer`` — its provider as an
    openid_connect app here. What was registered, as short phrases. Adapter peers: nothing."""
    if peer.adapter:
        return []
    done = []
    Client.objects.update_or_create(
        id=peer.slug,
        defaults={
            "name": (peer.name or peer.slug)[:100],
            "secret": "",
            "type": Client.Type.PUBLIC,
            "scopes": "openid",
            "default_scopes": "openid",
            "grant_types": Client.GrantType.AUTHORIZATION_CODE,
            "response_types": "code",
            "redirect_uris": callback_url(peer),
            "cors_origins": "",
            "allow_uri_wildcards": False,
            "skip_consent": True,  # the mover consented to the hand-over itself
        },
    )
    done.append(f"OpenID Connect client {peer.slug} (redirect {callback_url(peer)})")
    issuer_url = (peer.document or {}).get("oidc_issuer")
    if isinstance(issuer_url, str) and issuer_url.startswith(("https://", "http://")):
        SocialApp.objects.update_or_create(
            provider=PROVIDER,
            provider_id=peer.slug,
            defaults={
                "name": (peer.name or peer.slug)[:40],
                "client_id": keys.portal_id(),
                "secret": "",
                "key": "",
                "settings": {
                    "server_url": issuer_url.rstrip("/"),
                    "oauth_pkce_enabled": True,
                    "scope": ["openid"],
                    "token_auth_method": "client_secret_post",
                    "fetch_userinfo": True,
                },
            },
        )
        done.append(f"sign-in through its provider {issuer_url.rstrip('/')}")
    return done


def unregister_peer(slug: str) -> None:
    Client.objects.filter(id=slug).delete()
    SocialApp.objects.filter(provider=PROVIDER, provider_id=slug).delete()
