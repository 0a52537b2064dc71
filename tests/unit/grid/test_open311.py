"""Open311 GeoReport v2, driven as the spec documents it, in JSON and XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from services.grid.config import SERVICE as GRID

BASE = "/open311/v2"


@pytest.fixture
def grid(service_client, auth):
    client = service_client(GRID)
    for slug in ("jinpen", "huasheng"):
        client.post("/communities", json={"id": slug, "name": slug.title(), "district": "D", "households": 1,
                                          "residents": 1, "floating_population": 1}, headers=auth("admin"))
    return client


@pytest.fixture
def key(dev_keys):
    return dev_keys.mint("staff-li", ["community_staff"], ["jinpen"])


def post_request(grid, key, fmt="json", **fields):
    form = {"api_key": key, "jurisdiction_id": "jinpen", "service_code": "noise", "lat": "26.41", "long": "112.85",
            "description": "karaoke at night", "email": "li@example.com", "phone": "13800000000",
            "attribute[time_of_day]": "night", **fields}
    return grid.post(f"{BASE}/requests.{fmt}", data={k: v for k, v in form.items() if v is not None})


def test_services_json_and_xml(grid):
    services = grid.get(f"{BASE}/services.json", params={"jurisdiction_id": "jinpen"}).json()
    noise = next(s for s in services if s["service_code"] == "noise")
    assert noise["metadata"] is True and noise["type"] == "realtime" and noise["service_name"] == "Noise"
    root = ET.fromstring(grid.get(f"{BASE}/services.xml").content)
    assert root.tag == "services" and len(root.findall("service")) == len(services)
    assert root.find("service/metadata").text in ("true", "false")


def test_service_definition_json_and_xml(grid):
    definition = grid.get(f"{BASE}/services/safety_hazard.json").json()
    attribute = definition["attributes"][0]
    assert definition["service_code"] == "safety_hazard"
    assert attribute["code"] == "hazard_kind" and attribute["required"] is True
    assert attribute["datatype"] == "singlevaluelist" and {"key": "fire", "name": "Fire"} in attribute["values"]
    root = ET.fromstring(grid.get(f"{BASE}/services/safety_hazard.xml").content)
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key").text == "fire"


def test_unknown_service_is_404_error_list(grid):
    response = grid.get(f"{BASE}/services/ufo.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404
    xml = ET.fromstring(grid.get(f"{BASE}/services/ufo.xml").content)
    assert xml.tag == "errors" and xml.find("error/code").text == "404"
    assert grid.get(f"{BASE}/services.json", params={"jurisdiction_id": "atlantis"}).status_code == 404


def test_created_request_is_the_staff_case(grid, key, auth):
    response = post_request(grid, key)
    assert response.status_code == 201, response.text
    request_id = response.json()[0]["service_request_id"]
    case = grid.get(f"/cases/{request_id}", headers=auth("community_staff", communities=["jinpen"])).json()
    assert case["channel"] == "open311" and case["community_id"] == "jinpen"
    assert case["attributes"] == {"time_of_day": "night"} and case["reporter_contact"]["email"] == "li@example.com"
    one = grid.get(f"{BASE}/requests/{request_id}.json").json()
    assert len(one) == 1 and one[0]["service_request_id"] == request_id
    assert one[0]["status"] == "open" and one[0]["expected_datetime"] == case["deadline"]
    assert one[0]["lat"] == 26.41 and one[0]["description"] == case["description"]
    assert "13800000000" not in grid.get(f"{BASE}/requests/{request_id}.json").text
    assert "li@example.com" not in grid.get(f"{BASE}/requests/{request_id}.xml").text


def test_post_xml_and_address(grid, key):
    response = post_request(grid, key, fmt="xml", lat=None, long=None, address_string="3 Market St")
    root = ET.fromstring(response.content)
    assert response.status_code == 201 and root.tag == "service_requests"
    request_id = root.find("request/service_request_id").text
    got = ET.fromstring(grid.get(f"{BASE}/requests/{request_id}.xml").content)
    assert got.find("request/address").text == "3 Market St" and got.find("request/status").text == "open"


@pytest.mark.parametrize(("fields", "code"), [
    ({"api_key": None}, 403), ({"api_key": "garbage"}, 403), ({"service_code": "ufo"}, 404),
    ({"service_code": None}, 400), ({"lat": None, "long": None}, 400), ({"long": None}, 400),
    ({"jurisdiction_id": "huasheng"}, 403), ({"jurisdiction_id": "atlantis"}, 404),
    ({"attribute[time_of_day]": "dusk"}, 400),
])
def test_post_errors(grid, key, fields, code):
    response = post_request(grid, key, **fields)
    assert response.status_code == code and response.json()[0]["code"] == code
    assert grid.application.recorder.max_notification_id() == 2  # only the two communities


def test_jurisdiction_required_when_ambiguous(grid, dev_keys):
    everywhere = dev_keys.mint("boss", ["admin"], ["*"])
    assert post_request(grid, everywhere, jurisdiction_id=None).status_code == 400
    assert post_request(grid, dev_keys.mint("li", ["grid_worker"], ["jinpen"]), jurisdiction_id=None).status_code == 201


def test_get_requests_filters(grid, key, auth):
    staff = auth("community_staff", communities=["jinpen"])
    noisy = post_request(grid, key).json()[0]["service_request_id"]
    dirty = post_request(grid, key, service_code="sanitation", **{"attribute[time_of_day]": None}).json()[0][
        "service_request_id"]
    grid.post(f"/cases/{dirty}/resolve", json={"outcome": "cleaned"}, headers=staff)

    def ids(**params):
        response = grid.get(f"{BASE}/requests.json", params=params)
        assert response.status_code == 200, response.text
        return {r["service_request_id"] for r in response.json()}

    assert ids() == {noisy, dirty}
    assert ids(jurisdiction_id="huasheng") == set()
    assert ids(service_request_id=f"{noisy},{dirty}", status="closed") == {noisy, dirty}  # other filters ignored
    assert ids(service_code="sanitation") == {dirty}
    assert ids(service_code="noise,sanitation") == {noisy, dirty}
    assert ids(status="open") == {noisy} and ids(status="closed") == {dirty}
    assert ids(start_date="2000-01-01T00:00:00Z", end_date="2000-02-01T00:00:00Z") == set()
    assert ids(start_date="2000-01-01T00:00:00Z", end_date="2100-01-01T00:00:00Z") == {noisy, dirty}
    closed = grid.get(f"{BASE}/requests/{dirty}.json").json()[0]
    assert closed["status"] == "closed" and closed["status_notes"] == "cleaned"
    root = ET.fromstring(grid.get(f"{BASE}/requests.xml", params={"status": "open"}).content)
    assert [r.find("service_request_id").text for r in root.findall("request")] == [noisy]
    assert grid.get(f"{BASE}/requests.json", params={"status": "pending"}).status_code == 400
    assert grid.get(f"{BASE}/requests.json", params={"start_date": "yesterday"}).status_code == 400


def test_unknown_request_and_format(grid):
    response = grid.get(f"{BASE}/requests/00000000-0000-0000-0000-000000000000.json")
    assert response.status_code == 404 and response.json()[0]["description"]
    assert grid.get(f"{BASE}/requests.yaml").status_code == 400
