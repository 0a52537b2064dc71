"""Small assertions on API responses, shared by the tests that drive services over HTTP."""

from __future__ import annotations


def created(response) -> str:  # noqa: ANN001
    """The id of what a 201 created."""
    assert response.status_code == 201, response.text
    return response.json()["id"]


def ok(response) -> dict:  # noqa: ANN001
    assert response.status_code == 200, response.text
    return response.json()


def listed(client, path: str, headers: dict, **params) -> dict:  # noqa: ANN001
    """One page of a list route, after the query tables caught up with everything stored."""
    client.query_tables.catch_up()
    return ok(client.get(path, params=params, headers=headers))


def ids(page: dict) -> list[str]:
    return [item["id"] for item in page["items"]]
