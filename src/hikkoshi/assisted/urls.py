"""The staff pages of estate agencies (``/agency/``), call centres (``/callcentre/``), and the
customer's consent on their phone (``/consent/``). The wizard's own pages are mounted beside
them (``hikkoshi.urls``)."""

from django.urls import path

from . import views

agency = (
    [
        path("", views.agency_home, name="home"),
        path("moves/new/", views.agency_new, name="new"),
        path("moves/<uuid:public_id>/consent/", views.agency_consent, name="consent"),
        path("moves/<uuid:public_id>/consent/sheet.pdf", views.agency_consent_sheet, name="consent_sheet"),
        path("staff/", views.agency_staff, name="staff"),
        path("staff/add/", views.agency_staff_add, name="staff_add"),
        path("staff/<int:member_id>/remove/", views.agency_staff_remove, name="staff_remove"),
        path("counts/", views.agency_counts, name="counts"),
        path("counts.csv", views.agency_counts_csv, name="counts_csv"),
    ],
    "agency",
)

callcentre = (
    [
        path("", views.callcentre_home, name="home"),
        path("moves/new/", views.callcentre_new, name="new"),
        path("moves/<uuid:public_id>/consent/", views.callcentre_consent, name="consent"),
        path("moves/<uuid:public_id>/contact/", views.callcentre_contact, name="contact"),
        path("moves/<uuid:public_id>/mailing.pdf", views.callcentre_mailing, name="mailing"),
    ],
    "callcentre",
)

consent = (
    [
        path("", views.phone_consent, name="phone"),
    ],
    "consent",
)
