"""The receiver's HTTP side: the endpoint the portal posts to, the keys, the staff pages.

Errors of the endpoint are RFC 9457 problem details (``application/problem+json``):
400 no or bad ``Idempotency-Key`` or a body that is not a JSON object, 401 a missing, bad, old or
replayed signature, 404 an organisation not served here, 415 not JSON, 422 the key used before
for another application, 503 the portal's keys could not be fetched (with ``Retry-After``).
"""

from functools import wraps
import hashlib
import json
import logging
import re
import time

from django.conf import settings
from django.contrib.auth import get_user_model, login as auth_login, logout as auth_logout, views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hikkoshi import httpsig

from . import keys, labels, services, styles
from .models import Application, OrganisationSetting, StatusUpdate

logger = logging.getLogger(__name__)

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def context(request) -> dict:
    """Template context of every page (a context processor)."""
    return {
        "receiver_name": settings.RECEIVER["name"],
        "organisations": settings.RECEIVER["organisations"],
        "open_staff_pages": settings.RECEIVER["open_staff_pages"],
        "stylesheet": styles.stylesheet(),
    }


def _served(slug: str) -> str:
    if slug not in settings.RECEIVER["organisations"]:
        raise Http404
    return slug


def problem(status: int, title: str, detail: str = "", **headers) -> JsonResponse:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    response = JsonResponse(
        body, status=status, content_type="application/problem+json", json_dumps_params={"ensure_ascii": False}
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _target_uri(request) -> str:
    """The URL the portal posted to: the configured public URL, or as this request says."""
    public = settings.RECEIVER["public_url"]
    if public:
        return public + request.get_full_path()
    return request.build_absolute_uri()


def _answer(request, response):
    delay = settings.RECEIVER["delay"]
    if delay > 0:
        time.sleep(delay)  # a slow organisation, for tests and demonstrations
    return response


# --- the endpoint ------------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def applications(request, slug):
    """``POST /<slug>/applications``: one signed application from the portal."""
    _served(slug)
    key = request.headers.get("Idempotency-Key", "")
    if not _IDEMPOTENCY_KEY.match(key):
        return _answer(
            request,
            problem(400, _("Idempotency-Key missing"), _("Send the application with an Idempotency-Key header.")),
        )
    config = settings.RECEIVER
    body = request.body
    try:
        verified = httpsig.verify_message(
            httpsig.Request(
                (request.method or "POST").upper(), _target_uri(request), httpsig.header_fields(request.headers)
            ),
            tag=httpsig.APPLICATION_TAG,
            components=httpsig.REQUEST_COMPONENTS,
            body=body,
            keys=keys.portal_keys().resolve,
            max_age=config["max_age"],
            max_future=config["max_future"],
        )
    except httpsig.KeyUnavailable:
        return _answer(
            request,
            problem(
                503,
                _("Keys unavailable"),
                _("The portal's keys could not be fetched; try again later."),
                Retry_After="30",
            ),
        )
    except httpsig.SignatureError as exc:
        logger.info("application refused (%s): %s", slug, exc)
        return _answer(request, problem(401, _("Bad signature"), str(exc)))
    try:
        services.remember_nonce(verified, keep=httpsig.replay_window(config["max_age"], config["max_future"]))
    except services.Replayed:
        logger.info("application refused (%s): replayed signature", slug)
        return _answer(
            request, problem(401, _("Replayed signature"), _("This signature was used before: sign each request anew."))
        )
    if request.content_type != "application/json":
        return _answer(request, problem(415, _("Not JSON"), _("Send the application as application/json.")))
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8 or JSON, an integer over 4,300 digits, too deep
        data = None
    if isinstance(data, dict) and too_deep(data):
        data = None
    if not isinstance(data, dict):
        return _answer(request, problem(400, _("Not an application"), _("The body must be a JSON object.")))
    if services.notice_kind(data):
        return _answer(request, _notice(slug, verified, data))
    try:
        accepted = services.accept(organisation=slug, verified=verified, data=data)
    except services.Conflict:
        return _answer(
            request,
            problem(
                422, _("Idempotency-Key reused"), _("This Idempotency-Key was used before for another application.")
            ),
        )
    return _answer(request, _receipt(slug, accepted))


MAX_DEPTH = 32


def too_deep(data, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON ``data`` nests lists and objects more than ``limit`` deep (no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return False


def _notice(slug: str, verified, data: dict) -> HttpResponse:
    """A withdrawal or correction: its receipt, or a signed 409 when the application was
    processed already (bound to this request's key and digest), or 404 / 422."""
    try:
        accepted = services.accept_notice(organisation=slug, verified=verified, data=data)
    except services.Conflict:
        return problem(
            422, _("Idempotency-Key reused"), _("This Idempotency-Key was used before for another application.")
        )
    except services.UnknownApplication:
        return problem(
            404, _("No such application"), _("The withdrawal or correction names no application received here.")
        )
    except services.Processed:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": _("Already processed"),
                "status": 409,
                "detail": _("This application has been processed: contact the organisation."),
                "idempotency_key": services.idempotency_key_of(verified),
                "content_digest": services.content_digest_of(verified),
            },
            ensure_ascii=False,
        ).encode("utf-8")
        response = HttpResponse(body, status=409)
        for name, value in _signed_answer(409, body, slug, content_type="application/problem+json").items():
            response[name] = value
        response["Cache-Control"] = "no-store"
        return response
    return _receipt(slug, accepted)


def _signed_answer(status: int, body: bytes, slug: str, *, content_type: str = httpsig.JSON) -> dict[str, str]:
    """The header fields of an answer signed with the organisation's key (tag
    ``hikkoshi-receipt``: a receipt, or a 409 about the request it answers)."""
    private_key, key_id = keys.organisation_key(slug)
    return httpsig.sign_message(
        httpsig.Response(status, {"Content-Type": content_type}),
        tag=httpsig.RECEIPT_TAG,
        components=httpsig.RESPONSE_COMPONENTS,
        private_key=private_key,
        key_id=key_id,
        body=body,
    )


def _receipt(slug: str, accepted: services.Accepted) -> HttpResponse:
    status = 201 if accepted.created else 200
    body = accepted.application.receipt.encode("utf-8")
    response = HttpResponse(body, status=status)
    for name, value in _signed_answer(status, body, slug).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def receipt_keys(request, slug):
    """``GET /<slug>/.well-known/receipt-keys.json``: the organisation's receipt keys (JWK set)."""
    response = JsonResponse(keys.organisation_jwks(_served(slug)))
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- staff pages -----------------------------------------------------------------------------------


def staff_organisations(request) -> list[str]:
    """The organisations served here that the signed-in staff member is mapped to (every one
    served on a sandbox with ``--open-staff-pages``)."""
    served = settings.RECEIVER["organisations"]
    if settings.RECEIVER["open_staff_pages"]:
        return list(served)
    from .models import StaffOrganisation

    mapped = set(StaffOrganisation.objects.filter(user_id=request.user.pk).values_list("organisation", flat=True))
    return [slug for slug in served if slug in mapped]


def staff_only(view):
    """Staff signed in with their password and their authenticator app's code only, unless the
    sandbox flag ``--open-staff-pages`` is set; a page of an organisation the staff member is
    not mapped to is a 404, as one not served here. A session signed in without the code (made
    before the second factor was asked) is signed out."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.RECEIVER["open_staff_pages"]:
            if request.user.is_authenticated and request.session.get(SECOND_FACTOR_USED) is not True:
                auth_logout(request)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
        request.staff_organisations = staff_organisations(request)
        slug = kwargs.get("slug")
        if slug is not None and slug not in request.staff_organisations:
            raise Http404("no such organisation here")
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)  # personal data: never kept by a browser or a proxy
        return response

    return wrapper


@require_safe
@staff_only
def home(request):
    return render(
        request,
        "receiver/home.html",
        {
            "base_url": settings.RECEIVER["public_url"] or f"{request.scheme}://{request.get_host()}",
            "served": [
                {
                    "slug": slug,
                    "count": Application.objects.filter(organisation=slug).count(),
                    "retention_days": OrganisationSetting.retention(slug),
                }
                for slug in request.staff_organisations
            ],
        },
    )


@require_safe
@staff_only
def application_list(request, slug):
    _served(slug)
    page = Paginator(Application.objects.filter(organisation=slug).defer("data"), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "receiver/list.html",
        {"slug": slug, "page": page, "retention_days": OrganisationSetting.retention(slug)},
    )


STATUS_ERRORS = {
    "bad_status": gettext_lazy("Status of the application: choose one of the statuses."),
    "message_required": gettext_lazy(
        "Message to the applicant: write what the applicant is to do, or why it is not accepted."
    ),
    "message_too_long": gettext_lazy("Message to the applicant: at most 2,000 characters."),
    "backwards": gettext_lazy(
        "Status of the application: it cannot go back to an earlier status, nor change after done or not accepted."
    ),
}


# The status badges (DADS chip labels) of the statuses: waiting, to act on, done, refused.
STATUS_BADGES = {
    StatusUpdate.RECEIVED: "badge",
    StatusUpdate.PROCESSING: "badge",
    StatusUpdate.ACTION_NEEDED: "badge badge-todo",
    StatusUpdate.DONE: "badge badge-done",
    StatusUpdate.REFUSED: "badge badge-problem",
}


@require_http_methods(["GET", "HEAD", "POST"])
@staff_only
def application_detail(request, slug, reference):
    """One application, its withdrawals and corrections and its statuses (処理状況); a POST marks
    it processed (処理済み), or with ``status`` sets its status with a message to the applicant,
    sent to the portal signed (``services.set_status``)."""
    _served(slug)
    application = get_object_or_404(Application, organisation=slug, reference=reference)
    status_error = ""
    status_error_field = ""  # the field the error is shown at: "status" or "message"
    status_form = {"status": "", "message": ""}
    if request.method == "POST":
        if "status" not in request.POST:
            services.mark_processed(organisation=slug, reference=reference)
            return redirect(request.path)
        status_form = {"status": request.POST.get("status", ""), "message": request.POST.get("message", "")}
        try:
            services.set_status(
                organisation=slug,
                reference=reference,
                status=status_form["status"],
                message=status_form["message"],
                set_by=request.user.get_username() if request.user.is_authenticated else "",
            )
        except services.StatusRefused as refused:
            status_error = STATUS_ERRORS.get(refused.code, STATUS_ERRORS["bad_status"])
            status_error_field = "message" if refused.code.startswith("message") else "status"
        else:
            return redirect(request.path + "#status")
    return render(
        request,
        "receiver/detail.html",
        {
            "slug": slug,
            "status_error": status_error,
            "status_error_field": status_error_field,
            "status_form": status_form,
            "statuses": StatusUpdate.STATUSES,
            "status_updates": [
                {"update": u, "badge": STATUS_BADGES.get(u.status, "badge")} for u in application.status_updates.all()
            ],
            "current_status": services.current_status(application),
            "application": application,
            "fields": labels.rows(application.data),
            "notices": [{"notice": n, "fields": labels.rows(n.data)} for n in application.notices.all()],
        },
        status=400 if status_error else 200,
    )


@require_safe
@staff_only
def export_csv(request, slug):
    _served(slug)
    response = HttpResponse(services.export_csv(slug), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-applications.csv"'
    response["Cache-Control"] = "no-store"
    return response


# --- the staff sign-in ------------------------------------------------------------------------------


def _failures_key(username: str) -> str:
    return "receiver.login_failed:" + hashlib.sha256(username.strip().lower().encode()).hexdigest()


def _recent_failures(username: str) -> list[float]:
    from django.core.cache import cache

    _limit, window = settings.RECEIVER_LOGIN_FAILURES
    now = time.time()
    return [t for t in cache.get(_failures_key(username), []) if now - t < window]


def login_locked(username: str) -> bool:
    limit, _window = settings.RECEIVER_LOGIN_FAILURES
    return len(_recent_failures(username)) >= limit


def _record_failure(username: str) -> None:
    from django.core.cache import cache

    _limit, window = settings.RECEIVER_LOGIN_FAILURES
    cache.set(_failures_key(username), _recent_failures(username) + [time.time()], window)


# The session of a sign-in between its two steps: the user whose password was right, when, and
# where to go after the code.
PENDING = "receiver.sign_in_pending"
# Set in a session signed in with both factors (staff_only asks for it).
SECOND_FACTOR_USED = "receiver.second_factor"


class LockingLoginView(auth_views.LoginView):
    """Django's sign-in, with a lockout: after 5 failures for a user name in 15 minutes, every
    attempt for it is refused (429) until the oldest failure is 15 minutes old; a success does
    not reset the count. The user name is kept only as a digest.

    A right password does not sign in yet: it leads to the second step (``code``), which asks
    for the authenticator app's code (TOTP) within 5 minutes; wrong codes count as failures of
    the same user name."""

    def form_valid(self, form):
        user = form.get_user()
        if not services.has_second_factor(user):
            return self.render_to_response(self.get_context_data(form=form, no_second_factor=True), status=403)
        self.request.session[PENDING] = {"user": user.pk, "at": time.time(), "next": self.get_success_url()}
        return redirect("receiver:code")

    def post(self, request, *args, **kwargs):
        username = (request.POST.get("username") or "")[:150]
        if login_locked(username):
            form = self.get_form()
            return self.render_to_response(self.get_context_data(form=form, locked=True), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        _record_failure((self.request.POST.get("username") or "")[:150])
        return super().form_invalid(form)


@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_code(request):
    """The second step of the staff sign-in: the 6-digit code of the authenticator app (二要素認証)."""
    pending = request.session.get(PENDING)
    user = None
    if isinstance(pending, dict) and time.time() - pending.get("at", 0) < settings.RECEIVER["code_wait"]:
        user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        return redirect("receiver:login")
    context = {"username": user.username}
    if request.method == "POST":
        if login_locked(user.username):
            request.session.pop(PENDING, None)
            return render(request, "receiver/code.html", {**context, "locked": True}, status=429)
        if services.check_code(user, request.POST.get("code", "")[:20]):
            del request.session[PENDING]
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SECOND_FACTOR_USED] = True
            return redirect(pending.get("next") or reverse("receiver:home"))
        _record_failure(user.username)
        context["wrong"] = True
    response = render(request, "receiver/code.html", context)
    add_never_cache_headers(response)
    return response
