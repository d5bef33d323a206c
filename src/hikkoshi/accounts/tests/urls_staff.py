"""The portal's URLs plus a staff view outside the staff paths, behind ``staff_required``."""

from django.http import HttpResponse
from django.urls import path

from hikkoshi.accounts.access import staff_required
from hikkoshi.urls import urlpatterns as portal_urlpatterns


@staff_required
def staff_only(request):
    return HttpResponse("staff only")


urlpatterns = [path("elsewhere/staff-only/", staff_only), *portal_urlpatterns]
