"""Kanto's 引越れんらく帳 (``renrakucho``): a CSV directory and a Shift_JIS form.

- Directory: ``GET <base>/renraku/jigyosha.csv`` — CP932 text, one row per organisation, the
  columns of ``mappings/renrakucho.json`` (事業者コード, 分類, 事業者名, 事業者名カナ in half-width
  kana or full-width, 郵便番号, 所在地, 電話番号 …, 対象地域コード ``13101・13104``, 確認日
  ``2026/11/30``) — with ``Last-Modified``; asked again with ``If-Modified-Since``, an unchanged
  directory is a 304 (``NotModified``). Bytes that are not CP932 are a ``BadAnswer`` naming
  their offset; a row that breaks a rule refuses the whole copy (``DirectoryRefused``).
- Hand-over: ``POST <base>/renraku/uketsuke``, ``application/x-www-form-urlencoded`` in
  Shift_JIS (CP932, as Japanese web forms mean it), the API key in ``X-Renrakucho-Api-Key``,
  ``Idempotency-Key``; the answer is an HTML page whose ``<dt>受付番号</dt><dd>…</dd>`` (or a
  table's th/td) gives the reference and whose link 「続きの手続きへ進む」 the continue URL, read
  with the standard library's HTML parser. A value with a character outside CP932 (𠮷) stops
  the hand-over before anything is sent (``NotRepresentable``).
"""

from __future__ import annotations

import csv
from html.parser import HTMLParser
import io
from typing import Any
from urllib.parse import parse_qsl, urlencode

from hikkoshi.directory.transfer import ImportProblem

from . import (
    Adapter,
    BadAnswer,
    DirectoryCopy,
    HandoffAnswer,
    NotModified,
    NotRepresentable,
    Outgoing,
    PeerEndpoint,
    SentRecord,
    mapping as maps,
)
from .common import check_status, checked_entries, continue_url, logger, now, sha256, url, valid_document
from .http import exchange

NAME = "renrakucho"


def _spec() -> dict[str, Any]:
    return maps.load(NAME)


# -- the directory --------------------------------------------------------------------------------


