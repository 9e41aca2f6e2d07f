"""Refusals of the vault, each with a stable code and a Chinese message (shared error shape of ``ggzy.core.errors``)."""

from __future__ import annotations

from ggzy.core.errors import InvalidInput, RuleRefused

NOT_ENCRYPTED_RULE = "bid.must_be_encrypted"
NOT_ENCRYPTED_CITATION = (
    "《电子招标投标办法》第二十六条：投标人应当按照招标文件和电子招标投标交易平台的要求编制并加密投标文件。"
    "投标人未按规定加密的投标文件，电子招标投标交易平台应当拒收并提示。"
)


class VaultError(InvalidInput):
    """Any refusal of an envelope, key, share or receipt (HTTP 422)."""


def malformed(detail: str, *, field: str = "envelope") -> VaultError:
    return VaultError(f"密封投标文件格式错误：{detail}", code="ENVELOPE_MALFORMED", field=field)


def not_encrypted() -> RuleRefused:
    return RuleRefused(
        "投标文件未加密，平台拒收：请使用平台的浏览器加密或 `ggzy seal` 命令加密后再上传。"
        "依据《电子招标投标办法》第二十六条，未按规定加密的投标文件应当拒收并提示。",
        code="ENVELOPE_NOT_ENCRYPTED",
        field="envelope",
        rule=NOT_ENCRYPTED_RULE,
        citation=NOT_ENCRYPTED_CITATION,
    )


def key_mismatch(detail: str) -> VaultError:
    return VaultError(f"密钥与投标文件不匹配：{detail}", code="ENVELOPE_KEY_MISMATCH", field="key")


def tampered(detail: str) -> VaultError:
    return VaultError(f"投标文件已被篡改或损坏：{detail}", code="ENVELOPE_TAMPERED", field="envelope")


def key_invalid(detail: str) -> VaultError:
    return VaultError(f"密钥无效：{detail}", code="KEY_INVALID", field="key")


def share_invalid(detail: str, *, index: int | None = None) -> VaultError:
    where = f"第 {index} 份" if index is not None else ""
    return VaultError(f"密钥分片{where}无效：{detail}", code="SHARE_INVALID", field="shares")


def shares_insufficient(have: int, need: int) -> VaultError:
    return VaultError(
        f"密钥分片不足：需要至少 {need} 份有效分片才能恢复开标密钥，现有 {have} 份。",
        code="SHARES_INSUFFICIENT",
        field="shares",
    )


def receipt_invalid(detail: str) -> VaultError:
    return VaultError(f"回执无效：{detail}", code="RECEIPT_INVALID", field="receipt")


def form_invalid(detail: str, *, field: str) -> VaultError:
    return VaultError(f"投标表单错误：{detail}", code="BID_FORM_INVALID", field=field)
