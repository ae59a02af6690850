"""Recording a completed session: what was done, where, for how long, and what it bills."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.scheduling.domain.calendar import Appointment
from services.scheduling.domain.care import is_own
from services.scheduling.domain.errors import ChangeRefused, NotFound, SessionRejected
from services.scheduling.domain.precautions import Restrictions
from shared.billing.place_of_service import OFFICE, is_place_of_service
from shared.billing.techniques import minutes_by_code
from shared.billing.units import CMS, compute_units
from shared.errors import InvalidInput
from shared.vocabulary import BODY_REGIONS, PRESSURE_LEVELS, TECHNIQUES

NOT_OWN_APPOINTMENT = "not_own_appointment"
NOT_STARTED = "not_started"


@dataclass(frozen=True)
class Completer:
    """Who records a session: their staff login, whether they are an admin, and an
    admin's reason for going past the rules below (None: no override asked for)."""

    subject: str
    is_admin: bool
    override_reason: str | None = None


def admin_overrides(
    appointment: Appointment, therapist_subject: str | None, completer: Completer,
    now: datetime,
) -> tuple[str, ...]:
    """The rules an admin's override goes past to complete this visit now (mostly none).

    A therapist completes only their own appointments (SECURITY.md, "Who may see what"),
    and only once the visit has started, so no claim goes out for a day still to come.
    Another therapist's appointment is answered as if it did not exist (404), the way
    every record outside a therapist's own work is; a visit not yet started is refused
    (409), as is one no longer booked (completing twice included). An admin may go past
    the first two, giving a reason; without one they are refused too.
    """
    own = is_own(therapist_subject, completer.subject)
    if not own and not completer.is_admin:
        raise NotFound("appointment")
    if not completer.is_admin and completer.override_reason is not None:
        raise InvalidInput.field("admin_override_reason", "Only an admin may override.")
    if appointment.status != "booked":
        raise ChangeRefused(
            ["already_completed" if appointment.status == "completed" else "not_booked"])
    departures = [] if own else [NOT_OWN_APPOINTMENT]
    if now < appointment.start:
        departures.append(NOT_STARTED)
    if departures and not (completer.is_admin and completer.override_reason):
        raise ChangeRefused(departures)
    return tuple(departures)


@dataclass(frozen=True)
class TechniqueRecord:
    """Minutes of one technique on some body regions, as the therapist records them."""

    technique: str
    minutes: int
    body_regions: tuple[str, ...]
    pressure: str | None = None


@dataclass(frozen=True)
class BilledCode:
    """One timed code of the session: its minutes and the units they bill."""

    code: str
    minutes: int
    units: int


@dataclass(frozen=True)
class BilledLine:
    """One technique under its code: minutes, the units of its code it carries, regions."""

    code: str
    technique: str
    minutes: int
    units: int
    body_regions: tuple[str, ...]


@dataclass(frozen=True)
class VisitFacts:
    """The facts about a visit the therapist does not record technique by technique.

    ``prescribed_regions`` are the referral's body regions (None: the referral's window
    did not say, so nothing is checked against it).
    """

    date_of_service: date
    today: date
    place_of_service: str = OFFICE
    prescribed_regions: frozenset[str] | None = None
    outside_referral_reason: str | None = None


@dataclass(frozen=True)
class CompletedSession:
    """The record a claim is built from; reproducible from the techniques it lists."""

    appointment_id: str
    client_id: str
    therapist_id: str
    techniques: tuple[TechniqueRecord, ...]
    codes: tuple[BilledCode, ...]
    counting_method: str
    overridden: tuple[str, ...] = ()
    override_reason: str | None = None
    lines: tuple[BilledLine, ...] = ()
    place_of_service: str = OFFICE
    regions_outside_referral: tuple[str, ...] = ()
    outside_referral_reason: str | None = None

    @property
    def total_minutes(self) -> int:
        """Timed minutes of the whole session."""
        return sum(record.minutes for record in self.techniques)


def record_session(
    appointment: Appointment,
    techniques: Sequence[TechniqueRecord],
    restrictions: Restrictions,
    override_reason: str | None,
    technique_codes: Mapping[str, str],
    method: str = CMS,
    visit: VisitFacts | None = None,
) -> CompletedSession:
    """Check a therapist's session record and count the units it bills.

    With ``visit``: the place of service must be on the CMS list, the date of service
    must have come, and a region the referral does not prescribe needs the therapist's
    reason (it is then flagged on the claim).
    """
    errors: dict[str, list[str]] = {}

    def refuse(field_name: str, message: str) -> None:
        errors.setdefault(field_name, []).append(message)

    if appointment.status != "booked":
        refuse("appointment", f"appointment is {appointment.status}, not booked")
    if not techniques:
        refuse("techniques", "record at least one technique")
    breaches: list[str] = []
    for index, record in enumerate(techniques):
        for field_name, message in _problems(record, technique_codes, restrictions):
            refuse(f"techniques[{index}].{field_name}", message)
        breaches.extend(_breaches(record, restrictions))
    overridden = tuple(dict.fromkeys(breaches))
    total = sum(record.minutes for record in techniques)
    if total > appointment.duration_minutes:
        refuse(
            "techniques",
            f"{total} minutes recorded in a {appointment.duration_minutes}-minute appointment",
        )
    reason = (override_reason or "").strip() or None
    if overridden and reason is None:
        # Precautions travel with the client; going past one needs a stated reason.
        refuse("override_reason", f"needed to go past precautions: {', '.join(overridden)}")
    outside: tuple[str, ...] = ()
    outside_reason = None
    if visit is not None:
        outside = _outside_referral(techniques, visit.prescribed_regions)
        outside_reason = (visit.outside_referral_reason or "").strip() or None
        for field_name, message in _visit_problems(visit, outside, outside_reason):
            refuse(field_name, message)
    if errors:
        raise SessionRejected(errors)

    minutes = minutes_by_code(((r.technique, r.minutes) for r in techniques), technique_codes)
    units = compute_units(minutes, method)
    codes = tuple(BilledCode(code, minutes[code], units.get(code, 0)) for code in sorted(minutes))
    return CompletedSession(
        lines=billed_lines(techniques, technique_codes, units),
        place_of_service=visit.place_of_service if visit else OFFICE,
        regions_outside_referral=outside,
        outside_referral_reason=outside_reason if outside else None,
        appointment_id=appointment.id,
        client_id=appointment.client_id,
        therapist_id=appointment.therapist_id,
        techniques=tuple(techniques),
        codes=codes,
        counting_method=method,
        overridden=overridden,
        override_reason=reason if overridden else None,
    )


