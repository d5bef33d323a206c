"""The account page and its actions; allauth's pages are mounted beside these (hikkoshi.urls).

``accounts:login``, ``accounts:signup`` and ``accounts:logout`` are kept as names of allauth's
own views (same paths), for code and templates that used them.
"""

from allauth.account import views as allauth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("tokens/", views.token_create, name="token_create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("data/", views.data_download, name="data"),
    path("delete/", views.delete_account, name="delete"),
    path("login/", allauth_views.login, name="login"),
    path("signup/", allauth_views.signup, name="signup"),
    path("logout/", allauth_views.logout, name="logout"),
]
