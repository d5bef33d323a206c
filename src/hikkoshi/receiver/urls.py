"""The receiver's URLs (its ROOT_URLCONF), named in the ``receiver`` namespace."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

# Names an organisation's slug cannot have: the first segment of the receiver's own pages.
RESERVED = frozenset({"i18n", "accounts", "static", "favicon.ico", "robots.txt"})

receiver_patterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LockingLoginView.as_view(template_name="receiver/login.html"), name="login"),
    path("accounts/login/code/", views.sign_in_code, name="code"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("<slug:slug>/", views.application_list, name="list"),
    path("<slug:slug>/applications", views.applications, name="applications"),
    path("<slug:slug>/applications/<str:reference>", views.application_detail, name="detail"),
    path("<slug:slug>/export.csv", views.export_csv, name="export"),
    path("<slug:slug>/.well-known/receipt-keys.json", views.receipt_keys, name="receipt-keys"),
]

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include((receiver_patterns, "receiver"))),
]
