"""``record(...)``: one line of the audit log. Call it where a move is viewed, changed, printed,
exported or deleted; it takes ids only."""

import ipaddress

from django.conf import settings

from .models import Action, AuditEvent

__all__ = ["record", "Action"]


def _client_ip(request) -> str | None:
    if request is None:
        return None
    # Behind the reverse proxies we run (their number in ALLAUTH_TRUSTED_PROXY_COUNT, as for the
    # sign-in lockout), the client is the address the outermost of them saw.
    proxies = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    address = hops[-proxies] if proxies and len(hops) >= proxies else request.META.get("REMOTE_ADDR")
    return _address(address)


def _address(text: str | None) -> str | None:
    """An IP address (a proxy may add a port, ``[::1]:443`` / ``192.0.2.1:443``); None if none."""
    if not text:
        return None
    text = text.strip()
    candidates = [text]
    if text.startswith("[") and "]" in text:
        candidates.append(text[1 : text.index("]")])
    elif text.count(":") == 1:
        candidates.append(text.split(":")[0])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def role_of(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    roles = getattr(user, "hikkoshi_roles", None)
    if callable(roles):
        found = roles()
        if found:
            return found[0]
    return "admin" if user.is_staff else "mover"


def record(request=None, *, action: str, move=None, target: str = "", user=None, via: str = "") -> AuditEvent:
    """Append one event. ``move`` is a Move (or its public id); ``user`` defaults to the request's."""
    user = user if user is not None else getattr(request, "user", None)
    public_id = getattr(move, "public_id", move)
    if not via:
        via = "api" if request is not None and request.path.startswith("/api/") else ("page" if request else "system")
    return AuditEvent.objects.create(
        actor_id=user.pk if user is not None and getattr(user, "is_authenticated", False) else None,
        role=role_of(user),
        action=Action(action),
        move=public_id,
        target=target[:60],
        ip=_client_ip(request),
        via=via[:10],
    )
