"""The OpenAPI document describes every screening endpoint with its schemas and roles."""

from __future__ import annotations


def test_every_endpoint_is_documented_with_its_schemas_and_roles(sqlite_http):
    document = sqlite_http.get("/openapi.json").json
    paths = document["paths"]

    register = paths["/clients"]["post"]
    assert register["x-roles"] == ["admin", "front_desk"]
    assert set(register["responses"]) >= {"201", "400", "401", "403", "409"}
    assert register["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Client")
    expected = {
        "/clients": {"get", "post"},
        "/clients/{client_id}": {"get", "put"},
        "/clients/{client_id}/screenings": {"get", "post"},
        "/clients/{client_id}/screenings/{screening_id}": {"get"},
        "/clients/{client_id}/clearances": {"post"},
        "/clients/{client_id}/referrals": {"get", "post"},
        "/clients/{client_id}/referrals/{referral_id}": {"get", "put"},
        "/clients/{client_id}/referrals/{referral_id}/revoke": {"post"},
        "/clients/{client_id}/referral-form": {"get"},
        "/referral-form": {"get"},
        "/screening-rules": {"get"},
        "/diagnoses": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
    schemas = document["components"]["schemas"]
    assert {"Client", "ClientOut", "Coverage", "Questionnaire", "ScreeningOut", "Clearance",
            "Referral", "ReferralOut", "ScreeningRules", "DiagnosisList"} <= set(schemas)
    assert "subscriber" in schemas["Coverage"]["properties"]
    assert {"physician_npi", "diagnoses", "start_on", "end_on"} <= set(
        schemas["Referral"]["required"])
    assert paths["/referral-form"]["get"]["responses"]["200"]["content"] == {
        "text/html": {"schema": {"type": "string"}}}
