from __future__ import annotations


def test_home_page_is_chinese(client) -> None:
    response = client.get("/", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "公共资源交易" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_unknown_api_path_has_error_shape(client) -> None:
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "NOT_FOUND", "message": "您访问的内容不存在"}}
