"""Questionnaires, clearances, screening answers and the rules a UI can offer."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.screening.api.schemas.common import free_text, text, valid_npi
from services.screening.domain import INJURY_KINDS
from shared.vocabulary import BODY_REGIONS, PRESSURE_LEVELS, SCREENING_OUTCOMES, TECHNIQUES
from shared.web.fields import Text


def technique_list() -> fields.List:
    """Techniques from the shared vocabulary (empty when left out)."""
    return fields.List(
        fields.String(validate=validate.OneOf(sorted(TECHNIQUES))), load_default=list
    )


def region_list() -> fields.List:
    """Body regions from the shared vocabulary (empty when left out)."""
    return fields.List(
        fields.String(validate=validate.OneOf(sorted(BODY_REGIONS))), load_default=list
    )


class InjurySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(sorted(INJURY_KINDS)))
    body_region = fields.String(required=True, validate=validate.OneOf(sorted(BODY_REGIONS)))
    healed = fields.Boolean(required=True)


class QuestionnaireSchema(Schema):
    """The health questionnaire; conditions are the codes GET /screening-rules lists."""

    conditions = fields.List(Text(validate=validate.Length(min=1, max=60)), load_default=list)
    medications = fields.List(Text(validate=validate.Length(min=1, max=200)),
                              load_default=list, validate=validate.Length(max=50))
    injuries = fields.List(fields.Nested(InjurySchema), load_default=list,
                           validate=validate.Length(max=30))
    platelet_count = fields.Integer(load_default=None, allow_none=True,
                                    validate=validate.Range(min=0, max=2_000_000),
                                    metadata={"description": "per microlitre"})
    notes = free_text()


class ClearanceSchema(Schema):
    """A physician's clearance of the client's screening that waits for one."""

    physician_name = text(200)
    physician_npi = Text(required=True, validate=valid_npi)
    cleared_on = fields.Date(required=True)
    restricted_techniques = technique_list()
    restricted_regions = region_list()
    pressure_limit = fields.String(load_default=None, allow_none=True,
                                   validate=validate.OneOf(PRESSURE_LEVELS))
    note = free_text()


class ReasonSchema(Schema):
    code = fields.String(required=True)
    text = fields.String(required=True)


class ClearanceRecordSchema(Schema):
    physician_name = fields.String(required=True)
    physician_npi = fields.String(required=True)
    cleared_on = fields.Date(required=True)
    note = fields.String(required=True)
    clears_screening_id = fields.String(required=True)


class ScreeningOutSchema(Schema):
    screening_id = fields.String(required=True)
    client_id = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(SCREENING_OUTCOMES))
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    restricted_techniques = fields.List(fields.String(), required=True)
    restricted_regions = fields.List(fields.String(), required=True)
    pressure_limit = fields.String(allow_none=True)
    screened_on = fields.Date(required=True)
    expires_on = fields.Date(required=True, metadata={"description": "first day not current"})
    rules_version = fields.String(required=True)
    cleared_by_physician = fields.Boolean(required=True)
    clearance = fields.Nested(ClearanceRecordSchema, allow_none=True, required=True)
    questionnaire = fields.Nested(QuestionnaireSchema, required=True)
    recorded_at = fields.AwareDateTime(required=True)


class ScreeningListSchema(Schema):
    screenings = fields.List(fields.Nested(ScreeningOutSchema), required=True)


class ConditionSchema(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class RuleSummarySchema(Schema):
    code = fields.String(required=True)
    text = fields.String(required=True)
    outcome = fields.String(required=True)


class ScreeningRulesSchema(Schema):
    version = fields.String(required=True)
    valid_for_months = fields.Integer(required=True)
    conditions = fields.List(fields.Nested(ConditionSchema), required=True)
    rules = fields.List(fields.Nested(RuleSummarySchema), required=True)
    injury_kinds = fields.List(fields.String(), required=True)
    body_regions = fields.List(fields.String(), required=True)
    techniques = fields.List(fields.String(), required=True)
    pressure_levels = fields.List(fields.String(), required=True)