def _rows(text: str, spec: dict[str, Any]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    needed = {spec["slug_column"], spec["areas_column"], spec["last_checked"]["column"]}
    needed |= set(spec["columns"].values()) | set(spec["contacts"].values())
    try:
        missing = needed - set(reader.fieldnames or ())
        if missing:
            raise BadAnswer(f"the CSV lacks {len(missing)} column(s)")
        rows = []
        for row in reader:
            # DictReader puts extra cells under None and fills missing ones with None.
            if None in row or None in row.values():
                raise BadAnswer(f"line {reader.line_num} of the CSV has not as many cells as its header")
            rows.append((reader.line_num, {key: value.strip() for key, value in row.items()}))
        return rows
    except csv.Error as exc:
        raise BadAnswer(f"malformed CSV at line {reader.line_num}") from exc


def _organisation(
    peer: PeerEndpoint, line: int, row: dict[str, str], spec: dict[str, Any], problems: list[ImportProblem]
) -> dict[str, Any]:
    def problem(column: str, message: str) -> None:
        problems.append(ImportProblem(message, column, line=line))

    org: dict[str, Any] = {"slug": f"{peer.slug}-{row[spec['slug_column']]}".lower()}
    for key, column in spec["columns"].items():
        try:
            org[key] = maps.read(spec["convert"].get(key), row[column])
        except ValueError:
            problem(column, "unreadable value")
            org[key] = row[column]
    category = spec["categories"].get(org["category"])
    if category is None:
        problem(spec["columns"]["category"], "unknown category")
    else:
        org["category"] = category
    dated = spec["last_checked"]
    try:
        org["last_checked"] = maps.read(dated["convert"], row[dated["column"]]) or None
    except ValueError:
        problem(dated["column"], "unreadable date")
        org["last_checked"] = None
    org["verification"] = spec["verification"]
    org["contacts"] = [
        {"kind": kind, "value": row[column], "label": "", "verification": ""}
        for kind, column in spec["contacts"].items()
        if row[column]
    ]
    org["areas"] = [
        {"area_code": code.strip(), "postcode_from": "", "postcode_to": ""}
        for code in row[spec["areas_column"]].split(spec["areas_separator"])
        if code.strip()
    ]
    return org


# -- the hand-over's answer page --------------------------------------------------------------------


class _AnswerPage(HTMLParser):
    """The labelled values (``<dt>``/``<dd>``, ``<th>``/``<td>``) and the links of a page."""

    LABELS = {"dt", "th"}
    VALUES = {"dd", "td"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.links: list[tuple[str, str]] = []  # (text, href)
        self._label = ""
        self._open: str | None = None
        self._text: list[str] = []
        self._href: str | None = None
        self._link_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.LABELS | self.VALUES:
            self._open, self._text = tag, []
        elif tag == "a":
            self._href, self._link_text = dict(attrs).get("href") or "", []

    def handle_endtag(self, tag):
        if tag == self._open:
            text = "".join(self._text).strip()
            if tag in self.LABELS:
                self._label = text
            elif self._label:
                self.values.setdefault(self._label, text)
                self._label = ""
            self._open = None
        elif tag == "a" and self._href is not None:
            self.links.append(("".join(self._link_text).strip(), self._href))
            self._href = None

    def handle_data(self, data):
        if self._open:
            self._text.append(data)
        if self._href is not None:
            self._link_text.append(data)


def _charset(content_type: str, default: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _sep, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"').lower()
    return default


def _decode(data: bytes, encoding: str, what: str) -> str:
    # Shift_JIS as Japanese sites write it is CP932 (its NEC and IBM extensions, ～ and －).
    if encoding.replace("-", "_") in ("shift_jis", "sjis", "x_sjis", "windows_31j", "ms932"):
        encoding = "cp932"
    try:
        return data.decode(encoding)
    except LookupError as exc:
        raise BadAnswer(f"the {what} is in an unknown encoding") from exc
    except UnicodeDecodeError as exc:
        raise BadAnswer(f"the {what} has bytes that are not {encoding} at offset {exc.start}") from exc


class Renrakucho(Adapter):
    name = NAME
    offers_directory = True
    offers_handoff = True

    def _headers(self, peer: PeerEndpoint) -> dict[str, str]:
        return {_spec()["credential_header"]: peer.credential}

    def directory(self, peer: PeerEndpoint, since: str | None = None) -> DirectoryCopy | NotModified:
        spec = _spec()["directory"]
        headers = {**self._headers(peer), "Accept": "text/csv"}
        if since:
            headers["If-Modified-Since"] = since
        response = exchange(peer, "GET", url(peer, spec["path"]), headers=headers)
        if response.status == 304 and since:
            return NotModified(since)
        check_status(peer, response)
        text = _decode(response.body, _charset(response.headers.get("content-type", ""), spec["encoding"]), "CSV")
        problems: list[ImportProblem] = []
        organisations = [_organisation(peer, line, row, spec, problems) for line, row in _rows(text, spec)]
        document = checked_entries(peer, organisations, problems)
        logger.info("federation_adapter_directory peer=%s organisations=%d", peer.slug, len(organisations))
        return DirectoryCopy(
            document,
            last_modified=response.headers.get("last-modified", ""),
            fetched_at=now(),
            answer_sha256=sha256(response.body),
        )

    def handoff_limits(self) -> dict[str, int]:
        return maps.limits(_spec()["handoff"])

    def plan_handoff(self, document: dict[str, Any]) -> Outgoing:
        valid_document(document)
        spec = _spec()["handoff"]
        outgoing = maps.encode(document, spec)
        fields, altered = [], []
        for (name, value), path in zip(outgoing.fields, outgoing.sent_paths):
            try:
                # What the peer reads: CP932 has one code for 〜 and ～ (− and －, ‖ and ∥, ¢ and
                # ￠ …) and reads it as the latter; the record keeps that and says which items.
                read = value.encode(spec["encoding"]).decode(spec["encoding"])
            except UnicodeEncodeError as exc:
                raise NotRepresentable(path, f"{path}: a character Shift_JIS does not have") from exc
            fields.append((name, read))
            if read != value:
                altered.append(path)
        return Outgoing(tuple(fields), outgoing.sent_paths, outgoing.not_sent, tuple(altered))

    def handoff(self, peer: PeerEndpoint, document: dict[str, Any], *, idempotency_key: str) -> HandoffAnswer:
        spec = _spec()["handoff"]
        outgoing = self.plan_handoff(document)
        body = urlencode(outgoing.fields, encoding=spec["encoding"]).encode("ascii")
        content_type = f"application/x-www-form-urlencoded; charset={spec['charset']}"
        target = url(peer, spec["path"])
        sent = SentRecord(
            "POST",
            target,
            content_type,
            body,
            outgoing.fields,
            outgoing.sent_paths,
            outgoing.not_sent,
            now(),
            outgoing.altered,
        )
        headers = {
            **self._headers(peer),
            "Content-Type": content_type,
            "Idempotency-Key": idempotency_key,
            "Accept": "text/html",
        }
        response = exchange(peer, "POST", target, headers=headers, body=body)
        check_status(peer, response, ok=(200, 201))
        page = _AnswerPage()
        page.feed(_decode(response.body, _charset(response.headers.get("content-type", ""), "cp932"), "answer"))
        page.close()
        labels = spec["answer"]
        reference = page.values.get(labels["reference_label"], "")
        href = next((href for text, href in page.links if text == labels["continue_label"]), "")
        if not reference or not href:
            raise BadAnswer("the answer page has no 受付番号 or no link to continue")
        answer = HandoffAnswer(
            reference=reference,
            continue_url=continue_url(peer, response.url, href),
            sent=sent,
            answer_status=response.status,
            answer_sha256=sha256(response.body),
            received_at=now(),
        )
        logger.info("federation_adapter_handoff peer=%s items=%d", peer.slug, len(outgoing.sent_paths))
        return answer

    def read_back(self, form: bytes | dict[str, str]) -> dict[str, Any]:
        """The data set a received form carries (the body as sent, or its fields decoded)."""
        spec = _spec()["handoff"]
        if isinstance(form, bytes):
            form = dict(
                parse_qsl(form.decode("ascii"), keep_blank_values=True, encoding=spec["encoding"], errors="strict")
            )
        return maps.decode(form, spec)


ADAPTER = Renrakucho
