"""Every endpoint declares who may call it; the OpenAPI schema documents the shared error shape."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute

from ggzy.core.security import ACCESS_ATTR


def _routes(routes: list[Any]) -> list[APIRoute]:
    out: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            out.append(route)
        elif hasattr(route, "original_router"):
            out.extend(_routes(route.original_router.routes))
        elif hasattr(route, "routes"):
            out.extend(_routes(route.routes))
    return out


def _declares_access(dependant: Any) -> bool:
    return any(hasattr(dep.call, ACCESS_ATTR) or _declares_access(dep) for dep in dependant.dependencies)


def test_every_route_declares_its_audience(app) -> None:  # type: ignore[no-untyped-def]
    routes = _routes(app.routes)
    assert len(routes) > 40
    missing = [
        f"{sorted(r.methods)} {r.path}"
        for r in routes
        if r.path not in {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
        and not _declares_access(r.dependant)
    ]
    assert not missing, "routes without an access declaration:\n" + "\n".join(missing)


def test_openapi_documents_error_shape(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/openapi.json").json()
    assert "ErrorResponse" in schema["components"]["schemas"]
    responses = schema["paths"]["/api/entities/{entity_id}/users"]["post"]["responses"]
    for status in ("401", "403", "404", "409", "422"):
        assert responses[status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
