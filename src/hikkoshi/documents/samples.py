"""A realistic move as documents see it, for tests, the benchmark and trying the renderers.

A household of three moves from 千代田区 (Tokyo) into 札幌市中央区 — the applicant 太郎 is the
世帯主, his wife 花子 and their son 一郎 move with him: 転出届 at the old ward,
転入届 at the new one (both window procedures with the 住民異動届), and six procedures that go
by web, fax or e-mail — the Sapporo procedures of the 2006 demonstration.
"""

from datetime import date, timedelta

from hikkoshi.catalogue.constants import OfficialForm

from .data import Address, FieldValue, MoveRecord, Office, Person, ProcedureRecord

APPLICANT = Person("札幌 太郎", "サッポロ タロウ", date(1985, 3, 5), "世帯主", "male")
MEMBERS = (  # 続柄 to the 世帯主
    Person("札幌 花子", "サッポロ ハナコ", date(1988, 11, 20), "妻", "female"),
    Person("札幌 一郎", "サッポロ イチロウ", date(2019, 5, 1), "子"),
)
HEAD = "札幌 太郎"
OLD = Address("1000001", "東京都千代田区千代田1-1", "13101", "千代田区", "千代田ハイツ101")
NEW = Address("0600042", "北海道札幌市中央区大通西1丁目1-1", "01101", "札幌市中央区")

MOVE_DATE = date(2025, 3, 28)


def _procedures(move_date: date) -> tuple[ProcedureRecord, ...]:
    in14 = move_date + timedelta(days=14)
    return (
        ProcedureRecord(
            slug="tokyo-chiyoda-move-out",
            version=1,
            name="転出届",
            name_en="Move-out notification",
            organisation="千代田区",
            channel="window",
            status="in_person",
            status_label="窓口で届出",
            deadline_from=move_date - timedelta(days=14),
            deadline_to=in14,
            form=OfficialForm.RESIDENCE_CHANGE.value,
            notification="move_out",
            what_to_bring=(
                "本人確認書類（運転免許証・マイナンバーカードなど）",
                "国民健康保険証（加入している人のみ）",
                "印鑑登録証（登録している人のみ）",
            ),
            office=Office(
                "千代田区役所 総合窓口課", "東京都千代田区九段南1-2-1", "1028688", "", "03-3264-2111", sample=True
            ),
        ),
        ProcedureRecord(
            slug="sapporo-move-in",
            version=1,
            name="転入届",
            name_en="Move-in notification",
            organisation="札幌市",
            channel="window",
            status="in_person",
            status_label="窓口で届出",
            deadline_from=move_date,
            deadline_to=in14,
            form=OfficialForm.RESIDENCE_CHANGE.value,
            notification="move_in",
            fields=(FieldValue("katagaki", "方書", "大通パークマンション1203号室"),),
            what_to_bring=(
                "転出証明書（マイナンバーカードで転出した人は不要）",
                "本人確認書類（運転免許証・マイナンバーカードなど）",
                "異動する人全員のマイナンバーカード（持っている人のみ）",
            ),
            office=Office(
                "札幌市中央区役所 戸籍住民課",
                "札幌市中央区南3条西11丁目330-2",
                "0608612",
                "平日 8:45–17:15（土日祝・12/29–1/3 閉庁）",
                "",
                sample=True,
            ),
        ),
        ProcedureRecord(
            slug="sapporo-water-start",
            version=1,
            name="水道の使用開始",
            name_en="Water supply start",
            organisation="札幌市水道局",
            channel="web",
            status="delivered",
            status_label="送付済み",
            reference="W-2025-031204",
            deadline_to=move_date - timedelta(days=3),
            fields=(
                FieldValue("start_date", "使用開始日", "令和7年3月28日"),
                FieldValue("payment", "支払い方法", "口座振替"),
            ),
        ),
        ProcedureRecord(
            slug="hokkaido-gas-start",
            version=1,
            name="都市ガスの使用開始",
            name_en="City gas start",
            organisation="北海道ガス",
            channel="web",
            status="delivered",
            status_label="送付済み",
            reference="HG-558201",
            deadline_to=move_date - timedelta(days=3),
            fields=(
                FieldValue("start_date", "開栓希望日", "令和7年3月28日"),
                FieldValue("visit_time", "立会い希望時間", "午前（9時〜12時）"),
            ),
        ),
        ProcedureRecord(
            slug="hepco-start",
            version=1,
            name="電気の使用開始",
            name_en="Electricity start",
            organisation="北海道電力",
            channel="web",
            status="queued",
            status_label="送信待ち",
            deadline_to=move_date - timedelta(days=3),
            fields=(
                FieldValue("start_date", "使用開始日", "令和7年3月28日"),
                FieldValue("plan", "料金プラン", "従量電灯B"),
            ),
        ),
        ProcedureRecord(
            slug="doshin-subscription",
            version=1,
            name="新聞の購読申込み",
            name_en="Newspaper subscription",
            organisation="北海道新聞",
            channel="fax",
            status="queued",
            status_label="送付待ち",
            fields=(FieldValue("start_date", "配達開始日", "令和7年4月1日"), FieldValue("edition", "購読内容", "朝刊")),
        ),
        ProcedureRecord(
            slug="sapporo-property-tax-address",
            version=1,
            name="固定資産税 納税義務者の住所変更届",
            name_en="Property tax address change",
            organisation="札幌市",
            channel="email",
            status="failed",
            status_label="送付できませんでした（担当者が確認しています）",
            deadline_to=move_date + timedelta(days=30),
        ),
        ProcedureRecord(
            slug="sapporo-sapling",
            version=1,
            name="記念樹（苗木）の申込み",
            name_en="Commemorative sapling",
            organisation="札幌市公園緑化協会",
            channel="email",
            status="draft",
            status_label="下書き",
            fields=(FieldValue("tree", "希望する苗木", "姫ライラック"),),
        ),
    )


def sample_move(
    *,
    members: tuple[Person, ...] = MEMBERS,
    move_date: date = MOVE_DATE,
    record_id: str = "5b0e7c4e-3c1a-4f0e-9d8b-2a6f1c9e7d30",
    applicant: Person = APPLICANT,
    head: str = HEAD,
    number: str = "",
) -> MoveRecord:
    """The Tokyo → Sapporo move of this module (``applicant`` + ``members``, eight
    procedures, ``head`` the 世帯主)."""
    return MoveRecord(
        id=record_id,
        created_at=move_date - timedelta(days=10),
        submitted_at=move_date - timedelta(days=9),
        move_date=move_date,
        kinds=("move_out", "move_in"),
        applicant=applicant,
        phone="090-1234-5678",
        email="taro@example.jp",
        members=members,
        old_address=OLD,
        new_address=NEW,
        procedures=_procedures(move_date),
        head_of_household=head,
        number=number,
    )
