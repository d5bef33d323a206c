from django.utils.translation import get_language

from hikkoshi.places.regions import get_region


def portal(request):
    return {"portal_region": get_region(), "html_lang": html_lang(get_language())}


def html_lang(language: str | None) -> str:
    """The ``lang`` attribute of a page in ``language``: its primary subtag (BCP 47), so
    やさしい日本語 (``ja-x-easy``) is ``ja``. A private-use subtag means nothing outside this
    portal (RFC 5646 §4.6), and screen readers choose their voice and reading by the primary
    language: easy Japanese is read as Japanese."""
    return (language or "ja").split("-")[0].lower()
