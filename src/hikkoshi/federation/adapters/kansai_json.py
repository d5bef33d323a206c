"""The 関西引越し手続きサービス's own JSON (``kansai-json``): a search per postal code, a bearer key.

- Search: ``GET <base>/api/v2/jigyosha?zip=5300001`` with ``Authorization: Bearer <key>``
  answers ``{"results": [{"id", "kind", "name", "kana" (half-width kana), "zip", "pref",
  "addr", "tel", "fax", "mail", "url", "hours", "areas": ["27127"], "updated": "R8.4.1", …}]}``
  (keys and the codes of ``kind`` in ``mappings/kansai-json.json``); the entries come back in
  the ``hikkoshi-directory`` format, kana full-width, 和暦 dates as ISO dates, checked with the
  rules of a partner's directory. There is no whole directory to replicate (``NotOffered``).
- Hand-over: ``POST <base>/api/v2/hikitsugi``, a JSON object of its own (``applicant`` with
  ``shimei``, ``kana`` in half-width kana, ``birth`` as ``S63.7.7``; ``from`` and ``to`` with
  ``zip``, ``pref``, ``city`` …; ``members``; ``idobi``), answered by
  ``{"uketsuke_no": …, "continue_url": …}``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from hikkoshi.directory.transfer import ImportProblem
from hikkoshi.places.normalise import InvalidPostcode, normalise_postcode

from . import (
    Adapter,
    BadAnswer,
    HandoffAnswer,
    Outgoing,
    PeerEndpoint,
    SentRecord,
    mapping as maps,
)
from .common import check_status, checked_entries, continue_url, logger, now, sha256, url, valid_document
from .http import exchange

NAME = "kansai-json"
_INDEX = re.compile(r"^(?P<key>[^\[\]]+)\[(?P<i>\d+)\]$")


def _spec() -> dict[str, Any]:
    return maps.load(NAME)


def nest(fields: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> dict[str, Any]:
    """Flat fields (``applicant.shimei``, ``members[1].kana``) as the nested JSON object."""
    document: dict[str, Any] = {}
    for name, value in fields:
        node: Any = document
        keys = name.split(".")
        for depth, key in enumerate(keys):
            last = depth == len(keys) - 1
            match = _INDEX.match(key)
            if match:
                items = node.setdefault(match["key"], [])
                index = int(match["i"])
                while len(items) <= index:
                    items.append({})
                if last:
                    items[index] = value
                node = items[index]
            elif last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
    return document


def flatten(node: Any, prefix: str = "") -> dict[str, str]:
    """The inverse of ``nest``: a received JSON object's fields by their flat names."""
    flat: dict[str, str] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            flat.update(flatten(value, f"{prefix}.{key}" if prefix else key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            flat.update(flatten(value, f"{prefix}[{i}]"))
    elif node is not None:
        flat[prefix] = str(node)
    return flat


def _entry(peer: PeerEndpoint, n: int, item: Any, spec: dict[str, Any], problems: list[ImportProblem]):
    def problem(key: str, message: str) -> None:
        problems.append(ImportProblem(message, key, index=n))

    if not isinstance(item, dict):
        problem("", "not an object")
        return None

    def text(key: str) -> str:
        value = item.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            problem(key, "not text")
            return ""
        return value.strip()

    org: dict[str, Any] = {"slug": f"{peer.slug}-{text(spec['slug_key'])}".lower()}
    for target, key in spec["keys"].items():
        try:
            org[target] = maps.read(spec["convert"].get(target), text(key))
        except ValueError:
            problem(key, "unreadable value")
            org[target] = ""
    category = spec["categories"].get(org["category"])
    if category is None:
        problem(spec["keys"]["category"], "unknown kind")
    else:
        org["category"] = category
    org["address"] = text(spec["address"]["prefecture"]) + text(spec["address"]["rest"])
    dated = spec["last_checked"]
    try:
        org["last_checked"] = maps.read(dated["convert"], text(dated["key"])) or None
    except ValueError:
        problem(dated["key"], "unreadable date")
        org["last_checked"] = None
    org["verification"] = spec["verification"]
    org["contacts"] = [
        {"kind": kind, "value": text(key), "label": "", "verification": ""}
        for kind, key in spec["contacts"].items()
        if text(key)
    ]
    areas = item.get(spec["areas_key"]) or []
    if not isinstance(areas, list) or not all(isinstance(code, str) for code in areas):
        problem(spec["areas_key"], "not a list of codes")
        areas = []
    org["areas"] = [{"area_code": code.strip(), "postcode_from": "", "postcode_to": ""} for code in areas]
    return org


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError, ValueError) as exc:
        raise BadAnswer(f"the {what} is not JSON in UTF-8") from exc


class KansaiJson(Adapter):
    name = NAME
    offers_search = True
    offers_handoff = True

    def _headers(self, peer: PeerEndpoint) -> dict[str, str]:
        return {"Authorization": f"Bearer {peer.credential}", "Accept": "application/json"}

    def search(self, peer: PeerEndpoint, postcode: str) -> list[dict[str, Any]]:
        """The peer's entries for one postal code, as ``hikkoshi-directory`` organisations."""
        spec = _spec()["search"]
        try:
            code = normalise_postcode(postcode)
        except InvalidPostcode as exc:
            raise ValueError("not a postal code") from exc
        target = url(peer, spec["path"]) + "?" + urlencode({spec["query"]: code})
        response = exchange(peer, "GET", target, headers=self._headers(peer))
        check_status(peer, response)
        data = _json(response.body, "answer")
        results = data.get(spec["results"]) if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise BadAnswer("the answer has no list of results")
        problems: list[ImportProblem] = []
        entries = [_entry(peer, n, item, spec, problems) for n, item in enumerate(results)]
        document = checked_entries(peer, [e for e in entries if e is not None], problems)
        logger.info("federation_adapter_search peer=%s organisations=%d", peer.slug, len(entries))
        return list(document["organisations"])

    def handoff_limits(self) -> dict[str, int]:
        return maps.limits(_spec()["handoff"])

    def plan_handoff(self, document: dict[str, Any]) -> Outgoing:
        valid_document(document)
        return maps.encode(document, _spec()["handoff"])

    def handoff(self, peer: PeerEndpoint, document: dict[str, Any], *, idempotency_key: str) -> HandoffAnswer:
        spec = _spec()["handoff"]
        outgoing = self.plan_handoff(document)
        body = json.dumps(nest(outgoing.fields), ensure_ascii=False).encode("utf-8")
        target = url(peer, spec["path"])
        content_type = "application/json"
        sent = SentRecord(
            "POST", target, content_type, body, outgoing.fields, outgoing.sent_paths, outgoing.not_sent, now()
        )
        headers = {**self._headers(peer), "Content-Type": content_type, "Idempotency-Key": idempotency_key}
        response = exchange(peer, "POST", target, headers=headers, body=body)
        check_status(peer, response, ok=(200, 201))
        data = _json(response.body, "answer")
        keys = spec["answer"]
        reference = data.get(keys["reference_key"]) if isinstance(data, dict) else None
        href = data.get(keys["continue_key"]) if isinstance(data, dict) else None
        if not isinstance(reference, str) or not reference.strip() or not isinstance(href, str) or not href:
            raise BadAnswer("the answer has no reference or no continue URL")
        answer = HandoffAnswer(
            reference=reference.strip(),
            continue_url=continue_url(peer, response.url, href),
            sent=sent,
            answer_status=response.status,
            answer_sha256=sha256(response.body),
            received_at=now(),
        )
        logger.info("federation_adapter_handoff peer=%s items=%d", peer.slug, len(outgoing.sent_paths))
        return answer

    def read_back(self, received: bytes | dict[str, Any]) -> dict[str, Any]:
        """The data set a received JSON body carries."""
        data = _json(received, "body") if isinstance(received, bytes) else received
        return maps.decode(flatten(data), _spec()["handoff"])


ADAPTER = KansaiJson
