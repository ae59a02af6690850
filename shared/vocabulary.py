"""Words every service uses for what a therapist does and where: one list, shared.

Screening restricts techniques and body regions, scheduling records them, claims bills
the codes they map to. Keeping the vocabulary in one place is what lets a screening
restriction be checked against a session record.
"""

TECHNIQUES: frozenset[str] = frozenset(
    {
        "swedish",
        "deep_tissue",
        "myofascial_release",
        "trigger_point",
        "rehabilitative_stretching",
        "manual_lymphatic_drainage",
        "joint_mobilization",
    }
)

BODY_REGIONS: frozenset[str] = frozenset(
    {
        "head",
        "neck",
        "upper_back",
        "lower_back",
        "chest",
        "abdomen",
        "gluteal",
        "left_shoulder",
        "right_shoulder",
        "left_arm",
        "right_arm",
        "left_hand",
        "right_hand",
        "left_hip",
        "right_hip",
        "left_leg",
        "right_leg",
        "left_knee",
        "right_knee",
        "left_foot",
        "right_foot",
    }
)

# Ordered lightest first: a limit of "light" forbids "moderate" and "deep".
PRESSURE_LEVELS: tuple[str, ...] = ("light", "moderate", "deep")

TIMED_CODES: frozenset[str] = frozenset({"97124", "97140"})

# A screening's verdict (docs/DOMAIN.md §Screening). Screening decides it, scheduling
# books only the first two, claims never sees it.
CLEARED = "cleared"
CLEARED_WITH_PRECAUTIONS = "cleared_with_precautions"
NEEDS_CLEARANCE = "needs_clearance"
NOT_ELIGIBLE = "not_eligible"
# Ordered least severe first: when findings disagree, the most severe wins.
SCREENING_OUTCOMES: tuple[str, ...] = (CLEARED, CLEARED_WITH_PRECAUTIONS, NEEDS_CLEARANCE,
                                       NOT_ELIGIBLE)
BOOKABLE_OUTCOMES: frozenset[str] = frozenset({CLEARED, CLEARED_WITH_PRECAUTIONS})
