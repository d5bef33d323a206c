"""The accounts' own rows: API tokens. Users are Django's, e-mail addresses and authenticators
allauth's."""

from datetime import timedelta
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hikkoshi.encryption.digests import token_digest


class ApiToken(models.Model):
    """A bearer token for an API client; only its SHA-256 digest is stored.

    ``second_factor``: made in a session where the user had used a second factor; a staff
    member's token works only if it was (``accounts.tokens``). ``expires_at``: it stops working
    then (``settings.HIKKOSHI_API_TOKEN_DAYS`` after it was made). ``last_used_at``: updated at
    most once a minute.

    (Until issue 10 the model was ``moves.ApiToken``: ``accounts`` migration 0001 took it over
    with its rows and renamed its table from ``moves_apitoken``.)
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    second_factor = models.BooleanField(_("made after a second factor"), default=False, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user, name: str = "", *, second_factor: bool = False) -> tuple["ApiToken", str]:
        """A new token: the row and the secret text, which is shown once and never stored."""
        secret = "hks_" + secrets.token_urlsafe(32)
        days = getattr(settings, "HIKKOSHI_API_TOKEN_DAYS", 90)
        token = cls.objects.create(
            user=user,
            name=name,
            digest=token_digest(secret),
            prefix=secret[:10],
            second_factor=second_factor,
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
        return token, secret

    @classmethod
    def find(cls, secret: str) -> "ApiToken | None":
        """The token whose secret is ``secret``, if it exists, has not expired and its user is
        active; its ``last_used_at`` is brought up to date (at most one write a minute)."""
        token = cls.objects.select_related("user").filter(digest=token_digest(secret)).first()
        now = timezone.now()
        if token is None or not token.user.is_active or (token.expires_at and token.expires_at <= now):
            return None
        if token.last_used_at is None or token.last_used_at <= now - timedelta(minutes=1):
            stale = models.Q(last_used_at__isnull=True) | models.Q(last_used_at__lte=now - timedelta(minutes=1))
            cls.objects.filter(stale, pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token

    @classmethod
    def user_for(cls, secret: str):
        token = cls.find(secret)
        return None if token is None else token.user
