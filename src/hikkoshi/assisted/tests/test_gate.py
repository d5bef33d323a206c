"""The staff pages of agencies and call centres keep their own gate where no middleware guards
the path: signed in, a membership there, and the second factor used in this session — the rule
of ``accounts.access.staff_required``, applied from ``hikkoshi.identity`` (assisted imports
nothing of accounts)."""

from allauth.mfa.models import Authenticator
from django.test import Client
import pytest

from .conftest import staff_client

URL = "/elsewhere/agency/"


@pytest.mark.urls("hikkoshi.assisted.tests.urls_elsewhere")
def test_the_agency_pages_gate_themselves_outside_the_staff_paths(world, settings):
    settings.HIKKOSHI_STAFF_PATHS = ["/admin/", "/callcentre/"]  # nothing in front of /elsewhere/ anyway
    assert Client().get(URL)["Location"].startswith("/accounts/login/?next=")
    for outsider in (world.mover, world.operator):  # no membership of an agency
        client = Client()
        client.force_login(outsider)
        assert client.get(URL).status_code == 403
    without = Client()
    without.force_login(world.staff)  # a session where the code was not given
    response = without.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/reauthenticate/?next=")
    assert staff_client(world, world.staff).get(URL).status_code == 200
    Authenticator.objects.filter(user=world.manager).delete()
    manager = Client()
    manager.force_login(world.manager)
    assert manager.get(URL)["Location"] == "/accounts/2fa/"  # none set up: set one up
