from django.contrib import admin
from django.urls import include, path

from hikkoshi.api.api import api
from hikkoshi.delivery.views import well_known_keys

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("hikkoshi.accounts.urls")),
    path("moves/", include("hikkoshi.moves.urls")),
    # The portal's public keys, for organisations verifying signed applications (RFC 9421).
    path(".well-known/hikkoshi-keys.json", well_known_keys, name="well-known-keys"),
    path("", include("hikkoshi.portal.urls")),
]

handler400 = "hikkoshi.portal.views.bad_request"
handler403 = "hikkoshi.portal.views.permission_denied"
handler404 = "hikkoshi.portal.views.page_not_found"
handler500 = "hikkoshi.portal.views.server_error"
