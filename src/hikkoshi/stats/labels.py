"""The names people read for the statistics' codes: one mapping for the dashboard, its CSV and the
evaluation report (実証評価レポート).

Every label is Japanese first with English beside it (「ページ閲覧 / page views」), the same in
every language of the site: the CSV and the report go to readers of either language, and the
dashboard's tables line up with them. A code without a label (an event added later, a partner's
slug) is shown as it is.
"""

SEPARATOR = " / "

# Event → (Japanese, English).
EVENT_LABELS: dict[str, tuple[str, str]] = {
    "visit": ("ページ閲覧", "page views"),
    "search": ("事業者情報検索", "provider searches"),
    "move_started": ("引越し手続の開始", "moves started"),
    "move_submitted": ("引越し手続の申請", "moves submitted"),
    "delivered": ("手続の送達", "procedures delivered"),
    "delivery_retry": ("送達の再試行", "delivery retries"),
    "delivery_failed": ("送達の失敗", "delivery failures"),
    "fax_pages": ("FAX送信枚数", "fax pages sent"),
    "document_printed": ("書類の印刷（PDF）", "documents printed (PDF)"),
    "handoff_in": ("連携ポータルからの引継ぎ", "hand-overs from partner portals"),
    "handoff_out": ("連携ポータルへの引継ぎ", "hand-overs to partner portals"),
    "handoff_failed": ("連携ポータルへの引継ぎ失敗", "hand-overs to partner portals failed"),
    "signin_failed": ("サインインの失敗", "sign-in failures"),
    "lockout": ("サインインのロック", "sign-in lockouts"),
    "stats_dropped": ("記録できなかった件数", "counts dropped (statistics not written)"),
}

# ``selectors.TOTALS``' keys → (Japanese, English).
FIGURE_LABELS: dict[str, tuple[str, str]] = {
    "visits": EVENT_LABELS["visit"],
    "searches": EVENT_LABELS["search"],
    "moves_started": EVENT_LABELS["move_started"],
    "moves_submitted": EVENT_LABELS["move_submitted"],
    "moves_by_mover": ("申請（本人が入力）", "moves submitted by the mover"),
    "moves_by_callcentre": ("申請（コールセンターが代行入力）", "moves submitted by a call centre"),
    "moves_by_agency": ("申請（不動産会社の店舗が代行入力）", "moves submitted by an agency's store"),
    "procedures_delivered": EVENT_LABELS["delivered"],
    "delivered_web": ("送達（Web連携）", "delivered by web"),
    "delivered_email": ("送達（メール）", "delivered by e-mail"),
    "delivered_fax": ("送達（FAX）", "delivered by fax"),
    "delivered_window": ("送達（窓口提出の様式）", "delivered as a form for the counter"),
    "delivery_failures": EVENT_LABELS["delivery_failed"],
    "delivery_retries": EVENT_LABELS["delivery_retry"],
    "fax_pages": EVENT_LABELS["fax_pages"],
    "documents_printed": EVENT_LABELS["document_printed"],
    "handoffs_in": EVENT_LABELS["handoff_in"],
    "handoffs_out": EVENT_LABELS["handoff_out"],
    "signin_failures": EVENT_LABELS["signin_failed"],
    "lockouts": EVENT_LABELS["lockout"],
}

# A dimension's values → (Japanese, English).
VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "entered_by": {
        "mover": ("本人", "the mover"),
        "callcentre": ("コールセンター", "a call centre"),
        "agency": ("不動産会社の店舗", "an agency's store"),
    },
    "channel": {
        "web": ("Web連携", "web"),
        "email": ("メール", "e-mail"),
        "fax": ("FAX", "fax"),
        "window": ("窓口提出の様式", "form for the counter"),
        "api": ("API", "API"),
        "page": ("画面", "page"),
    },
    "kind": {
        "relocation": ("転居", "relocation within the municipality"),
        "move_in": ("転入", "moving in"),
        "move_out": ("転出", "moving out"),
    },
    "source": {
        "local": ("このポータル", "this portal"),
        "partner": ("連携ポータル", "a partner portal"),
    },
}

# Headings of the dashboard's CSV.
CSV_HEADERS = [
    "日付 / date",
    "事象 / event",
    "事象コード / event code",
    "市区町村コード / municipality code",
    "件数 / count",
    "うち模擬データ / of which simulated",
]


def bilingual(japanese: str, english: str) -> str:
    """「日本語 / English」."""
    return f"{japanese}{SEPARATOR}{english}"


def event_label(event: str) -> str:
    """The label of an event (its code when it has none)."""
    names = EVENT_LABELS.get(event)
    return bilingual(*names) if names else event


def figure_label(name: str) -> str:
    """The label of one of ``selectors.TOTALS``' figures (its key when it has none)."""
    names = FIGURE_LABELS.get(name)
    return bilingual(*names) if names else name


def value_label(dimension: str, value: str) -> str:
    """The label of a dimension's value: a move's kinds joined by 「・」 (``move_in+move_out`` is
    「転入・転出 / moving in + moving out」); a partner portal as 「連携ポータル kansai /
    partner portal kansai」; an empty value 「なし / none」; otherwise the value itself."""
    if value == "":
        return bilingual("なし", "none")
    known = VALUE_LABELS.get(dimension, {})
    if dimension == "kind" and "+" in value and all(part in known for part in value.split("+")):
        parts = [known[part] for part in value.split("+")]
        return bilingual("・".join(ja for ja, _en in parts), " + ".join(en for _ja, en in parts))
    if dimension == "source" and value.startswith("partner:"):
        slug = value.split(":", 1)[1]
        return bilingual(f"連携ポータル {slug}", f"partner portal {slug}")
    names = known.get(value)
    return bilingual(*names) if names else value
