from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("news/<int:pk>/", views.news_detail, name="news"),
    path("search/", views.provider_search, name="search"),
    path("offices/", views.offices, name="offices"),
    path("pages/<slug:slug>/", views.info_page, name="page"),
]
