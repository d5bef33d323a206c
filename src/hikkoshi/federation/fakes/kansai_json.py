"""A stand-in for the 関西引越し手続きサービス, speaking its own JSON (see
``hikkoshi.federation.adapters.kansai_json``): a search per postal code with a bearer key, and
a JSON hand-over answered by its reference and a continue URL. Its organisations are made-up
samples.

``python -m hikkoshi.federation.fakes.kansai_json [--port 8200] [--key KEY]``
"""

from __future__ import annotations

import argparse
import json
import secrets
from typing import Any
from urllib.parse import parse_qs

from . import FakePortal, Reply, serve_forever

SEARCH_PATH = "/api/v2/jigyosha"
HANDOFF_PATH = "/api/v2/hikitsugi"
CONTINUE_PATH = "/tsuzuki/"
SAMPLE_NOTE = "見本データ（関西引越し手続きサービスのテスト用。実在の連絡先ではありません）"


def sample_entries() -> dict[str, list[dict[str, Any]]]:
    """Made-up organisations by postal code (codes real, names and numbers not)."""
    kita = {
        "id": "27127-kuyakusho",
        "kind": "kuyakusho",
        "name": "大阪市北区役所 関西窓口（見本）",
        "kana": "ｵｵｻｶｼｷﾀｸﾔｸｼｮ ｶﾝｻｲﾏﾄﾞｸﾞﾁ",
        "zip": "530-8401",
        "pref": "大阪府",
        "addr": "大阪市北区扇町2-1-27",
        "tel": "06-5555-0127",
        "url": "https://kansai.example/kita",
        "hours": "平日 9:00〜17:30",
        "areas": ["27127"],
        "updated": "R8.11.30",
        "memo": SAMPLE_NOTE,
    }
    gas = {
        "id": "27-gas",
        "kind": "gas",
        "name": "関西見本ガス 引越受付（見本）",
        "kana": "ｶﾝｻｲﾐﾎﾝｶﾞｽ",
        "tel": "0120-555-027",
        "mail": "hikkoshi@gas.kansai.example",
        "areas": ["27", "28"],
        "updated": "R8.11.1",
        "memo": SAMPLE_NOTE,
    }
    return {"5300001": [kita, gas], "5300041": [kita, gas]}


class KansaiJsonFake(FakePortal):
    def __init__(self, port: int = 0, *, key: str = "kansai-test-key") -> None:
        super().__init__(port)
        self.key = key
        self.entries = sample_entries()
        self.bodies: list[bytes] = []  # every hand-over body as received
        self._answers: dict[str, tuple[str, str]] = {}

    def _json(self, status: int, data: Any) -> Reply:
        return Reply(status, "application/json; charset=utf-8", json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def received_json(self, n: int = -1) -> Any:
        return json.loads(self.bodies[n].decode("utf-8"))

    def _search(self, query: str) -> Reply:
        zip_code = (parse_qs(query).get("zip") or [""])[0]
        results = [dict(entry) for entry in self.entries.get(zip_code, [])]
        if results and self.switches.markup:
            results[0]["name"] = '<img src=x onerror="alert(1)">北区役所'
        if results and self.switches.javascript_link:
            results[0]["url"] = "JaVaScRiPt:alert(document.cookie)"
        if results and self.switches.outside_area:
            results[0]["areas"] = ["27127", "13101"]
        return self._json(200, {"zip": zip_code, "results": results})

    def _handoff(self, headers: dict[str, str], body: bytes) -> Reply:
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return self._json(400, {"error": "invalid_json"})
        if not isinstance(data, dict) or not data.get("consent"):
            return self._json(422, {"error": "consent_missing"})
        key = headers.get("idempotency-key") or secrets.token_hex(8)
        if key not in self._answers:
            self.bodies.append(body)
            self._answers[key] = (f"KJ-{len(self._answers) + 1:05d}", secrets.token_urlsafe(16))
        reference, token = self._answers[key]
        return self._json(201, {"uketsuke_no": reference, "continue_url": f"{self.url}{CONTINUE_PATH}{token}"})

    def route(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
        if path.startswith(CONTINUE_PATH) and method == "GET":
            page = "<!DOCTYPE html><html lang='ja'><title>関西引越し手続きサービス</title><p>続きの手続き（見本）</p>"
            return Reply(200, "text/html; charset=utf-8", page.encode("utf-8"))
        if headers.get("authorization") != f"Bearer {self.key}":
            return self._json(401, {"error": "unauthorized"})
        if path == SEARCH_PATH and method == "GET":
            return self._search(query)
        if path == HANDOFF_PATH and method == "POST":
            return self._handoff(headers, body)
        return self._json(404, {"error": "not_found"})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A stand-in for the 関西引越し手続きサービス (JSON) on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8200)
    parser.add_argument("--key", default="kansai-demo-key")
    args = parser.parse_args(argv)
    serve_forever(KansaiJsonFake(args.port, key=args.key), "関西引越し手続きサービス (kansai-json fake)")


if __name__ == "__main__":
    main()
