"""Each counter moves when its event happens, and only then."""

from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
import pytest

from hikkoshi.accounts.tests.conftest import make_user, sign_in
from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401  (the shipped catalogue)
from hikkoshi.delivery.models import Delivery
from hikkoshi.delivery.tests.test_faults import smtp  # noqa: F401  (an SMTP server on 127.0.0.1)
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation
from hikkoshi.stats.middleware import StatsMiddleware


def total(rows, event):
    return sum(n for (ev, _key), n in rows.items() if ev == event)


def test_a_page_view_is_a_visit_static_files_the_api_and_errors_are_not(db, counted):
    client = Client()
    rows = counted(lambda: client.get("/"))
    assert rows == {("visit", "kind=portal:home"): 1}
    rows = counted(
        lambda: (
            client.get("/static/hikkoshi/does-not-exist.css"),
            client.get("/api/v1/organisations"),  # the API (422)
            client.get("/no-such-page/"),  # 404
            client.post("/"),  # not a GET
        )
    )
    assert rows == {("visit", "kind=portal:home"): 1}


def test_a_pdf_answered_is_a_document_printed_by_its_view():
    from hikkoshi.stats import counting

    counting.discard()
    request = RequestFactory().get("/moves/x/document.pdf")
    request.resolver_match = type("Match", (), {"view_name": "moves:document"})()
    StatsMiddleware(lambda r: HttpResponse(b"%PDF", content_type="application/pdf"))(request)
    counts, _dropped = counting._buffer.take()
    assert [(event, dims, n) for (_h, event, dims, _s), n in counts.items()] == [
        ("document_printed", (("kind", "moves:document"),), 1)
    ]


def test_the_administrators_pages_and_pdfs_are_not_counted():
    """Staff reading the dashboard or downloading the evaluation report print no mover's document."""
    from hikkoshi.stats import counting

    counting.discard()
    for path, content_type in (("/admin/stats/report.pdf", "application/pdf"), ("/admin/stats/", "text/html")):
        request = RequestFactory().get(path)
        request.resolver_match = type("Match", (), {"view_name": "stats-report"})()
        StatsMiddleware(lambda r, ct=content_type: HttpResponse(b"x", content_type=ct))(request)
    assert counting._buffer.take() == ({}, 0)


def test_provider_searches_of_the_page_and_of_the_api(directory, counted):
    client = Client()
    assert counted(lambda: client.get("/search/")) == {("visit", "kind=portal:search"): 1}  # only the form
    rows = counted(lambda: client.get("/search/", {"postcode": "0600042", "category": "gas"}))
    assert rows[("search", "category=gas;channel=page;region=01101;source=local")] == 1
    rows = counted(lambda: client.get("/api/v1/organisations", {"postcode": "0600042"}))
    assert rows[("search", "channel=api;region=01101;source=local")] == 1
    rows = counted(lambda: client.get("/api/v1/organisations", {"postcode": "0000000"}))  # unknown: no search
    assert total(rows, "search") == 2


def test_partner_portals_searches_are_counted_as_theirs(directory, counted):
    from hikkoshi.directory.api import search_text

    rows = counted(lambda: search_text("0600042", None, own=True))
    assert rows == {("search", "channel=api;region=01101;source=partner"): 1}


def test_a_move_started_and_submitted_by_its_mover(sapporo, django_user_model, counted):
    mover = make_user(django_user_model, "mover@example.jp")
    rows = counted(lambda: move_submit(owner=mover, payload=sapporo_relocation()))
    assert {k: n for k, n in rows.items() if k[0].startswith("move")} == {
        ("move_started", "entered_by=mover;kind=relocation"): 1,
        ("move_submitted", "entered_by=mover;kind=relocation;region=01102"): 1,  # 北区, where it goes
    }


def test_a_submission_rolled_back_is_not_counted(sapporo, django_user_model, counted):
    mover = make_user(django_user_model, "mover@example.jp")

    def failed():
        with pytest.raises(RuntimeError), transaction.atomic():
            move_submit(owner=mover, payload=sapporo_relocation())
            raise RuntimeError

    assert counted(failed) == {}


def test_deliveries_counted_as_the_worker_records_them(sapporo, django_user_model, counted, smtp):
    """A real hand-over by e-mail (the organisation's server says 451, then 250): a retry with
    its reason, then a delivery, each by channel and organisation as the worker knew them —
    nothing read back after its transaction."""
    from hikkoshi.delivery import services
    from hikkoshi.delivery.tests.test_faults import _due_now, _email_move

    mover = make_user(django_user_model, "mover@example.jp")
    smtp("451 4.3.0 try again later")
    delivery = _email_move(mover)
    org = delivery.entry.version.procedure.organisation.slug
    before = counted()
    assert counted(lambda: services.deliver(delivery.pk)) == {
        **before,
        ("delivery_retry", f"channel=email;organisation={org};reason=smtp_451"): 1,
    }
    _due_now(delivery)
    with CaptureQueriesContext(connection) as queries:
        rows = counted(lambda: services.deliver(delivery.pk))
    assert rows[("delivered", f"channel=email;organisation={org}")] == 1
    # The organisation is read once, to build the application — not again to count it.
    assert len([q for q in queries.captured_queries if '"directory_organisation"' in q["sql"]]) == 1


