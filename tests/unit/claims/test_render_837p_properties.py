from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from services.claims.x12.model import (
    Address,
    Claim,
    ClaimFrequency,
    Patient,
    PatientRelationship,
    Payer,
    PersonName,
    Provider,
    ServiceLine,
    Sex,
    Subscriber,
)
from services.claims.x12.render_837p import render_837p
from tests.unit.claims.builders import REFERRING_NPI, a_batch, a_claim_id, interchange_control
from tests.unit.claims.pyx12_validation import pyx12_errors
from tests.unit.claims.x12_text import only, segments

# Free text includes accents, punctuation and our own delimiters on purpose.
free_text = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCXYZ éøæßñ'-.,*:~^&#"), max_size=70
).filter(lambda text: any(char.isalnum() for char in text))
identifiers = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=2, max_size=20)
dates = st.dates(min_value=date(1920, 1, 1), max_value=date(2030, 12, 31))
icd10_codes = st.sampled_from(["M54.50", "M62.830", "M17.11", "S13.4XXA", "M79.18", "G44.209"])
names = st.builds(PersonName, last=free_text, first=free_text, middle=st.none() | free_text)
addresses = st.builds(
    Address,
    line1=free_text,
    city=free_text.filter(lambda text: sum(char.isalnum() for char in text) >= 2),
    state=st.sampled_from(["IL", "NY", "CA"]),
    postal_code=st.from_regex(r"[0-9]{5}([0-9]{4})?", fullmatch=True),
    line2=st.none() | free_text,
)


@st.composite
def claims(draw: st.DrawFn) -> Claim:
    diagnoses = tuple(draw(st.lists(icd10_codes, min_size=1, max_size=12, unique=True)))
    pointers = st.lists(
        st.integers(1, len(diagnoses)), min_size=1, max_size=min(4, len(diagnoses)), unique=True
    )
    visit = draw(dates)
    lines = draw(
        st.lists(
            st.builds(
                ServiceLine,
                procedure_code=st.sampled_from(["97124", "97140"]),
                charge=st.decimals(Decimal("0.01"), Decimal("9999.99"), places=2),
                units=st.integers(1, 8),
                diagnosis_pointers=pointers.map(tuple),
                service_date=st.integers(0, 6).map(lambda days: visit + timedelta(days=days)),
                modifiers=st.lists(st.sampled_from(["59", "XS", "GP", "KX"]), max_size=4,
                                   unique=True).map(tuple),
            ),
            min_size=1,
            max_size=6,
        )
    )  # fmt: skip
    replacement = draw(st.booleans())
    return Claim(
        claim_id=a_claim_id(),
        subscriber=draw(
            st.builds(
                Subscriber,
                name=names,
                member_id=identifiers,
                birth_date=dates,
                sex=st.sampled_from(Sex),
                address=addresses,
                group_number=st.none() | identifiers,
            )
        ),
        payer=Payer(name=draw(free_text), payer_id=draw(identifiers)),
        diagnoses=diagnoses,
        service_lines=tuple(lines),
        referring_provider=Provider(draw(names), REFERRING_NPI),
        patient=draw(
            st.none()
            | st.builds(
                Patient,
                name=names,
                birth_date=dates,
                sex=st.sampled_from(Sex),
                address=addresses,
                relationship_to_subscriber=st.sampled_from(PatientRelationship),
            )
        ),
        frequency=ClaimFrequency.REPLACEMENT if replacement else ClaimFrequency.ORIGINAL,
        original_claim_reference=draw(identifiers) if replacement else None,
        prior_authorization=draw(st.none() | identifiers),
    )


# Each example costs a pyx12 run (~0.2 s): few examples, and no shrinking, which would take
# minutes; the failing example is printed as generated.
@settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(claims(), min_size=1, max_size=3))
def test_any_valid_batch_renders_to_an_interchange_pyx12_accepts(generated):
    x12 = render_837p(a_batch(*generated), interchange_control())

    assert pyx12_errors(x12) == []
    assert [Decimal(clm[2]) for clm in segments(x12, "CLM")] == [c.total_charge for c in generated]
    assert only(x12, "SE")[1] == str(len(segments(x12)) - 4)
