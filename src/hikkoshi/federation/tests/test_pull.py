"""Pulling a peer's directory when the peer is slow, trickles bytes, answers too much or is not
there (a small server on 127.0.0.1): at most the deadline each time, a cool-off after three."""

import io
import socket
import time

from django.core.management import CommandError, call_command
import pytest

from hikkoshi.directory.models import PortalCopy
from hikkoshi.federation import pull
from hikkoshi.federation.models import Peer

from .fakes import FakePeer, Reply

DEADLINE = 1.0


@pytest.fixture
def quick(settings):
    settings.HIKKOSHI_FEDERATION = {**settings.HIKKOSHI_FEDERATION, "deadline": DEADLINE, "max_bytes": 1000}


def _peer(slug, url, **extra):
    return Peer.objects.create(slug=slug, base_url=url, thumbprints=["A" * 43], served_areas=["27"], **extra)


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(200, body=b"{" * 200, trickle=0.02), "deadline"),  # 4 s of bytes, one at a time
        (Reply(200, body=b" " * 5000), "too_large"),
    ],
)
def test_a_peer_that_trickles_or_floods_costs_at_most_the_deadline_and_cools_off_after_three(db, quick, reply, reason):
    with FakePeer() as fake:
        fake.replies["/federation/v1/directory"] = reply
        peer = _peer("slow", fake.url)
        for failures in (1, 2, 3):
            started = time.monotonic()
            result = pull.pull_directory(Peer.objects.get(pk=peer.pk))
            assert time.monotonic() - started < DEADLINE + 0.5
            assert (result.outcome, result.reason) == ("failed", reason)
            peer.refresh_from_db()
            assert peer.failures == failures and peer.skipped() == (failures == 3)
        hits = len(fake.hits)
        assert pull.pull_directory(peer).outcome == "skipped"
        assert len(fake.hits) == hits  # not asked while cooling off
    assert not PortalCopy.objects.exists()


def test_the_command_names_each_peer_s_outcome_and_fails_when_one_failed(db, quick):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{s.getsockname()[1]}"  # closed again: nobody listens there
    _peer("down", down)
    _peer("kanto", "http://127.0.0.1:9", adapter="renrakucho")
    out = io.StringIO()
    with pytest.raises(CommandError, match="not copied"):
        call_command("federation", "pull", stdout=out)
    assert out.getvalue().splitlines() == [
        "down\tfailed\tunreachable; nothing copied yet",
        "kanto\tfailed\tunreachable; nothing copied yet",  # pulled through its adapter
    ]
    with pytest.raises(CommandError, match="No peer nowhere"):
        call_command("federation", "pull", "nowhere", stdout=io.StringIO())
    assert pull.pull_job() == 0


def test_the_search_page_says_when_a_peer_serving_the_place_cannot_be_reached(db, client):
    peer = _peer("kansai", "http://127.0.0.1:9", name="関西")

    def page(postcode):
        return client.get("/search/", {"postcode": postcode}, HTTP_ACCEPT_LANGUAGE="ja").content.decode()

    note = "この地域を担当する連携先ポータル「関西」に現在接続できません。"
    assert note not in page("530-0001")  # its last call did not fail
    Peer.objects.filter(pk=peer.pk).update(failures=1)
    assert note in page("530-0001")
    assert note not in page("060-0042")  # Sapporo: not kansai's
