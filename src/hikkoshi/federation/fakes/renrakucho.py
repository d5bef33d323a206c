"""A stand-in for Kanto's 引越れんらく帳, speaking its own format (see
``hikkoshi.federation.adapters.renrakucho``): the directory as a CP932 CSV with
``Last-Modified``, the hand-over as a Shift_JIS form with an API key, answered by an HTML page in
Shift_JIS with 受付番号 and a link to continue. Its organisations are made-up samples.

``python -m hikkoshi.federation.fakes.renrakucho [--port 8100] [--api-key KEY]``
"""

from __future__ import annotations

import argparse
import csv
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
import io
import secrets
from urllib.parse import parse_qsl

from . import FakePortal, Reply, serve_forever

CSV_PATH = "/renraku/jigyosha.csv"
FORM_PATH = "/renraku/uketsuke"
CONTINUE_PATH = "/renraku/tsuzuki"
KEY_HEADER = "x-renrakucho-api-key"
COLUMNS = (
    "事業者コード",
    "分類",
    "事業者名",
    "事業者名カナ",
    "郵便番号",
    "所在地",
    "受付時間",
    "電話番号",
    "FAX番号",
    "メールアドレス",
    "ホームページ",
    "対象地域コード",
    "出典",
    "確認日",
    "備考",
)
SAMPLE_NOTE = "見本データ（引越れんらく帳のテスト用。実在の連絡先ではありません）"


def sample_rows() -> list[dict[str, str]]:
    """Made-up organisations of the Kanto region (codes real, names and numbers not)."""
    return [
        {
            "事業者コード": "k13101-kuyakusho",
            "分類": "区役所",
            "事業者名": "千代田区役所 れんらく帳窓口（見本）",
            "事業者名カナ": "ﾁﾖﾀﾞｸﾔｸｼｮ ﾚﾝﾗｸﾁｮｳﾏﾄﾞｸﾞﾁ",
            "郵便番号": "102-8688",
            "所在地": "東京都千代田区九段南1-2-1",
            "受付時間": "平日 8:30〜17:15",
            "電話番号": "03-5555-0101",
            "FAX番号": "",
            "メールアドレス": "",
            "ホームページ": "https://renrakucho.example/chiyoda",
            "対象地域コード": "13101",
            "出典": "引越れんらく帳",
            "確認日": "2026/11/30",
            "備考": SAMPLE_NOTE,
        },
        {
            "事業者コード": "k13104-kuyakusho",
            "分類": "区役所",
            "事業者名": "新宿区役所 れんらく帳窓口（見本）",
            "事業者名カナ": "ｼﾝｼﾞｭｸｸﾔｸｼｮ",
            "郵便番号": "160-8484",
            "所在地": "東京都新宿区歌舞伎町1-4-1",
            "受付時間": "平日 8:30〜17:00",
            "電話番号": "03-5555-0104",
            "FAX番号": "03-5555-0105",
            "メールアドレス": "",
            "ホームページ": "",
            "対象地域コード": "13104",
            "出典": "引越れんらく帳",
            "確認日": "2026/11/28",
            "備考": SAMPLE_NOTE,
        },
        {
            "事業者コード": "k13-denki",
            "分類": "電気",
            "事業者名": "関東見本電力 引越受付（見本）",
            "事業者名カナ": "ｶﾝﾄｳﾐﾎﾝﾃﾞﾝﾘｮｸ",
            "郵便番号": "",
            "所在地": "",
            "受付時間": "9:00〜17:00",
            "電話番号": "0120-555-010",
            "FAX番号": "",
            "メールアドレス": "hikkoshi@denki.renrakucho.example",
            "ホームページ": "https://denki.renrakucho.example/hikkoshi",
            "対象地域コード": "13・14",
            "出典": "引越れんらく帳",
            "確認日": "2026/11/20",
            "備考": SAMPLE_NOTE,
        },
    ]


