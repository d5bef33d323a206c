"""Years of moves for the scale benchmark (``hikkoshi bench scale --moves N``).

In a fresh database (SQLite, and PostgreSQL when it answers), one real Tokyo → Sapporo move is
submitted through ``move_submit`` and then copied in bulk into N moves over three years, at a
steady rate: first the most recent ``SMALL``, then the history behind them
— its seven procedures, six deliveries (mostly delivered, some failed — handled by staff
once older than a week — some waiting in back-off with their tasks), events, audit rows and
finished task results; moves older than the retention time are erased as the hourly job
leaves them. The same operations are timed after
the first ``SMALL`` moves and again at N, in the same process:

- ``GET /api/v1/moves/{id}`` with a bearer token, and the result page (申請結果);
- a worker's claim of its next task (django-tasks-db's own query, under its row lock);
- the sweeper (``sweep``), the hourly erasure (``erase_expired``) and task pruning;
- the delivery admin's list, its 「要対応」 filter and an exact search by a move's id;
- a call-centre operator's search by a customer's whole name (``staff_name_search``), over the
  moves entered for customers (nine in ten of the copies, each with a customer's name and its
  blind index terms, ``hikkoshi.assisted.names``). Beside it, not in the ratios, the search as
  it was before the index (every visible move read and decrypted, a substring match in
  Python; ``name_search``: times and values decrypted, the same names asked).

Figures are medians of repeated runs; ``ratio`` is the time at N over the time at ``SMALL``
(bar: at most 2 ×, i.e. no slowdown beyond noise). On PostgreSQL each hot query's plan
(``EXPLAIN``, :data:`hikkoshi.bench.hot_queries.HOT_QUERIES`) is checked for sequential scans
of moves or deliveries at N.
"""

import argparse
from datetime import timedelta
import json
import os
from pathlib import Path
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

from hikkoshi.bench.servers import BenchError

SMALL = 1_000
BATCH = 2_000
BAR_RATIO = 2.0
POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def run_moves(*, moves: int, root: Path, deadline, log) -> dict:
    """Run the child on each database; the figures by database and their bar entries."""
    from hikkoshi.bench.delivery import _postgres_answers

    databases = ["sqlite"] + (["postgresql"] if _postgres_answers() else [])
    results = {}
    for database in databases:
        log(f"{database}: {moves:,} moves")
        results[database] = _run_child(database, moves=moves, root=root, log=log, timeout=deadline.remaining(3600))
    bar = {}
    for database, r in results.items():
        worst = max(r["ratios"].values())
        bar[f"moves_{database}_slowdown"] = {
            "target": f"<= {BAR_RATIO:g} × the time at {SMALL:,} moves, every operation",
            "value": worst,
            "pass": worst <= BAR_RATIO,
        }
        if "seq_scans" in r:
            bar[f"moves_{database}_seq_scans"] = {
                "target": "none on a hot path",
                "value": len(r["seq_scans"]),
                "pass": not r["seq_scans"],
            }
    return {"moves": moves, "results": results, "bar": bar}


def format_lines(figures: dict) -> list[str]:
    lines = []
    for database, r in figures["results"].items():
        lines.append(
            f"  {database}, {r['moves']:,} moves ({r['rows']['deliveries']:,} deliveries), "
            f"built in {r['build_seconds']} s — median ms at {SMALL:,} → at {r['moves']:,}:"
        )
        for name, ratio in r["ratios"].items():
            lines.append(f"    {name:<28} {r['small'][name]:>8.2f} → {r['large'][name]:>8.2f}  ({ratio:.2f} ×)")
        search = r.get("name_search")
        if search:
            for label, at in (("small", SMALL), ("large", r["moves"])):
                f = search[label]
                lines.append(
                    f"    name search at {at:,} moves ({f['visible_moves']:,} visible to the operator): "
                    f"index {f['index_ms']:.2f} ms, {f['index_values_decrypted']:g} values decrypted; "
                    f"before (decrypt all) {f['decrypting_ms']:.2f} ms, {f['decrypting_values_decrypted']:g} decrypted"
                )
        if "seq_scans" in r:
            lines.append(f"    sequential scans on hot paths: {len(r['seq_scans'])}")
    return lines


