from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from hikkoshi.accounts.views import admin_login
from hikkoshi.api.api import api
from hikkoshi.assisted import urls as assisted_urls
from hikkoshi.delivery.answers import answers_endpoint
from hikkoshi.delivery.views import well_known_keys
from hikkoshi.economics.views import stats_report
from hikkoshi.federation import signin
from hikkoshi.federation.api import api as federation_api
from hikkoshi.federation.views import claim, well_known_document
from hikkoshi.moves.urls import move_patterns
from hikkoshi.moves.views.answer import answer_page
from hikkoshi.stats.views import survey

urlpatterns: list[URLPattern | URLResolver] = [
    # An organisation's signed answer about an application (処理状況): RFC 9421, not the API's tokens.
    path("api/v1/answers", answers_endpoint, name="answers-endpoint"),
    path("api/v1/", api.urls),
    # The admin's own sign-in form would skip the second factor: allauth's sign-in instead.
    path("admin/login/", admin_login),
    # The evaluation report of the statistics' period (実証評価レポート): the business model's view,
    # beside the dashboard whose button asks for it (hikkoshi.stats.views.REPORT_URL_NAME).
    path("admin/stats/report.pdf", admin.site.admin_view(stats_report), name="stats-report"),
    path("admin/stats/", include("hikkoshi.stats.urls")),  # 利用統計 (staff, second factor)
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("hikkoshi.accounts.urls")),
    path("accounts/", include("allauth.account.urls")),
    path("accounts/2fa/", include("allauth.mfa.urls")),
    # Sign-in between partner portals (hikkoshi.federation.signin): a peer's provider as a client
    # here (accounts/oidc/<peer>/login/ and its callback), and this portal's own provider
    # (/.well-known/openid-configuration, /identity/o/…) for the peers.
    path("accounts/3rdparty/", include("allauth.socialaccount.urls")),
    path("accounts/", include("allauth.socialaccount.providers.openid_connect.urls")),
    path("identity/o/authorize", signin.authorization),  # allauth's, with PKCE S256 required
    path("", include("allauth.idp.urls")),
    # The mover's hand-overs of moves to partner portals (hikkoshi.federation): consent, the
    # continue link, retry, withdrawal. Pages for the browser: not under the signed /federation/.
    path("moves/handoffs/", include("hikkoshi.federation.urls")),
    # The satisfaction survey of a submitted move (満足度アンケート): the stats app's, no personal data.
    path("moves/<uuid:public_id>/survey/", survey, name="survey"),
    path("moves/", include("hikkoshi.moves.urls")),
    path("notifications/", include("hikkoshi.notifications.urls")),  # お知らせ and their settings
    # E-mail and fax organisations answer about an application with its printed code (処理状況).
    path("answers/", answer_page, name="answers"),
    # Moves entered for customers (代行): the wizard's pages as other instances of its namespace,
    # beside the staff pages of agencies and call centres (staff paths: second factor).
    path("agency/moves/", include((move_patterns, "moves"), namespace="agency-moves")),
    path("callcentre/moves/", include((move_patterns, "moves"), namespace="callcentre-moves")),
    path("agency/", include(assisted_urls.agency)),
    path("callcentre/", include(assisted_urls.callcentre)),
    path("consent/", include(assisted_urls.consent)),
    # The portal's public keys, for organisations verifying signed applications (RFC 9421).
    path(".well-known/hikkoshi-keys.json", well_known_keys, name="well-known-keys"),
    # Partner portals (ポータル間連携): the signed document (RFC 8615) and the signed interface.
    path(".well-known/hikkoshi-portal", well_known_document, name="well-known-portal"),
    path("federation/v1/", federation_api.urls),
    # A mover continuing a hand-over from a partner portal (its one-time URL).
    path("federation/claim/<str:token>/", claim, name="federation-claim"),
    path("", include("hikkoshi.portal.urls")),
]

handler400 = "hikkoshi.portal.views.bad_request"
handler403 = "hikkoshi.portal.views.permission_denied"
handler404 = "hikkoshi.portal.views.page_not_found"
handler500 = "hikkoshi.portal.views.server_error"