def _problems(
    record: TechniqueRecord, technique_codes: Mapping[str, str], restrictions: Restrictions
) -> list[tuple[str, str]]:
    problems = []
    if record.technique not in TECHNIQUES:
        problems.append(("technique", f"unknown technique {record.technique!r}"))
    elif record.technique not in technique_codes:
        problems.append(("technique", f"no billing code for {record.technique!r}"))
    if record.minutes <= 0:
        problems.append(("minutes", "minutes must be positive"))
    if not record.body_regions:
        problems.append(("body_regions", "record at least one body region"))
    problems.extend(
        ("body_regions", f"unknown body region {region!r}")
        for region in record.body_regions
        if region not in BODY_REGIONS
    )
    if record.pressure is not None and record.pressure not in PRESSURE_LEVELS:
        problems.append(("pressure", f"unknown pressure level {record.pressure!r}"))
    if restrictions.pressure_limit is not None and record.pressure is None:
        # Without a recorded pressure the limit cannot be shown to have been kept.
        problems.append(("pressure", f"record the pressure (limit {restrictions.pressure_limit})"))
    return problems


def _breaches(record: TechniqueRecord, restrictions: Restrictions) -> list[str]:
    breaches = []
    if record.technique in restrictions.restricted_techniques:
        breaches.append(f"technique {record.technique}")
    breaches.extend(
        f"region {region}"
        for region in record.body_regions
        if region in restrictions.restricted_regions
    )
    if record.pressure in PRESSURE_LEVELS and not restrictions.allows_pressure(record.pressure):
        breaches.append(f"pressure {record.pressure} (limit {restrictions.pressure_limit})")
    return breaches


def _outside_referral(
    techniques: Sequence[TechniqueRecord], prescribed: frozenset[str] | None
) -> tuple[str, ...]:
    if prescribed is None:
        return ()
    treated = {region for record in techniques for region in record.body_regions}
    return tuple(sorted(treated - prescribed))


def _visit_problems(
    visit: VisitFacts, outside: tuple[str, ...], reason: str | None
) -> list[tuple[str, str]]:
    problems = []
    if not is_place_of_service(visit.place_of_service):
        problems.append(("place_of_service",
                         f"{visit.place_of_service!r} is not a CMS place-of-service code"))
    if visit.date_of_service > visit.today:
        # No claim for a day still to come, whoever records it (docs/DOMAIN.md §Claims).
        problems.append(("date_of_service",
                         f"{visit.date_of_service} has not come yet; complete it on the day"))
    if outside and reason is None:
        # Medical massage treats only the prescribed areas (docs/DOMAIN.md §Medical massage).
        problems.append(("outside_referral_reason",
                         f"the referral does not prescribe {', '.join(outside)}; say why they "
                         "were treated"))
    return problems


def billed_lines(
    techniques: Sequence[TechniqueRecord],
    technique_codes: Mapping[str, str],
    units: Mapping[str, int],
) -> tuple[BilledLine, ...]:
    """One line per technique (in code order), its code's units shared out by minutes.

    Units are counted per code (Pub 100-04 ch.5 §20.2); a code given through several
    techniques carries its units on their lines in proportion to their minutes, the
    largest remainders first, so the lines of a code always add up to its units.
    """
    grouped: dict[tuple[str, str], tuple[int, set[str]]] = {}
    for record in techniques:
        key = (technique_codes[record.technique], record.technique)
        minutes, regions = grouped.get(key, (0, set()))
        grouped[key] = (minutes + record.minutes, regions | set(record.body_regions))
    lines = []
    for code in sorted({code for code, _ in grouped}):
        keys = sorted(key for key in grouped if key[0] == code)
        shares = _share(units.get(code, 0), [grouped[key][0] for key in keys])
        lines.extend(
            BilledLine(code, technique, grouped[(code, technique)][0], share,
                       tuple(sorted(grouped[(code, technique)][1])))
            for (_, technique), share in zip(keys, shares, strict=True)
        )
    return tuple(lines)


def _share(total: int, minutes: Sequence[int]) -> list[int]:
    whole = sum(minutes)
    shares = [total * m // whole for m in minutes]
    by_remainder = sorted(range(len(minutes)), key=lambda i: (-(total * minutes[i] % whole), i))
    for index in by_remainder[: total - sum(shares)]:
        shares[index] += 1
    return shares