class RenrakuchoFake(FakePortal):
    def __init__(self, port: int = 0, *, api_key: str = "renrakucho-test-key") -> None:
        super().__init__(port)
        self.api_key = api_key
        self.rows = sample_rows()
        self.last_modified = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
        self.forms: list[bytes] = []  # every hand-over body as received
        self._answers: dict[str, tuple[str, str]] = {}  # idempotency key → (受付番号, token)

    # -- the directory ----------------------------------------------------------------------------------

    def _rows(self) -> list[dict[str, str]]:
        rows = [dict(row) for row in self.rows]
        if self.switches.markup:
            rows[0]["事業者名"] = "<script>alert(1)</script>千代田区役所"
        if self.switches.javascript_link:
            rows[0]["ホームページ"] = "javascript:alert(1)"
        if self.switches.outside_area:
            rows[1]["対象地域コード"] = "13104・01100"
        return rows

    def csv_bytes(self) -> bytes:
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, COLUMNS)
        writer.writeheader()
        writer.writerows(self._rows())
        data = out.getvalue().encode("cp932")
        if self.switches.bad_bytes:
            data = data.replace("新宿".encode("cp932"), b"\x81\x7f", 1)  # no CP932 character
        return data

    def _directory(self, headers: dict[str, str]) -> Reply:
        since = headers.get("if-modified-since")
        if since:
            try:
                if parsedate_to_datetime(since) >= self.last_modified:
                    return Reply(304, "text/csv; charset=Shift_JIS", b"")
            except (TypeError, ValueError):
                pass
        return Reply(
            200,
            "text/csv; charset=Shift_JIS",
            self.csv_bytes(),
            {"Last-Modified": format_datetime(self.last_modified, usegmt=True)},
        )

    # -- the hand-over ------------------------------------------------------------------------------------

    def fields(self, n: int = -1) -> dict[str, str]:
        """The fields of a received form (the last by default), decoded as the portal does."""
        return dict(parse_qsl(self.forms[n].decode("ascii"), keep_blank_values=True, encoding="cp932", errors="strict"))

    def _page(self, status: int, title: str, body: str) -> Reply:
        html = (
            '<!DOCTYPE html><html lang="ja"><head><meta charset="Shift_JIS">'
            f"<title>{escape(title)}｜引越れんらく帳</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
        )
        return Reply(status, "text/html; charset=Shift_JIS", html.encode("cp932"))

    def _form(self, headers: dict[str, str], body: bytes) -> Reply:
        if "application/x-www-form-urlencoded" not in headers.get("content-type", ""):
            return self._page(415, "送信形式エラー", "<p>フォーム形式で送信してください。</p>")
        try:
            fields = dict(parse_qsl(body.decode("ascii"), keep_blank_values=True, encoding="cp932", errors="strict"))
        except (UnicodeDecodeError, ValueError):
            return self._page(400, "文字コードエラー", "<p>Shift_JIS で送信してください。</p>")
        if not fields.get("申請者氏名") and not fields.get("新住所"):
            return self._page(400, "入力エラー", "<p>申請者氏名または新住所がありません。</p>")
        key = headers.get("idempotency-key") or secrets.token_hex(8)
        if key not in self._answers:
            self.forms.append(body)
            self._answers[key] = (f"RR-{len(self._answers) + 1:06d}", secrets.token_urlsafe(16))
        reference, token = self._answers[key]
        return self._page(
            200,
            "受付完了",
            "<p>お引越し情報を受け付けました。</p>"
            f"<dl><dt>受付番号</dt><dd>{escape(reference)}</dd><dt>受付日</dt><dd>2026年12月3日</dd></dl>"
            f'<p><a href="{CONTINUE_PATH}?t={token}">続きの手続きへ進む</a></p>',
        )

    def route(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
        if path == CONTINUE_PATH and method == "GET":
            return self._page(200, "続きの手続き", "<p>引越れんらく帳で手続きを続けます（見本）。</p>")
        if headers.get(KEY_HEADER) != self.api_key:
            return self._page(401, "認証エラー", "<p>API キーが正しくありません。</p>")
        if path == CSV_PATH and method == "GET":
            return self._directory(headers)
        if path == FORM_PATH and method == "POST":
            return self._form(headers, body)
        return self._page(404, "ページがありません", "")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A stand-in for 引越れんらく帳 (Kanto) on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--api-key", default="renrakucho-demo-key")
    args = parser.parse_args(argv)
    serve_forever(RenrakuchoFake(args.port, api_key=args.api_key), "引越れんらく帳 (renrakucho fake)")


if __name__ == "__main__":
    main()
