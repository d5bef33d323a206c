"""Imports at scale: unchanged rows skipped, bulk writes, one revision bump, a progress bar."""

from io import StringIO
import json

from django.core.management import call_command
from django.core.management.base import OutputWrapper
from django.db import connection
from django.test.utils import CaptureQueriesContext
import pytest

from hikkoshi.directory.models import Contact, DirectoryRevision, Organisation, ServiceArea
from hikkoshi.directory.transfer import DirectoryImportError, directory_export, directory_import
from hikkoshi.progress import ProgressBar


def _org(n, **extra):
    return {
        "slug": f"org-{n:04d}",
        "category": "water",
        "name": f"水道局{n}",
        "postcode": "060-8611",
        "address": f"札幌市中央区北{n}条",
        "contacts": [
            {"kind": "phone", "value": "011-211-2111", "label": "代表"},
            {"kind": "email", "value": f"info{n}@example.jp"},
        ],
        "areas": [
            {"area_code": "01100"},
            {"area_code": "01101", "postcode_from": "060-0000", "postcode_to": "060-9999"},
        ],
        **extra,
    }


def _write(tmp_path, organisations, name="directory.json"):
    path = tmp_path / name
    path.write_text(
        json.dumps({"format": "hikkoshi-directory", "version": 1, "organisations": organisations}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def _stamp():
    return DirectoryRevision.objects.get(pk=1).stamp


def _revision_writes(queries) -> int:
    table = DirectoryRevision._meta.db_table
    return sum(1 for q in queries if table in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT"))


@pytest.mark.django_db
def test_an_import_renews_the_revision_once_and_an_unchanged_one_not_at_all(tmp_path, django_assert_max_num_queries):
    path = _write(tmp_path, [_org(n) for n in range(120)])
    with CaptureQueriesContext(connection) as queries:
        result = directory_import(path=path)
    assert (result.created, result.updated, result.unchanged) == (120, 0, 0)
    assert _revision_writes(queries) <= 2  # update, and the first time the insert
    assert Contact.objects.count() == 240 and ServiceArea.objects.count() == 240
    stamp = _stamp()
    assert Organisation.objects.get(slug="org-0007").postcode == "0608611"

    # The same file again (with its postal codes as typed, not as stored): three reads.
    with django_assert_max_num_queries(3):
        result = directory_import(path=path)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 120)
    assert _stamp() == stamp

    # One organisation's contact changes: only it is rewritten, one new revision.
    changed = [_org(n) for n in range(120)]
    changed[5]["contacts"][1]["value"] = "new@example.jp"
    changed[9]["areas"].pop()
    with CaptureQueriesContext(connection) as queries:
        result = directory_import(path=_write(tmp_path, changed))
    assert (result.created, result.updated, result.unchanged) == (0, 2, 118)
    assert _stamp() != stamp and _revision_writes(queries) == 1
    assert list(Organisation.objects.get(slug="org-0005").contacts.values_list("value", flat=True)) == [
        "011-211-2111",
        "new@example.jp",
    ]
    assert Contact.objects.count() == 240 and ServiceArea.objects.count() == 239


@pytest.mark.django_db
def test_a_bulk_import_is_still_all_or_nothing(tmp_path):
    directory_import(path=_write(tmp_path, [_org(n) for n in range(10)]))
    before = list(Organisation.objects.order_by("slug").values_list("slug", "name"))
    bad = [_org(n, name=f"新しい名前{n}") for n in range(30)]
    bad[25]["areas"][0]["area_code"] = "99999"
    with pytest.raises(DirectoryImportError) as info:
        directory_import(path=_write(tmp_path, bad))
    assert [e.index for e in info.value.errors] == [25]
    assert list(Organisation.objects.order_by("slug").values_list("slug", "name")) == before


@pytest.mark.django_db
def test_a_re_import_of_an_export_is_unchanged_also_as_csv(tmp_path):
    directory_import(path=_write(tmp_path, [_org(n) for n in range(5)]))
    for name in ("out.json", "out.csv"):
        directory_export(path=tmp_path / name)
        result = directory_import(path=tmp_path / name)
        assert (result.created, result.updated, result.unchanged) == (0, 0, 5)


class _Terminal(StringIO):
    def isatty(self):
        return True


def test_the_progress_bar_draws_on_a_terminal_only():
    terminal, pipe = _Terminal(), StringIO()
    for stream in (terminal, pipe):
        bar = ProgressBar(stream, interval=0)
        bar("checking", 500, 1000)
        bar("checking", 1000, 1000)
        bar("writing", 10, 10)
        bar.close()
    assert pipe.getvalue() == ""
    text = terminal.getvalue()
    assert "\rchecking  [" + "#" * 15 + "-" * 15 + "] 500/1,000" in text
    assert "] 1,000/1,000\n" in text and text.endswith("] 10/10\n")


def test_the_progress_bar_draws_under_a_commands_output_wrapper():
    """A command passes its ``self.stderr``: each redraw stays on its line (the wrapper's own
    ``write`` would end it with a newline)."""
    terminal = _Terminal()
    bar = ProgressBar(OutputWrapper(terminal), interval=0)
    bar("checking", 1, 2)
    bar("checking", 2, 2)
    bar.close()
    assert terminal.getvalue().count("\n") == 1
    assert terminal.getvalue().startswith("\rchecking  [")


@pytest.mark.django_db
def test_the_command_shows_progress_on_a_terminal(tmp_path):
    path = _write(tmp_path, [_org(n) for n in range(600)])
    stdout, stderr = StringIO(), _Terminal()
    call_command("directory", "import", str(path), stdout=stdout, stderr=stderr)
    assert "新規 600 件、更新 0 件、変更なし 0 件" in stdout.getvalue()
    assert "checking  [" in stderr.getvalue() and "writing   [" in stderr.getvalue()
