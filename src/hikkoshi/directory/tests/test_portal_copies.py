"""Partner portals' copies of their directories (``transfer.replace_portal_copy``) in the search
index: checked by the import's rules, replaced whole, and winning where the partner serves."""

import json

from django.utils import translation
import pytest

from hikkoshi.directory.constants import LOCAL_PORTAL
from hikkoshi.directory.models import DirectoryRevision, Organisation, PortalCopy
from hikkoshi.directory.selectors import directory_snapshot, match_ids, organisations_by_id
from hikkoshi.directory.transfer import (
    DirectoryImportError,
    directory_import,
    drop_portal_copy,
    has_markup,
    replace_portal_copy,
)

KITA = "27127"  # 大阪市北区 (a ward of 大阪市, 27100)
TENNOJI = "27109"  # 大阪市天王寺区


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def org(slug, *areas, category="ward_office", name=None, **extra):
    return {
        "slug": slug,
        "category": category,
        "name": name or slug,
        "areas": [{"area_code": code, "postcode_from": "", "postcode_to": ""} for code in areas],
        **extra,
    }


def document(*organisations) -> str:
    return json.dumps({"format": "hikkoshi-directory", "version": 1, "organisations": list(organisations)})


@pytest.fixture
def shipped(db, tmp_path):
    """This portal's own entries for Osaka (like data/osaka.json), and two that reach further."""
    path = tmp_path / "osaka.json"
    path.write_text(
        document(
            org("kita-ward", KITA, name="北区役所（出荷版）"),
            org("water", "27100", category="water"),
            org("power", "27", category="electricity"),  # all of Osaka prefecture
            org("post", category="post"),  # no area: never found by place
            org("west-japan", "27", "28", category="telephone"),
        )
    )
    directory_import(path=path)


def names(code, *, own=False, category=None):
    snapshot = directory_snapshot()
    ids = match_ids(municipality_code=code, category=category, snapshot=snapshot, own=own)
    orgs = organisations_by_id([pk for pk, _ in ids], snapshot=snapshot)
    return [(orgs[pk].portal, orgs[pk].name) for pk, _ in ids]


def test_where_a_partner_serves_its_entries_win_over_this_portal_s_copies(shipped):
    assert ("local", "北区役所（出荷版）") in names(KITA)
    replace_portal_copy(
        portal="kansai",
        name="関西",
        served=["27100"],
        etag='"v1"',
        text=document(org("kita", KITA, name="大阪市北区役所"), org("gas", "27100", category="gas")),
    )
    found = names(KITA)
    # Local areas inside 27100 (the ward 27127, the city 27100) are hidden; a wider one (the
    # prefecture 27) stays, as does anything outside the partner's areas.
    assert ("kansai", "大阪市北区役所") in found and ("kansai", "gas") in found
    assert ("local", "北区役所（出荷版）") not in found and ("local", "water") not in found
    assert ("local", "power") in found and ("local", "west-japan") in found
    assert ("local", "west-japan") in names("28100")  # Kobe: not the partner's
    # This portal's own index (what it serves its partners, what its catalogue applies): untouched.
    assert names(KITA, own=True) == [
        ("local", "北区役所（出荷版）"),
        ("local", "power"),
        ("local", "water"),
        ("local", "west-japan"),
    ]
    entry = Organisation.objects.get(portal="kansai", name="大阪市北区役所")
    assert entry.slug == "kansai:kita"
    loaded = organisations_by_id([entry.pk])[entry.pk]
    assert loaded.portal_copy is not None and loaded.portal_copy.name == "関西"


