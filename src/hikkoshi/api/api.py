"""The ``NinjaAPI`` instance and its error handlers."""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from hikkoshi.web import Problem, invalid_param, problem_response


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Japanese as it is, not as \\u escapes: smaller and readable."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=Utf8JSONRenderer(),
    title="hikkoshi API",
    version="1",
    description=(
        "引越し手続きワンストップポータル hikkoshi の API / The API of hikkoshi, a one-stop portal "
        "for moving house in Japan. Errors are RFC 9457 problem details "
        "(application/problem+json) in the language of Accept-Language (ja, en, or ja-x-easy for "
        "やさしい日本語, easy Japanese)."
    ),
    urls_namespace="api-v1",
    docs_url=None,
)


def _location_name(loc) -> str:
    # ninja reports ("query", "postcode") or ("path", "postcode"); the parameter is the last part
    # that is not a list index.
    names = [str(p) for p in loc if not isinstance(p, int) and p not in ("query", "path", "body")]
    return ".".join(names) or "request"


@api.exception_handler(Problem)
def _problem(request, exc: Problem):
    response = problem_response(exc, request.path)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(int(retry_after))
    return response


@api.exception_handler(ValidationError)
def _validation(request, exc: ValidationError):
    params = [
        invalid_param(
            _location_name(e.get("loc", ())),
            _("This parameter is required.") if e.get("type") == "missing" else _("This value is not valid."),
        )
        for e in exc.errors
    ]
    return problem_response(
        Problem(422, "invalid-parameters", _("Invalid parameters"), _("Some parameters are not valid."), params),
        request.path,
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = problem_response(
        Problem(401, "unauthenticated", _("Authentication required"), _("Send a valid token: Authorization: Bearer …")),
        request.path,
    )
    response["WWW-Authenticate"] = 'Bearer realm="hikkoshi"'
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return problem_response(Problem(exc.status_code, "error", str(exc)), request.path)


from hikkoshi.accounts.tokens import TokenAuth  # noqa: E402
from hikkoshi.catalogue.api import router as catalogue_router  # noqa: E402
from hikkoshi.directory.api import router as directory_router  # noqa: E402
from hikkoshi.moves.api import router as moves_router  # noqa: E402
from hikkoshi.places.api import router as places_router  # noqa: E402

api.add_router("/", places_router)
api.add_router("/", directory_router)
api.add_router("/", catalogue_router)
# A move's endpoints act for a signed-in client: the portal's bearer tokens (moves does not
# know how a client signs in; accounts does).
api.add_router("/", moves_router, auth=TokenAuth())
