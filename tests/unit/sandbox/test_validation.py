"""The sandbox validates with pyx12 and keeps its maps between documents; that must not
change a single verdict."""

import io

import pyx12.params
import pyx12.x12n_document

from deploy.sandbox_clearinghouse.submission import acknowledge_syntax
from services.claims.x12.render_837p import render_837p
from tests.unit.claims.builders import a_batch, a_claim, interchange_control


def fresh_pyx12(x12_text: str) -> tuple[bool, str]:
    """pyx12 as shipped: maps read from scratch for this one document."""
    ack = io.StringIO()
    valid = pyx12.x12n_document.x12n_document(
        pyx12.params.params(), io.StringIO(x12_text), ack, None
    )
    return valid, ack.getvalue()


def findings(ack_999: str) -> list[str]:
    """The 999's verdict segments, without the envelope's dates and control numbers."""
    return [
        segment.strip()
        for segment in ack_999.split("~")
        if segment.strip().startswith(("AK2", "IK3", "IK4", "IK5", "AK9"))
    ]


def test_kept_maps_give_the_verdicts_fresh_maps_give_for_good_and_broken_documents_in_turn():
    good = render_837p(
        a_batch(a_claim(), a_claim(prior_authorization="PA-1")), interchange_control(1)
    )
    broken = good.replace("*MI*MEM123456~", "*QQ*MEM123456~")
    missing_segment = render_837p(a_batch(a_claim()), interchange_control(2)).replace(
        "~SBR*", "~XXX*", 1
    )

    for document in (good, broken, good, missing_segment, good, broken):
        kept_valid, kept_ack = acknowledge_syntax(document)
        fresh_valid, fresh_ack = fresh_pyx12(document)

        assert kept_valid == fresh_valid
        assert findings(kept_ack) == findings(fresh_ack)
        assert findings(kept_ack)  # the 999 said something to compare

    assert acknowledge_syntax(good)[0] is True
    assert acknowledge_syntax(broken)[0] is False


def test_pyx12_reads_its_maps_from_scratch_again_once_the_sandbox_is_done():
    acknowledge_syntax(render_837p(a_batch(a_claim()), interchange_control(3)))

    assert pyx12.map_if.load_map_file.__module__ == "pyx12.map_if._loader"
