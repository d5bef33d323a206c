"""The public pages. Views read through selectors and never change anything but the session."""

from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, HttpResponseForbidden, HttpResponseNotFound, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import get_language, gettext as _, gettext_lazy
from django.views.decorators.http import require_GET

from hikkoshi.directory.selectors import office_ids_in, office_search, organisations_by_id, organisations_for_place
from hikkoshi.federation.live import search as live_search
from hikkoshi.federation.pull import unreachable_for
from hikkoshi.places.addresses import resolve_address
from hikkoshi.places.postcodes import lookup
from hikkoshi.places.regions import get_region
from hikkoshi.stats.counting import count
from hikkoshi.web import not_found as api_not_found, server_error as api_server_error

from .forms import OfficeSearchForm, ProviderSearchForm
from .models import News

INFO_PAGES = {
    "about": gettext_lazy("About this portal"),
    "flow": gettext_lazy("How the service works"),
    "terms": gettext_lazy("Terms of use"),
    "notes": gettext_lazy("Notes on use"),
    "privacy": gettext_lazy("Privacy policy"),
    "contact": gettext_lazy("Contact"),
    "operators": gettext_lazy("About the operators"),
}


@require_GET
def home(request):
    news = News.objects.published()[:5]
    return render(request, "portal/home.html", {"news": news, "form": ProviderSearchForm()})


@require_GET
def news_detail(request, pk: int):
    from django.shortcuts import get_object_or_404

    item = get_object_or_404(News.objects.published(), pk=pk)
    return render(request, "portal/news_detail.html", {"item": item})


@require_GET
def provider_search(request):
    """事業者情報検索: the form, and below it the results; what was typed stays in the form."""
    context = {}
    if request.GET:
        form = ProviderSearchForm(request.GET)
        if form.is_valid():
            place, problem = _place_from(form)
            if problem:
                form.add_error(problem[0], problem[1])
            else:
                context["place"] = place
                where = {
                    "municipality_code": place.municipality_code,
                    "postcode": place.postcode,
                    "category": form.cleaned_data["category"] or None,
                }
                live = live_search(**where)  # the partners that offer only a search per place
                context["matches"] = organisations_for_place(**where) + live.matches
                context["unreachable"] = unreachable_for(place.municipality_code) + live.unreachable
                count(
                    "search",
                    category=where["category"] or "",
                    region=place.municipality_code,
                    source="local",
                    channel="page",
                )
    else:
        form = ProviderSearchForm()
    context["form"] = form
    status = 200 if not form.is_bound or form.is_valid() else 400
    return render(request, "portal/search.html", context, status=status)


def _place_from(form):
    data = form.cleaned_data
    if data["postcode"]:
        place = lookup(data["postcode"])
        if place is None:
            return None, ("postcode", _("No such postal code is known. Check the number."))
        return place, None
    match = resolve_address(data["address"])
    if match.place:
        return match.place, None
    if match.ambiguous:
        names = "、".join(f"{m.prefecture}{m.name}" for m in match.candidates[:5])
        return None, ("address", _("Several places match: %(names)s. Add the prefecture.") % {"names": names})
    return None, (
        "address",
        _("No municipality could be read from this address. Start with the city, such as 札幌市中央区."),
    )


OFFICES_PER_PAGE = 20


@require_GET
def offices(request):
    """市役所・区役所の連絡先: the city and ward offices of this portal's region, a page at a time,
    narrowed by a search (a nationwide directory has thousands)."""
    region = get_region()
    form = OfficeSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    ids = office_search(region.areas, query) if query else office_ids_in(region.areas)
    page = Paginator(ids, OFFICES_PER_PAGE).get_page(request.GET.get("page"))
    orgs = organisations_by_id(list(page.object_list))
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "portal/offices.html",
        {
            "offices": [orgs[pk] for pk in page.object_list if pk in orgs],
            "page": page,
            "form": form,
            "query": query,
            "region": region,
        },
        status=status,
    )


@require_GET
def info_page(request, slug: str):
    if slug not in INFO_PAGES:
        return page_not_found(request, None)
    lang = "en" if get_language() == "en" else "ja"
    return render(
        request,
        "portal/page.html",
        {
            "title": INFO_PAGES[slug],
            "content_template": f"portal/pages/{lang}/{slug}.html",
            "slug": slug,
        },
    )


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception, template_name="portal/errors/404.html"):
    if _is_api(request):
        return api_not_found(request)
    return HttpResponseNotFound(loader.render_to_string(template_name, {}, request))


def server_error(request, template_name="portal/errors/500.html"):
    if _is_api(request):
        return api_server_error(request)
    # No request context: the failure may lie in a context processor.
    return HttpResponseServerError(loader.render_to_string(template_name, {}))


def bad_request(request, exception, template_name="portal/errors/400.html"):
    if _is_api(request):
        from hikkoshi.web import generic_problem

        return generic_problem(request, 400)
    return HttpResponseBadRequest(loader.render_to_string(template_name, {}, request))


def permission_denied(request, exception, template_name="portal/errors/403.html"):
    return HttpResponseForbidden(loader.render_to_string(template_name, {}, request))
