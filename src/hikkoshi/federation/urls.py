"""The mover's pages of hand-overs to partner portals (``outgoing_views``), under
``/moves/handoffs/`` (namespace ``handoffs``), beside the mover's moves."""

from django.urls import path

from . import outgoing_views

app_name = "handoffs"

urlpatterns = [
    path("", outgoing_views.handoff_list, name="list"),
    path("<int:pk>/", outgoing_views.detail, name="detail"),
    path("<int:pk>/retry/", outgoing_views.retry, name="retry"),
    path("<int:pk>/withdraw/", outgoing_views.withdraw, name="withdraw"),
    path("new/<uuid:public_id>/<slug:peer>/", outgoing_views.offer, name="offer"),
]
