"""Links of the site's header: the mover's own pages and, for staff, their areas.

``{% plain_url "moves:list" %}`` reverses a name of the ``moves`` namespace at its default
instance (``/moves/``) even on a page served under ``/agency/moves/`` or ``/callcentre/moves/``,
where ``{% url %}`` would look in that page's instance. ``{% staff_areas as areas %}``: the
staff areas the signed-in user may open (``agency``, ``callcentre``, ``admin``).
``{% unread_notifications as n %}``: how many of the signed-in mover's お知らせ are unread.
"""

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def plain_url(name: str, *args) -> str:
    return reverse(name, args=args or None)


@register.simple_tag(takes_context=True)
def staff_areas(context) -> list[dict]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    from django.utils.translation import gettext as _

    from hikkoshi.assisted.selectors import memberships

    found = memberships(user)
    areas = []
    if found.agencies:
        areas.append({"url": reverse("agency:home"), "label": _("Estate agency")})
    if found.centres:
        areas.append({"url": reverse("callcentre:home"), "label": _("Call centre")})
    if user.is_staff:
        areas.append({"url": reverse("admin:index"), "label": _("Administration")})
    return areas


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    from hikkoshi.notifications.views import unread_count

    return unread_count(user.pk)