def _run_child(database: str, *, moves: int, root: Path, log, timeout: float) -> dict:
    base = Path(tempfile.mkdtemp(prefix=f"moves-{database}-", dir=root))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIKKOSHI_") and k != "DATABASE_URL"}
    env.update({"HIKKOSHI_DATA_DIR": str(base), "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.dev"})
    dbname = ""
    if database == "postgresql":
        import psycopg

        dbname = f"hikkoshi_bench_moves_{os.getpid()}"
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        env["DATABASE_URL"] = POSTGRES.rsplit("/", 1)[0] + "/" + dbname
    try:
        done = subprocess.run(
            [sys.executable, "-m", "hikkoshi.bench.moves", "--moves", str(moves)],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        for line in done.stderr.splitlines():
            log(f"{database}: {line}")
        if done.returncode != 0 or not done.stdout.strip():
            raise BenchError(f"the {database} run failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if dbname:
            import psycopg

            with psycopg.connect(POSTGRES, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        shutil.rmtree(base, ignore_errors=True)


# --- the child ---------------------------------------------------------------------------------


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 3)


class _World:
    """What the copies are made from, and the people and tokens that read them."""

    def __init__(self):
        from django.contrib.auth import get_user_model

        from hikkoshi.accounts.models import ApiToken
        from hikkoshi.bench.delivery import _payload
        from hikkoshi.moves.models import Move
        from hikkoshi.moves.services import move_submit

        User = get_user_model()
        self.owners = [
            User.objects.create_user(username=f"mover{n}@example.jp", email=f"mover{n}@example.jp") for n in range(50)
        ]
        self.tokens = {u.pk: ApiToken.issue(u, name="bench")[1] for u in self.owners[:5]}
        self.admin = User.objects.create_superuser(username="admin@example.jp", email="admin@example.jp", password=None)
        self.template = move_submit(owner=self.owners[0], payload=_payload())
        self.template = Move.objects.get(pk=self.template.pk)
        self.entries = list(self.template.procedures.select_related("version", "delivery").order_by("position"))
        self.channel_at = {e.position: e.delivery.channel for e in self.entries}
        self.made = 0
        self.recent: list[tuple[int, uuid.UUID]] = []  # (owner id, public id) of moves with tokens
        # The call centre whose operator searches the moves entered for customers.
        from hikkoshi.assisted.models import CallCentre, Operator

        self.centre = CallCentre.objects.create(name="ベンチ コールセンター")
        self.operator = User.objects.create_user(username="operator@example.jp", email="operator@example.jp")
        Operator.objects.create(user=self.operator, centre=self.centre)
        self.customer_names: list[str] = []  # of the moves not erased
        self.name_search: dict = {}  # the last measure's (``_name_search``)


SURNAMES = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "斎藤",
    "清水",
]
GIVEN = [
    "太郎",
    "花子",
    "一郎",
    "陽子",
    "健",
    "美咲",
    "翔太",
    "結衣",
    "大輔",
    "由美",
    "直樹",
    "愛",
    "拓也",
    "真由美",
    "誠",
    "恵",
    "蓮",
    "陽菜",
    "悠真",
    "さくら",
]


YEARS = 3


def _build(world: _World, count: int, rng: random.Random, *, newest_days: float, oldest_days: float) -> None:
    """Add ``count`` copies of the template, submitted between ``oldest_days`` and
    ``newest_days`` ago."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from hikkoshi import channels
    from hikkoshi.audit.models import AuditEvent
    from hikkoshi.delivery.models import Delivery, DeliveryEvent
    from hikkoshi.moves.constants import MoveStatus, ProcedureStatus
    from hikkoshi.moves.models import Move, MoveProcedure

    now = timezone.now()
    t = world.template
    for start in range(0, count, BATCH):
        n = min(BATCH, count - start)
        moves: list[Move] = []
        for _ in range(n):
            age = timedelta(days=rng.uniform(newest_days, oldest_days))
            owner = world.owners[rng.randrange(len(world.owners))]
            if world.made == 0 and len(moves) < 20:  # the ones read by the API and result page
                age = timedelta(days=rng.uniform(newest_days, min(oldest_days, 7)))
                owner = world.owners[len(moves) % len(world.tokens)]
            submitted = now - age
            erased = age > timedelta(days=60)
            moves.append(
                Move(
                    owner=owner,
                    status=MoveStatus.SUBMITTED,
                    kinds=t.kinds,
                    submitted_at=submitted,
                    move_date=timezone.localdate(submitted) + timedelta(days=14),
                    consent_at=submitted,
                    consent_version=t.consent_version,
                    old_address={} if erased else t.old_address,
                    new_address={} if erased else t.new_address,
                    applicant={} if erased else t.applicant,
                    members=[] if erased else t.members,
                    erased_at=submitted + timedelta(days=45) if erased else None,
                )
            )
        Move.objects.bulk_create(moves)
        _customers(world, moves, rng)
        entries = []
        for move in moves:
            for e in world.entries:
                entries.append(
                    MoveProcedure(
                        move=move,
                        version_id=e.version_id,
                        kinds=e.kinds,
                        status=e.status,
                        position=e.position,
                        deadline_from=e.deadline_from,
                        deadline_to=e.deadline_to,
                        office=e.office,
                        values={} if move.erased_at else e.values,
                    )
                )
        MoveProcedure.objects.bulk_create(entries)
        deliveries: list[Delivery] = []
        tasks: list[DBTaskResult] = []
        for entry in entries:
            channel = world.channel_at[entry.position]
            if channels.in_person(channel):
                deliveries.append(Delivery(entry=entry, channel=channel, status=ProcedureStatus.IN_PERSON))
                continue
            roll = rng.random()
            submitted_at = entry.move.submitted_at
            assert submitted_at is not None  # every move made here is submitted
            recent = submitted_at > now - timedelta(days=2)
            if recent and roll < 0.3:  # waiting in back-off, its task due later
                status, next_at = ProcedureStatus.RETRYING, now + timedelta(minutes=rng.uniform(1, 60))
                task_id = uuid.uuid4()
                tasks.append(
                    DBTaskResult(
                        id=task_id,
                        task_path="hikkoshi.delivery.tasks.deliver_task",
                        args_kwargs={"args": [0], "kwargs": {}},
                        queue_name="delivery",
                        backend_name="default",
                        run_after=next_at,
                    )
                )
            elif roll < 0.01:  # failed: staff dealt with those older than a week (handled)
                week = submitted_at > now - timedelta(days=7)
                status, next_at, task_id = (ProcedureStatus.FAILED if week else ProcedureStatus.HANDLED), None, None
            else:
                status, next_at, task_id = ProcedureStatus.DELIVERED, None, None
            deliveries.append(
                Delivery(
                    entry=entry,
                    channel=channel,
                    status=status,
                    attempts=1,
                    next_attempt_at=next_at,
                    task_id=str(task_id or ""),
                    reference=f"R{rng.randrange(10**9):09d}" if status == "delivered" else "",
                    delivered_at=entry.move.submitted_at if status == ProcedureStatus.DELIVERED else None,
                )
            )
            if status == ProcedureStatus.DELIVERED and rng.random() < 0.2:  # results not pruned yet
                tasks.append(
                    DBTaskResult(
                        task_path="hikkoshi.delivery.tasks.deliver_task",
                        args_kwargs={"args": [0], "kwargs": {}},
                        queue_name="delivery",
                        backend_name="default",
                        run_after=submitted_at,
                        status="SUCCESSFUL",
                        finished_at=submitted_at,
                    )
                )
        Delivery.objects.bulk_create(deliveries, batch_size=1000)
        DBTaskResult.objects.bulk_create(tasks, batch_size=1000)
        events = [
            DeliveryEvent(
                delivery=d,
                kind=DeliveryEvent.Kind.DELIVERED
                if d.status == "delivered"
                else DeliveryEvent.Kind.FAILED
                if d.status == "failed"
                else DeliveryEvent.Kind.RETRY,
                attempt=1,
            )
            for d in deliveries
            if d.status != ProcedureStatus.IN_PERSON
        ]
        DeliveryEvent.objects.bulk_create(events, batch_size=1000)
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(action="create", role="mover", actor_id=m.owner_id, move=m.public_id, via="page")
                for m in moves
            ]
            + [
                AuditEvent(action="view", role="mover", actor_id=m.owner_id, move=m.public_id, via="page")
                for m in moves
            ],
            batch_size=1000,
        )
        world.made += n
        world.recent += [
            (m.owner_id, m.public_id)
            for m in moves
            if m.owner_id is not None and m.owner_id in world.tokens and m.erased_at is None
        ][:20]


def _customers(world: _World, moves: list, rng: random.Random) -> None:
    """Nine in ten moves entered for a customer of the bench's call centre, with the name's
    blind index terms as ``hikkoshi.assisted.names`` writes them (erased: no name, no term)."""
    from hikkoshi.assisted import names
    from hikkoshi.assisted.models import AssistedMove, NameTerm
    from hikkoshi.encryption import crypto

    ring = crypto.keyring()
    assisted, terms = [], []
    for move in moves:
        if move.owner_id in world.tokens:  # the moves the API and the result page read
            continue
        name = "" if move.erased_at else f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"
        contact = {"name": name, "phone": "011-000-0000"} if name else {}
        assisted.append(
            AssistedMove(
                move=move,
                kind=AssistedMove.Kind.CALL_CENTRE,
                centre=world.centre,
                entered_by=world.operator,
                contact=contact,
                consent_method=AssistedMove.Method.SCRIPT,
                consent_at=move.submitted_at,
            )
        )
        if name:
            world.customer_names.append(name)
            for source, found in (
                (names.CONTACT, names.contact_names(contact)),
                (names.APPLICANT, names.applicant_names(move.applicant)),
            ):
                terms += [
                    NameTerm(move_id=move.pk, source=source, kid=ring.primary, term=term)
                    for term in names.blind_terms(found, ring)
                ]
    AssistedMove.objects.bulk_create(assisted, batch_size=1000)
    NameTerm.objects.bulk_create(terms, batch_size=2000)


def _decrypting_search(user, query: str) -> list:
    """The staff search as it was before the blind index (``assisted.views._rows`` until issue
    16): every visible move read and decrypted, a substring match on the names in Python."""
    from hikkoshi import application_number
    from hikkoshi.moves.access import visible_moves

    moves = visible_moves(user, area="callcentre").select_related(
        "assisted", "assisted__store", "assisted__agency", "assisted__centre", "assisted__entered_by"
    )
    number = application_number.parse(query)
    query = " ".join(query.split()).casefold()
    rows: list = []
    for move in moves.iterator(chunk_size=200):
        name = move.assisted.customer_name
        applicant = (move.applicant or {}).get("name", "")
        if (
            query not in name.casefold()
            and query not in applicant.casefold()
            and not (number and move.number == number)
        ):
            continue
        if len(rows) >= 200:
            break
        rows.append(move)
    return rows


def _name_search(world: _World, rng: random.Random, repeat: int) -> dict:
    """The operator's search by whole names, through the index and as before: median ms, the
    values decrypted and the moves found, for the same names."""
    from django.test import RequestFactory

    from hikkoshi.assisted.views import _rows
    from hikkoshi.encryption import crypto

    # A small run may keep no customer's move (all past the retention time): then a name nobody
    # has is asked, which still times the search.
    pool = world.customer_names or [f"{SURNAMES[0]} {GIVEN[0]}"]
    queries = [rng.choice(pool) for _ in range(repeat)]
    factory = RequestFactory(HTTP_HOST="127.0.0.1")
    counted = {"n": 0}
    decrypt = crypto.Keyring.decrypt

    def counting(self, token, context, row=None):
        counted["n"] += 1
        return decrypt(self, token, context, row)

    def run(search) -> tuple[float, float, int]:
        times, decrypted, found = [], [], 0
        for query in queries:
            counted["n"] = 0
            started = time.perf_counter()
            found += len(search(query))
            times.append((time.perf_counter() - started) * 1000)
            decrypted.append(counted["n"])
        return round(statistics.median(times), 3), statistics.median(decrypted), found

    def indexed(query):
        request = factory.post("/callcentre/", {"q": query})
        request.user = world.operator
        return _rows(request, "callcentre", query)[0]

    crypto.Keyring.decrypt = counting  # type: ignore[method-assign]
    try:
        after_ms, after_decrypted, after_found = run(indexed)
        before_ms, before_decrypted, before_found = run(lambda query: _decrypting_search(world.operator, query))
    finally:
        crypto.Keyring.decrypt = decrypt  # type: ignore[method-assign]
    from hikkoshi.moves.access import visible_moves

    return {
        "visible_moves": visible_moves(world.operator, area="callcentre").count(),
        "names_asked": len(queries),
        "index_ms": after_ms,
        "decrypting_ms": before_ms,
        "index_values_decrypted": after_decrypted,
        "decrypting_values_decrypted": before_decrypted,
        # Moves found over every name asked: a substring also finds 小林 愛 for 林 愛.
        "index_found": after_found,
        "decrypting_found": before_found,
    }


def _measure(world: _World, rng: random.Random) -> dict:
    from django.contrib.admin import site
    from django.db import connection, transaction
    from django.test import Client, RequestFactory
    from django_tasks_db.models import DBTaskResult

    from hikkoshi.delivery.models import Delivery
    from hikkoshi.delivery.services import prune_task_results, sweep
    from hikkoshi.privacy.services import erase_expired

    picks = world.recent[-40:]
    api, page = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    owners = {u.pk: u for u in world.owners}

    def api_detail():
        owner, public_id = rng.choice(picks)
        response = api.get(f"/api/v1/moves/{public_id}", HTTP_AUTHORIZATION=f"Bearer {world.tokens[owner]}")
        assert response.status_code == 200, response.status_code

    def result_page():
        owner, public_id = rng.choice(picks)
        page.force_login(owners[owner])
        response = page.get(f"/moves/{public_id}/")
        assert response.status_code == 200, response.status_code

    def claim():
        with transaction.atomic():
            DBTaskResult.objects.ready().filter(queue_name="delivery", backend_name="default").get_locked()
            transaction.set_rollback(True)

    admin = site._registry[Delivery]
    factory = RequestFactory(HTTP_HOST="127.0.0.1")

    def changelist(params):
        def run():
            request = factory.get("/admin/delivery/delivery/", params)
            request.user = world.admin
            request.session = {}
            request._messages = _NoMessages()
            response = admin.changelist_view(request)
            response.render()
            assert response.status_code == 200

        return run

    public_id = str(rng.choice(picks)[1])
    figures = {
        "api_move_detail": _median_ms(api_detail, 40),
        "result_page": _median_ms(result_page, 20),
        "worker_claim": _median_ms(claim, 40),
        "sweeper": _median_ms(sweep, 5),
        "erasure_hourly": _median_ms(erase_expired, 3),
        "task_pruning": _median_ms(prune_task_results, 3),
        "admin_list": _median_ms(changelist({}), 5),
        "admin_needs_attention": _median_ms(changelist({"attention": "all"}), 5),
        "admin_search_move_id": _median_ms(changelist({"q": public_id}), 5),
    }
    world.name_search = _name_search(world, rng, 15)
    figures["staff_name_search"] = world.name_search["index_ms"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return figures


class _NoMessages:
    def add(self, *args, **kwargs):
        pass

    def __iter__(self):
        return iter(())


def _seq_scans() -> list[str]:
    from hikkoshi.bench.hot_queries import HOT_QUERIES, sequential_scans

    found = []
    for name, queryset in HOT_QUERIES().items():
        found += [f"{name}: {line.strip()}" for line in sequential_scans(queryset, discourage=False)]
    return found


def _child(moves: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    package = Path(__file__).resolve().parents[1]
    call_command("migrate", verbosity=0, interactive=False)
    for path in sorted((package / "directory" / "data").glob("*.json")):
        call_command("directory", "import", str(path), verbosity=0)
    call_command("catalogue", "import", str(package / "catalogue" / "data" / "sapporo.json"), verbosity=0)
    rng = random.Random(16)
    world = _World()
    started = time.monotonic()
    small = min(SMALL, moves)
    # The same portal, young and then years later: moves come at the same rate (N over three
    # years); the first SMALL are the most recent ones, the rest go back in time. So the recent
    # weeks (open deliveries, moves not yet erased) look alike at both measurements, and what
    # differs is the history behind them.
    span = YEARS * 365
    recent = span * small / moves
    _build(world, small, rng, newest_days=0, oldest_days=recent)
    _say(f"{small:,} moves; measuring")
    at_small = _measure(world, rng)
    search_small = world.name_search
    _say(f"  {at_small}")
    _say(f"  name search: {search_small}")
    while world.made < moves:
        step = min(20_000, moves - world.made)
        done = world.made - small
        older = span - recent
        _build(
            world,
            step,
            rng,
            newest_days=recent + older * done / (moves - small),
            oldest_days=recent + older * (done + step) / (moves - small),
        )
        _say(f"{world.made:,} moves ({time.monotonic() - started:.0f} s)")
    build_seconds = round(time.monotonic() - started, 1)
    at_large = _measure(world, rng)
    _say(f"  {at_large}")
    _say(f"  name search: {world.name_search}")
    from hikkoshi.delivery.models import Delivery, DeliveryEvent
    from hikkoshi.moves.models import Move, MoveProcedure

    result = {
        "database": connection.vendor,
        "moves": world.made,
        "build_seconds": build_seconds,
        "rows": {
            "moves": Move.objects.count(),
            "procedures": MoveProcedure.objects.count(),
            "deliveries": Delivery.objects.count(),
            "events": DeliveryEvent.objects.count(),
        },
        "small": at_small,
        "large": at_large,
        "ratios": {k: round(at_large[k] / at_small[k], 2) if at_small[k] else 0.0 for k in at_small},
        "retention_days": settings.HIKKOSHI_RETENTION_DAYS,
        "name_search": {"small": search_small, "large": world.name_search},
    }
    if connection.vendor == "postgresql":
        result["seq_scans"] = _seq_scans()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--moves", type=int, required=True)
    args = parser.parse_args()
    print(json.dumps(_child(args.moves)))
