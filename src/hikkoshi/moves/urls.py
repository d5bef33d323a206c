"""The wizard's URLs. ``move_patterns`` (one move's pages) are also mounted under ``/agency/moves/``
and ``/callcentre/moves/`` as other instances of the ``moves`` namespace (``hikkoshi.urls``):
the same views serve moves entered for customers there (``views.shared.NAMESPACES``)."""

from django.urls import path

from . import views

app_name = "moves"

move_patterns = [
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/places/", views.places, name="places"),
    path("<uuid:public_id>/procedures/", views.procedures, name="procedures"),
    path("<uuid:public_id>/people/", views.people, name="people"),
    path("<uuid:public_id>/details/", views.details, name="details"),
    path("<uuid:public_id>/review/", views.review, name="review"),
    path("<uuid:public_id>/submit/", views.submit, name="submit"),
    path("<uuid:public_id>/delete/", views.delete, name="delete"),
    path("<uuid:public_id>/documents/<str:name>", views.document, name="document"),
    path("<uuid:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<uuid:public_id>/correct/", views.correct, name="correct"),
    path("<uuid:public_id>/filed/<slug:slug>/", views.filed, name="filed"),
    path("<uuid:public_id>/visit/<slug:slug>/", views.visit, name="visit"),
]

urlpatterns = [
    path("", views.move_list, name="list"),
    path("start/", views.move_start, name="start"),
    *move_patterns,
]
