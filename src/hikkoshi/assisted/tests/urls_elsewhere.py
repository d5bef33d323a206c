"""The portal's URLs with the agencies' staff pages outside the staff paths (``/elsewhere/agency/``):
the pages' own gate, without the middleware's."""

from django.urls import include, path

from hikkoshi.assisted import urls as assisted_urls
from hikkoshi.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("elsewhere/agency/", include(assisted_urls.agency)),
    *[p for p in portal_urlpatterns if str(p.pattern) != "agency/"],
]
