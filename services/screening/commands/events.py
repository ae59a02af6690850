"""What the screening service tells the others: event payloads built from stored rows."""

from __future__ import annotations

from typing import Any

from services.screening.domain.referral import OPEN_STATUSES
from shared.contact_keys import email_key

# Contact details (phone, email, time zone) go only to notifications, in their own event:
# billing and booking do not need them.
_CLIENT_FIELDS = ("client_id", "version", "first_name", "last_name", "birth_date", "sex",
                  "address", "coverage", "secondary_coverage")
_CONTACT_FIELDS = ("client_id", "version", "first_name", "email", "phone", "time_zone")
_REFERRAL_FIELDS = ("referral_id", "client_id", "version", "diagnoses", "codes", "techniques",
                    "body_regions", "diagnosis_regions", "visits_per_week", "weeks",
                    "authorized_visits", "authorization_number", "start_on", "end_on")


def client_data(client: dict[str, Any]) -> dict[str, Any]:
    """A ``ClientPayload`` for screening.client.registered / .updated."""
    return {name: client[name] for name in _CLIENT_FIELDS}


def contact_data(client: dict[str, Any]) -> dict[str, Any]:
    """A ``ClientContactPayload`` for screening.client.contact: how to reach the client."""
    return {name: client[name] for name in _CONTACT_FIELDS}


def enrolled_data(client: dict[str, Any]) -> dict[str, Any]:
    """A ``ClientEnrolledPayload``: that the client exists, for readers needing no PHI."""
    return {"client_id": client["client_id"], "version": client["version"]}


def sign_in_key_data(client: dict[str, Any]) -> dict[str, Any]:
    """A ``ClientSignInKeyPayload``: the email as a lookup hash, for scheduling's sign-in."""
    email = client.get("email")
    return {"client_id": client["client_id"], "version": client["version"],
            "email_sha256": email_key(email) if email else None}


def screening_data(screening: dict[str, Any]) -> dict[str, Any]:
    """A ``ScreeningCompletedPayload``: reasons as codes only, never the findings' words."""
    return {
        "screening_id": screening["screening_id"],
        "client_id": screening["client_id"],
        "outcome": screening["outcome"],
        "reason_codes": [reason["code"] for reason in screening["reasons"]],
        "restricted_techniques": screening["restricted_techniques"],
        "restricted_regions": screening["restricted_regions"],
        "pressure_limit": screening["pressure_limit"],
        "screened_on": screening["screened_on"],
        "expires_on": screening["expires_on"],
        "rules_version": screening["rules_version"],
        "cleared_by_physician": screening["clearance_physician_npi"] is not None,
        "recorded_at": screening["recorded_at"],
    }


def referral_data(referral: dict[str, Any]) -> dict[str, Any]:
    """A ``ReferralPayload`` for screening.referral.recorded / .amended: the whole version."""
    return {
        **{name: referral[name] for name in _REFERRAL_FIELDS},
        "physician": {
            "name": referral["physician_name"],
            "npi": referral["physician_npi"],
            "last_name": referral["physician_last_name"],
            "first_name": referral["physician_first_name"],
            "credential": referral["physician_credential"],
        },
    }


def referral_closed_data(referral: dict[str, Any]) -> dict[str, Any]:
    """A ``ReferralClosedPayload`` for screening.referral.revoked / .expired."""
    return {
        "referral_id": referral["referral_id"],
        "client_id": referral["client_id"],
        "version": referral["version"],
        "closed_on": referral["closed_on"],
    }


def window_data(referral: dict[str, Any]) -> dict[str, Any]:
    """A ``ReferralWindowPayload``: what booking needs of a referral, nothing clinical."""
    return {
        "referral_id": referral["referral_id"],
        "client_id": referral["client_id"],
        "version": referral["version"],
        # Recorded and amended are one thing to booking: a referral it may book against.
        "status": "active" if referral["status"] in OPEN_STATUSES else referral["status"],
        "start_on": referral["start_on"],
        "end_on": referral["end_on"],
        "authorized_visits": referral["authorized_visits"],
        "closed_on": referral["closed_on"],
        "frequency": f"{referral['visits_per_week']}x/week for {referral['weeks']} weeks",
        # The prescribed regions, for the therapist; no diagnosis (docs/DOMAIN.md §Referral).
        "body_regions": sorted(referral["body_regions"]) if referral.get("body_regions")
        else None,
    }
