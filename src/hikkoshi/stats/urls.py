from django.contrib import admin
from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("", admin.site.admin_view(views.dashboard), name="dashboard"),
    path("export.csv", admin.site.admin_view(views.export_csv), name="export"),
]