def test_a_copy_is_replaced_whole_and_a_bad_copy_changes_nothing(shipped):
    replace_portal_copy(portal="kansai", name="関西", served=["27"], etag='"v1"', text=document(org("kita", KITA)))
    good = PortalCopy.objects.get()
    stamp = DirectoryRevision.objects.get().stamp
    bad = [
        (org("kita", KITA, note="<script>alert(1)</script>"), "note: Markup (HTML) is not allowed here"),
        (org("kita", KITA, name="<img src=x onerror=alert(1)>"), "name: Markup"),
        (
            org("kita", KITA, contacts=[{"kind": "web", "value": "javascript:alert(1)"}]),
            "contacts[0].value: Enter a web address",
        ),
        (
            org("kita", KITA, contacts=[{"kind": "phone", "value": "06-6313-9986", "label": "<b>x</b>"}]),
            "contacts[0]: Markup",
        ),
        (org("kita", "13101"), "areas[0]: The area 13101 lies outside the places this portal serves (27)"),
        (org("kita", "28"), "lies outside"),
        (
            {**org("kita"), "areas": [{"area_code": "", "postcode_from": "5300001", "postcode_to": "5300099"}]},
            "areas[0]: A partner portal's area needs its prefecture or municipality code",
        ),
    ]
    for item, message in bad:
        with pytest.raises(DirectoryImportError) as refused:
            replace_portal_copy(
                portal="kansai", name="関西", served=["27"], etag='"v2"', text=document(org("other", TENNOJI), item)
            )
        assert message in str(refused.value), item
        assert PortalCopy.objects.get() == good and PortalCopy.objects.get().etag == '"v1"'
        assert list(Organisation.objects.filter(portal="kansai").values_list("slug", flat=True)) == ["kansai:kita"]
        assert DirectoryRevision.objects.get().stamp == stamp
    replace_portal_copy(portal="kansai", name="関西", served=["27"], etag='"v3"', text=document(org("other", TENNOJI)))
    assert list(Organisation.objects.filter(portal="kansai").values_list("slug", flat=True)) == ["kansai:other"]
    # kansai serves all of 27 and has nothing for 北区: nothing of this portal's shows there (its
    # areas 27 lie in 27), though west-japan still does for Kobe.
    assert names(KITA) == [] and ("local", "west-japan") in names("28100")
    assert drop_portal_copy("kansai") == 1
    assert not PortalCopy.objects.exists() and ("local", "北区役所（出荷版）") in names(KITA)


def test_this_portal_s_own_import_refuses_markup_too(db, tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(document(org("kita", KITA, hours="<a href='javascript:x'>9時</a>")))
    with pytest.raises(DirectoryImportError, match="hours: Markup"):
        directory_import(path=path)
    assert not Organisation.objects.exists()
    path.write_text(document(org("kita", KITA, hours="9時 < 17時 (1 < 2)")))  # a "<" alone is text
    directory_import(path=path)
    assert Organisation.objects.get().portal == LOCAL_PORTAL


def test_areas_are_cut_to_where_the_partner_counts_here(shipped):
    """The partner claims 25–30; the operator allowed only 大阪市 (27100): a prefecture-wide area
    becomes 27100, an area elsewhere in its region goes (and an entry left without any), an area
    outside its region refuses the copy."""
    region = ["25", "26", "27", "28", "29", "30"]
    replace_portal_copy(
        portal="kansai",
        name="関西",
        served=["27100"],
        region=region,
        etag='"v1"',
        text=document(
            org("kepco", "25", "27", "28", category="electricity"),
            org("kita", KITA),
            org("kobe", "28100"),
        ),
    )
    stored = {
        o.slug: sorted(o.areas.values_list("area_code", flat=True))
        for o in Organisation.objects.filter(portal="kansai")
    }
    assert stored == {"kansai:kepco": ["27100"], "kansai:kita": [KITA]}
    assert ("kansai", "kepco") in names(KITA) and ("local", "power") in names(KITA)  # 27 is wider than 27100
    with pytest.raises(DirectoryImportError, match="The area 13101 lies outside the places this portal serves"):
        replace_portal_copy(
            portal="kansai", name="関西", served=["27100"], region=region, etag='"v2"', text=document(org("x", "13101"))
        )


@pytest.mark.parametrize(
    "text",
    [
        "<b>bold</b>",  # a start tag
        "a<br/>b",  # a self-closing tag
        "</p>",  # an end tag
        "<!-- hidden -->",  # a comment
        "<!DOCTYPE html>",  # a declaration
        "<?php echo 1 ?>",  # a processing instruction
        "<![CDATA[x]]>",  # a marked section
        "&lt;script&gt;",  # an entity reference
        "&#60;script&#62;",  # a character reference
    ],
)
def test_every_kind_of_markup_is_found(text):
    assert has_markup(text)


@pytest.mark.parametrize("text", ["5 < 6", "札幌市水道局", "A & B", "", "x<y"])
def test_text_without_markup_is_text(text):
    assert not has_markup(text)
