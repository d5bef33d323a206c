"""Reads: a user's memberships (which centres, agencies and stores they act for), moves counted
for billing, the staff of an agency."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import Agency, AgencyMember, AssistedMove, BillingCount, Operator, Store

_CACHE_ATTRIBUTE = "_hikkoshi_memberships"


@dataclass(frozen=True)
class Memberships:
    """What a user may do for others, read once per request (kept on the user object).

    Only memberships that are active count, in a centre that is active or an agency that is
    admitted. ``suspended`` is true for a user whose every active membership is in a suspended
    or removed agency or an inactive call centre: such a user is refused at sign-in and their
    API tokens stop working (``hikkoshi.accounts.access.sign_in_refused``). An agency that is
    waiting to be admitted neither gives access nor refuses anyone.
    """

    centres: tuple[int, ...] = ()  # call centres the user is an operator of
    staff_of: tuple[tuple[int, int], ...] = ()  # (agency, store) the user is staff of
    manager_of: tuple[int, ...] = ()  # agencies the user manages
    suspended: bool = False

    @property
    def agencies(self) -> tuple[int, ...]:
        """Every agency the user acts for (as staff or manager)."""
        return tuple(sorted({a for a, _s in self.staff_of} | set(self.manager_of)))

    @property
    def any(self) -> bool:
        return bool(self.centres or self.staff_of or self.manager_of)


NOBODY = Memberships()


def memberships(user) -> Memberships:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    centres, closed = [], 0
    for centre_id, centre_active in Operator.objects.filter(user_id=user.pk, active=True).values_list(
        "centre_id", "centre__active"
    ):
        if centre_active:
            centres.append(centre_id)
        else:
            closed += 1
    staff_of, manager_of = [], []
    rows = AgencyMember.objects.filter(user_id=user.pk, active=True).values_list(
        "agency_id", "agency__status", "store_id", "role"
    )
    for agency_id, status, store_id, role in rows:
        if status == Agency.Status.ADMITTED:
            if role == AgencyMember.Role.MANAGER:
                manager_of.append(agency_id)
            elif store_id is not None:
                staff_of.append((agency_id, store_id))
        elif status in (Agency.Status.SUSPENDED, Agency.Status.REMOVED):
            closed += 1
    found = Memberships(
        tuple(sorted(centres)),
        tuple(sorted(staff_of)),
        tuple(sorted(manager_of)),
        suspended=bool(closed) and not (centres or staff_of or manager_of),
    )
    setattr(user, _CACHE_ATTRIBUTE, found)
    return found


def forget_memberships(user) -> None:
    """Read the memberships afresh next time (after they changed in this request)."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def agency_members(agency_ids) -> list[AgencyMember]:
    return list(
        AgencyMember.objects.filter(agency_id__in=list(agency_ids))
        .select_related("user", "agency", "store")
        .order_by("agency__name", "-active", "role", "user__email")
    )


def billing_counts(agency_ids, start: date | None = None, end: date | None = None) -> list[BillingCount]:
    """The monthly counts of these agencies; with ``start`` and ``end``, of the months that
    overlap that period (a month is counted whole: the counts are kept per month)."""
    ids = list(agency_ids)
    # a count whose store is another agency's is not these agencies' to see
    counts = BillingCount.objects.filter(agency_id__in=ids, store__agency_id__in=ids)
    if start is not None:
        counts = counts.filter(month__gte=f"{start:%Y-%m}")
    if end is not None:
        counts = counts.filter(month__lte=f"{end:%Y-%m}")
    return list(counts.select_related("agency", "store").order_by("-month", "agency__name", "store__name"))


def daily_totals(agency_ids, start: date, end: date) -> list[tuple[date, int]]:
    """[(day, moves submitted)] of these agencies' stores from ``start`` to ``end`` (Japan time,
    both included, every day: 0 for a day with none), from the submission times of their moves
    (the monthly counts have no days)."""
    ids = list(agency_ids)
    zone = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    rows = (
        AssistedMove.objects.filter(
            kind=AssistedMove.Kind.AGENCY,
            agency_id__in=ids,
            store__agency_id__in=ids,
            move__submitted_at__gte=since,
            move__submitted_at__lt=until,
        )
        .annotate(day=TruncDate("move__submitted_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    found = dict(rows)
    return [(start + timedelta(days=i), found.get(start + timedelta(days=i), 0)) for i in range((end - start).days + 1)]


def monthly_totals(counts: list[BillingCount]) -> list[tuple[str, int]]:
    """[(month, moves submitted)] of these counts summed over the stores, oldest month first."""
    totals: dict[str, int] = {}
    for count in counts:
        totals[count.month] = totals.get(count.month, 0) + count.count
    return sorted(totals.items())


@dataclass(frozen=True)
class StoreTotal:
    agency: str
    store: str
    count: int  # moves submitted, every month counted


def store_totals(agency_ids, counts: list[BillingCount]) -> list[StoreTotal]:
    """Every store of these agencies with its moves submitted summed over the months of
    ``counts`` (``billing_counts`` of the same agencies; the basis of per-store ASP fees), 0 for a
    store that submitted none; by agency and store name."""
    ids = list(agency_ids)
    sums: dict[int, int] = {}
    for count in counts:
        sums[count.store_id] = sums.get(count.store_id, 0) + count.count
    stores = Store.objects.filter(agency_id__in=ids).select_related("agency").order_by("agency__name", "name", "pk")
    return [StoreTotal(store.agency.name, store.name, sums.get(store.pk, 0)) for store in stores]
