"""Variant kanji (異体字) of names folded onto one form, for the name search (``names``).

A name is written in the 戸籍 with the form its family has (髙橋, 山﨑, 渡邉, 齋藤), and typed by
staff or the customer with the everyday one (高橋, 山崎, 渡辺, 斎藤), or the other way round. The
search folds each variant onto one form so that either finds the other. Two tables:

``OFFICIAL``, generated from the Unicode Han Database (Unihan 14.0, ``Unihan_OtherMappings.txt``,
fields ``kJoyoKanji`` and ``kJinmeiyoKanji``): the variants the government's lists themselves pair
with a standard form — the old forms (旧字体) of 常用漢字 allowed in names (人名用漢字 別表第二,
法務省: 櫻 → 桜, 國 → 国, 嶋 → 島, 德 → 徳) and the forms the 常用漢字表 (文化庁, 2010) allows
beside each other (剝 / 剥). Pairs NFKC already joins (compatibility ideographs) are left out. To
regenerate from a newer Unihan: every line ``U+XXXX<TAB>kJoyoKanji<TAB>U+YYYY`` or
``U+XXXX<TAB>kJinmeiyoKanji<TAB>YEAR:U+YYYY`` is a pair variant → form.

``SURNAMES``: the variants common in family names that those lists do not pair, each a semantic
variant of its form in Unihan (``kSemanticVariant`` / ``kZVariant``) and the usual 外字 of
surnames in 戸籍統一文字 (法務省): 髙, 﨑, 嵜, 𠮷, 邊, 邉, 濱, 濵, 澤, 齋, 嶌. Also 斉 → 斎: 斉藤
and 斎藤 (齊藤, 齋藤) are one さいとう to the ear and are mixed up all the time, so the search
finds them all (staff confirm the person by the other details).

Variation selectors (IVS, U+E0100…; U+FE00…), which choose a glyph of one character, are dropped
(``names`` does it). Changing a table changes the blind index: the terms of every move must be
made again (``hikkoshi keys rotate --rebuild``, or a data migration as ``assisted`` has).
"""

OFFICIAL_PAIRS = (
    "乘乗 亘亙 亞亜 佛仏 來来 傳伝 僞偽 價価 儉倹 兒児 冨富 凉涼 凜凛 剥剝 剩剰 劍剣 勳勲 卷巻 "
    "卽即 叱𠮟 單単 嚴厳 圈圏 國国 圓円 團団 埜野 填塡 增増 壘塁 壞壊 壯壮 壽寿 奧奥 奬奨 孃嬢 "
    "寢寝 實実 寬寛 將将 專専 尭堯 峯峰 峽峡 嶋島 巌巖 巢巣 帶帯 廣広 廳庁 彈弾 彌弥 從従 徵徴 "
    "德徳 恆恒 惠恵 惡悪 愼慎 應応 懷懐 戰戦 戲戯 拂払 拔抜 拜拝 揭掲 搖揺 搜捜 擊撃 攝摂 收収 "
    "敍叙 晃晄 晚晩 晝昼 曆暦 曉暁 曾曽 桧檜 條条 榮栄 槙槇 樂楽 樣様 橫横 檢検 櫻桜 步歩 歷歴 "
    "每毎 氣気 涉渉 淚涙 淨浄 渴渇 溫温 滯滞 澁渋 濕湿 瀧滝 瀨瀬 燈灯 燒焼 爭争 爲為 狀状 狹狭 "
    "獸獣 疊畳 瘦痩 盃杯 盜盗 盡尽 眞真 碎砕 祕秘 祢禰 祷禱 禄祿 禪禅 禮礼 稻稲 穗穂 穣穰 粹粋 "
    "綠緑 緖緒 緣縁 縣県 縱縦 纖繊 聽聴 臟臓 與与 莊荘 萌萠 萬万 薗園 薰薫 藏蔵 藝芸 藥薬 虛虚 "
    "衞衛 裝装 覽覧 謠謡 讓譲 賣売 賴頼 轉転 遥遙 郞郎 醉酔 釀醸 錄録 鍊錬 鎭鎮 鑄鋳 陷陥 險険 "
    "雜雑 靜静 頬頰 顯顕 飜翻 駈駆 騷騒 驗験 髮髪 鷄鶏 黃黄 黑黒 默黙 齊斉 龍竜 "
)

SURNAME_PAIRS = "髙高 﨑崎 嵜崎 𠮷吉 邊辺 邉辺 濱浜 濵浜 澤沢 齋斎 斉斎 嶌島"


def _table(*pairs: str) -> dict[int, str]:
    table: dict[int, str] = {}
    for text in pairs:
        for pair in text.split():
            variant, form = pair[0], pair[1]
            table[ord(variant)] = form
    # A form that is itself a variant (齊 → 斉 → 斎) is followed to its end.
    for key, form in table.items():
        while ord(form) in table:
            form = table[ord(form)]
        table[key] = form
    return table


FOLD = _table(OFFICIAL_PAIRS, SURNAME_PAIRS)
"""``str.translate`` table: each variant kanji → its form."""


def fold_variants(text: str) -> str:
    """``text`` with each variant kanji replaced by its form (``髙橋`` → ``高橋``)."""
    return text.translate(FOLD)
