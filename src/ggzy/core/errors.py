"""One error shape for the whole API: HTTP status, stable code, Chinese message, field or rule concerned."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str = Field(description="稳定的错误代码，例如 ENTITY_USCC_INVALID")
    message: str = Field(description="中文错误信息，指明字段，涉及法律规则时引用条款")
    field: str | None = Field(default=None, description="出错的字段（如有）")
    rule: str | None = Field(default=None, description="被违反的规则键（如有）")
    citation: str | None = Field(default=None, description="法律依据（如有）")
    details: list[dict[str, Any]] | None = Field(default=None, description="逐项校验错误（如有）")


class ErrorResponse(BaseModel):
    error: ErrorBody


class AppError(Exception):
    """A refusal a user can act on. Services raise it; the web layer renders it."""

    status_code = 400
    default_code = "BAD_REQUEST"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        rule: str | None = None,
        citation: str | None = None,
        status_code: int | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.rule = rule
        self.citation = citation
        self.details = details
        if status_code is not None:
            self.status_code = status_code

    def body(self) -> ErrorResponse:
        return ErrorResponse(
            error=ErrorBody(
                code=self.code,
                message=self.message,
                field=self.field,
                rule=self.rule,
                citation=self.citation,
                details=self.details,
            )
        )


class InvalidInput(AppError):
    status_code = 422
    default_code = "INVALID_INPUT"


class Unauthenticated(AppError):
    status_code = 401
    default_code = "AUTH_REQUIRED"


class Forbidden(AppError):
    status_code = 403
    default_code = "FORBIDDEN"


class NotFound(AppError):
    status_code = 404
    default_code = "NOT_FOUND"


class Conflict(AppError):
    status_code = 409
    default_code = "CONFLICT"


class TooManyRequests(AppError):
    status_code = 429
    default_code = "TOO_MANY_REQUESTS"


class RuleRefused(AppError):
    """An action the law forbids: always carries the rule key and its citation."""

    status_code = 422
    default_code = "RULE_VIOLATION"


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting the shared error shape for the given statuses."""
    descriptions = {
        400: "请求无效",
        401: "未登录或令牌无效",
        403: "无权访问",
        404: "不存在",
        409: "与现有数据冲突",
        422: "输入校验失败或违反法律规则",
        429: "请求过于频繁",
        503: "系统繁忙，请稍后重试",
    }
    return {s: {"model": ErrorResponse, "description": descriptions.get(s, "错误")} for s in statuses}