def test_a_fax_delivered_counts_its_pages_and_failures_their_reason(sapporo, django_user_model, counted, settings):
    """Recorded without the organisation at hand (an application that could not be built, the
    sweeper), it is read then; a delivered fax counts its pages; a delivery lost with its worker
    counts when the sweeper gives up on it (worker_lost), not before; what staff close by hand
    is not a delivery."""
    from hikkoshi.delivery import services
    from hikkoshi.delivery.channels import DeliveryError, Outcome
    from hikkoshi.delivery.tests.test_status_owner import _sending

    mover = make_user(django_user_model, "mover@example.jp")
    counted(lambda: move_submit(owner=mover, payload=sapporo_relocation()))
    before = counted()
    web, other, lost, closed = Delivery.objects.filter(channel="web").select_related(
        "entry__version__procedure__organisation"
    )[:4]
    org = web.entry.version.procedure.organisation.slug
    Delivery.objects.filter(pk=web.pk).update(channel="fax")
    Delivery.objects.filter(pk=closed.pk).update(status=ProcedureStatus.RETRYING)

    def staff_close():
        assert services.mark_handled(Delivery.objects.get(pk=closed.pk), user=None, reason="電話で確認済み")

    rows = counted(
        lambda: (
            services._failed(_sending(web, "a"), "a", DeliveryError("timeout", retryable=True), None),
            services._succeeded(_sending(web, "b"), "b", Outcome(reference="", receipt={"pages": 3}), None),
            staff_close(),
        )
    )
    new = {k: n - before.get(k, 0) for k, n in rows.items() if n != before.get(k, 0)}
    assert new == {
        ("delivery_retry", f"channel=fax;organisation={org};reason=timeout"): 1,
        ("delivered", f"channel=fax;organisation={org}"): 1,
        ("fax_pages", f"organisation={org}"): 3,
    }
    org = other.entry.version.procedure.organisation.slug
    rows = counted(
        lambda: services._failed(_sending(other, "c"), "c", DeliveryError("http_400", retryable=False), None)
    )
    assert rows[("delivery_failed", f"channel=web;organisation={org};reason=http_400")] == 1

    org = lost.entry.version.procedure.organisation.slug
    key = ("delivery_failed", f"channel=web;organisation={org};reason=worker_lost")
    ago = settings.HIKKOSHI_DELIVERY["lease"] + 5
    for losses in range(1, services.MAX_LOSSES + 1):
        _sending(lost, f"lost-{losses}", ago=ago)
        before = counted()
        rows = counted(services.sweep)
        assert (rows == before) if losses < services.MAX_LOSSES else (rows[key] == before.get(key, 0) + 1)
    assert Delivery.objects.get(pk=lost.pk).status == ProcedureStatus.FAILED


def test_hand_overs_to_and_from_partner_portals(db, sapporo, django_user_model, counted):
    from hikkoshi.federation.models import Handoff, OutgoingHandoff, OutgoingState, Peer

    peer = Peer.objects.create(slug="kanto", base_url="https://kanto.example.jp/")
    mover = make_user(django_user_model, "mover@example.jp")
    move = move_submit(owner=mover, payload=sapporo_relocation())
    before = counted()
    out = OutgoingHandoff.objects.create(move=move, peer=peer, user_id=mover.pk, subject="s", idempotency_key="k1")
    assert counted() == before  # consent recorded: nothing sent yet
    out.state = OutgoingState.SENT
    rows = counted(lambda: out.save(update_fields=["state"]))
    assert rows[("handoff_out", "source=partner:kanto")] == 1
    rows = counted(
        lambda: Handoff.objects.create(
            id="h" * 43,
            origin=peer,
            idempotency_key="k",
            request_sha256="0" * 64,
            claim_digest="1" * 64,
            consent_at=timezone.now(),
            expires_at=timezone.now(),
        )
    )
    assert rows[("handoff_in", "source=partner:kanto")] == 1


def test_sign_in_failures_and_the_lockout(db, django_user_model, counted):
    make_user(django_user_model, "mover@example.jp")
    client = Client()
    rows = counted(lambda: [sign_in(client, "mover@example.jp", "wrong") for _ in range(5)])
    assert rows == {("signin_failed", ""): 5}
    rows = counted(lambda: sign_in(client, "mover@example.jp"))  # the sixth: locked out
    assert rows == {("signin_failed", ""): 5, ("lockout", ""): 1}
    rows = counted(lambda: sign_in(Client(), "mover@example.jp", "wrong"))
    assert rows[("lockout", "")] == 2
