"""The platform's own JSON bodies (orjson) and uvicorn's parser/loop choice."""

from __future__ import annotations

import importlib.util

import pytest
from starlette.responses import JSONResponse as StarletteJSONResponse

from shared.platform import http
from shared.platform.http import JSONResponse, server_options

BODIES = [
    {"detail": "社区 c1 不存在", "field": "community_id"},
    {"detail": [{"type": "missing", "loc": ["body", "名称"], "msg": "Field required"}]},
    {"amount_fen": 123_456_789_012, "negative_fen": -5, "ratio": 0.25, "ok": True, "none": None},
    {"detail": "引号 \" 反斜杠 \\ 换行 \n 制表 \t 控制 \x01 emoji 🏠"},
    [],
]


@pytest.mark.parametrize("body", BODIES)
def test_bodies_are_byte_for_byte_what_starlette_would_send(body: object) -> None:
    assert JSONResponse(body).body == StarletteJSONResponse(body).body


def test_an_integer_beyond_64_bits_falls_back_to_the_stdlib_encoder() -> None:
    body = {"value": 2**70}
    assert JSONResponse(body).body == b'{"value":1180591620717411303424}'


def test_a_value_no_json_can_hold_is_still_refused() -> None:
    with pytest.raises((TypeError, ValueError)):
        JSONResponse({"value": object()})


def test_the_c_parser_and_loop_are_used_when_installed() -> None:
    options = server_options()
    assert options["http"] == ("httptools" if importlib.util.find_spec("httptools") else "h11")
    assert options["loop"] == ("uvloop" if importlib.util.find_spec("uvloop") else "asyncio")


def test_without_them_the_pure_python_ones_are_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http.importlib.util, "find_spec", lambda name: None)
    assert server_options() == {"http": "h11", "loop": "asyncio"}
