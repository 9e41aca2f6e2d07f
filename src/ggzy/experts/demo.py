"""Demo expert pool: the classification tree and 200 approved experts across Gansu.

A few experts have accounts so an expert can log in (the foundation's ``expert`` user is linked to the
first one). Passwords are random, made on first seed, kept in the data folder and printed on every run.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import ric

from ggzy.core.security import Role, hash_password
from ggzy.core.settings import Settings
from ggzy.entities import uscc
from ggzy.entities.models import User, UserRole
from ggzy.experts.models import Expert, ExpertEmployment, ExpertSpecialty
from ggzy.experts.service import ensure_classification
from ggzy.ledger import service as ledger

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = [
    "建国",
    "志强",
    "海燕",
    "晓东",
    "文博",
    "丽娟",
    "振华",
    "国栋",
    "春梅",
    "永红",
    "立新",
    "秀兰",
    "明远",
    "德胜",
    "玉兰",
    "鹏飞",
    "学军",
    "红霞",
    "宏伟",
    "凤英",
    "继光",
    "淑芬",
    "兴旺",
    "静怡",
    "耀祖",
    "桂香",
    "长青",
    "雪梅",
    "卫东",
    "爱华",
    "世杰",
    "慧敏",
    "金山",
    "亚楠",
    "天佑",
    "晓梅",
    "云龙",
    "丹阳",
    "少华",
    "一鸣",
]
# (employer, region, organisation code, specialties it supplies)
EMPLOYERS: list[tuple[str, str, str, list[str]]] = [
    ("甘肃省建筑设计研究院有限公司", "620102", "MA7EX001", ["A040101", "A080101", "A080103"]),
    ("兰州交通大学", "620104", "MA7EX002", ["A080101", "A080302", "A080201", "A080301"]),
    ("兰州理工大学", "620105", "MA7EX003", ["A080101", "B010101", "A080103"]),
    ("甘肃省交通规划勘察设计院股份有限公司", "620103", "MA7EX004", ["A080301", "A080302", "A060103"]),
    ("甘肃省水利水电勘测设计研究院有限责任公司", "620102", "MA7EX005", ["A080401", "A080402"]),
    ("甘肃中天工程造价咨询有限公司", "620102", "MA7EX006", ["A060101", "A060102", "A060103"]),
    ("天水市建设工程质量监督站", "6205", "MA7EX007", ["A050101", "A080101"]),
    ("酒泉市工程建设监理有限公司", "6209", "MA7EX008", ["A080101", "A050101", "A050102"]),
    ("张掖市水务局水利技术服务中心", "6207", "MA7EX009", ["A080401", "A080402"]),
    ("甘肃省人民医院设备处", "620102", "MA7EX010", ["B020101", "B020102"]),
    ("兰州大学第一医院", "620102", "MA7EX011", ["B020101", "B020102", "B080101"]),
    ("甘肃中医药大学", "620105", "MA7EX012", ["B080101", "B020102"]),
    ("甘肃正天合律师事务所", "620102", "MA7EX013", ["C060101"]),
    ("甘肃省审计学会", "620102", "MA7EX014", ["C030101", "A060101"]),
    ("庆阳市城乡规划设计院", "6210", "MA7EX015", ["A040101", "A080201"]),
    ("白银市市政工程管理处", "6204", "MA7EX016", ["A080101", "A080201", "A080202", "A050102"]),
    ("甘肃万维信息技术有限责任公司", "620102", "MA7EX017", ["C110101", "B010201"]),
    ("平凉市建筑勘察设计院", "6208", "MA7EX018", ["A080101", "A040101"]),
    ("定西市公路管理局", "6211", "MA7EX019", ["A080101", "A080301", "A060103"]),
    ("临夏州建设工程造价管理站", "6229", "MA7EX020", ["A060101", "A060102"]),
    ("陇南市交通运输局技术中心", "6212", "MA7EX021", ["A080302", "A080301"]),
    ("武威市物业管理协会", "6206", "MA7EX022", ["C070101"]),
    ("金昌市财政评审中心", "6203", "MA7EX023", ["C030101", "A060102"]),
    ("嘉峪关市建设工程安全监督站", "6202", "MA7EX024", ["A080101", "A050101"]),
]
TITLES = [
    ("高级工程师", "senior"),
    ("正高级工程师", "principal_senior"),
    ("教授", "principal_senior"),
    ("副教授", "senior"),
    ("高级经济师", "senior"),
    ("主任医师", "principal_senior"),
    ("高级会计师", "senior"),
]
# Every demo expert can log in, so a drawn committee can be walked through in the browser; the foundation's
# ``expert`` user is expert 1, the others share one generated password (demo only).
DEMO_EXPERTS = 200  # enough that a 7-member committee fills under every avoidance and employer-share rule
ACCOUNT_EXPERTS = {1: "expert", **{k: f"expert{k:03d}" for k in range(2, DEMO_EXPERTS + 1)}}
SHARED = "shared"


def _passwords(path: Path) -> dict[str, str]:
    if path.exists():
        return dict(json.loads(path.read_text(encoding="utf-8")))
    made = {SHARED: "Demo-" + secrets.token_urlsafe(9) + "9"}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(made, fh, ensure_ascii=False, indent=1)
    return made


def _id_number(k: int) -> str:
    body = f"620102{1958 + k % 30}{1 + k % 12:02d}{1 + k % 28:02d}{k:03d}"
    return body + ric.calc_check_digit(body + "0")


def _account(session: Session, username: str, display: str, password_hash: str | None, now: datetime) -> int | None:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        if password_hash is None:
            return None
        user = User(
            username=username,
            display_name=display,
            password_hash=password_hash,
            created_at=now,
            roles=[UserRole(role=Role.expert.value, granted_at=now)],
        )
        session.add(user)
        session.flush()
        ledger.record(
            session,
            kind="role.granted",
            actor="system",
            subject=f"user:{user.id}",
            data={"role": Role.expert.value, "demo": True},
            now=now,
        )
    return user.id


def seed_experts(session: Session, *, now: datetime, settings: Settings) -> list[str]:
    """Idempotent. Returns lines describing the pool and the expert accounts to print."""
    ensure_classification(session, now=now)
    passwords = _passwords(settings.data_dir / "demo-experts.txt")
    shared_hash: str | None = None
    added = 0
    for k in range(1, DEMO_EXPERTS + 1):
        number = _id_number(k)
        if session.scalar(select(Expert.id).where(Expert.id_number == number)) is not None:
            continue
        employer, region, org, specs = EMPLOYERS[k % len(EMPLOYERS)]
        name = SURNAMES[(k * 7) % len(SURNAMES)] + GIVEN[(k * 11) % len(GIVEN)]
        title, level = TITLES[k % len(TITLES)]
        code = uscc.make("12" if "大学" in employer or "医院" in employer else "91", region.ljust(6, "0"), org)
        user_id = None
        if k in ACCOUNT_EXPERTS:
            username = ACCOUNT_EXPERTS[k]
            if username != "expert" and shared_hash is None:
                shared_hash = hash_password(passwords[SHARED])  # hashed once: argon2 is slow by design
            user_id = _account(session, username, name, None if username == "expert" else shared_hash, now)
        chosen = specs[: 1 + k % len(specs)][:3]
        expert = Expert(
            user_id=user_id,
            name=name,
            id_number=number,
            birth_date=ric.get_birth_date(number),
            phone=f"1390931{k:04d}",
            email=f"expert{k}@demo.ggzy.local",
            title=title,
            title_level=level,
            years_of_practice=10 + k % 22,
            region_code=region,
            employer_name=employer,
            employer_uscc=code,
            status="approved",
            review_note="演示数据",
            created_at=now,
            specialties=[ExpertSpecialty(code=c, rank=i + 1) for i, c in enumerate(chosen)],
            employments=[
                ExpertEmployment(
                    employer_name=employer,
                    employer_uscc=code,
                    start_date=date(2000 + k % 15, 1 + k % 12, 1),
                    end_date=None,
                )
            ],
        )
        session.add(expert)
        session.flush()
        ledger.record(
            session,
            kind="expert.registered",
            actor="system",
            subject=f"expert:{expert.id}",
            data={"expert_id": expert.id, "region_code": region, "specialties": chosen, "demo": True},
            private={"name": name, "id_number": number},
            now=now,
        )
        ledger.record(
            session,
            kind="expert.approved",
            actor="system",
            subject=f"expert:{expert.id}",
            data={"expert_id": expert.id, "note": "演示数据"},
            now=now,
        )
        added += 1
    total = len(list(session.scalars(select(Expert.id))))
    lines = [f"评标专家库：新增演示专家 {added} 名，共 {total} 名（专业分类已加载）。"]
    lines.append("  评标专家      用户名 expert       密码见上（已关联演示专家 1 号）")
    last = f"expert{DEMO_EXPERTS}"
    shared = passwords[SHARED]
    lines.append(f"  评标专家      用户名 expert002 … {last}  密码均为 {shared}（演示专家 2–{DEMO_EXPERTS} 号）")
    return lines
