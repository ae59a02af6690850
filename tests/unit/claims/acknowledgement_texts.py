"""Write the clearinghouse's answers (999, TA1, 277CA) as a test needs them, odd ones included."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def _isa(control_number: int) -> str:
    return (
        "ISA*00*          *00*          *ZZ*SANDBOXCH      *ZZ*HEALINGHANDS   "
        f"*240306*0700*^*00501*{control_number:09d}*0*T*:~"
    )


def _envelope(control_number: int, functional_id: str, guide: str, body: Sequence[str]) -> str:
    return "".join([
        _isa(control_number),
        f"GS*{functional_id}*SANDBOXCH*HEALINGHANDS*20240306*0700*{control_number}*X*{guide}~",
        *body,
        f"GE*1*{control_number}~",
        f"IEA*1*{control_number:09d}~",
    ])


def a_999(
    group: int,
    verdicts: Sequence[tuple[str, str]] = (("0001", "A"),),
    ak9: str | None = None,
    control_number: int = 901,
    st01: str = "999",
) -> str:
    """A 999 answering our GS06 ``group``: (ST02, IK501) per transaction set, AK9 summing up."""
    accepted = sum(code in ("A", "E") for _, code in verdicts)
    summary = ak9 or ("A" if accepted == len(verdicts) else "R" if not accepted else "P")
    body = [f"ST*{st01}*0001*005010X231A1~", f"AK1*HC*{group}*005010X222A1~"]
    for transaction, code in verdicts:
        body.append(f"AK2*837*{transaction}*005010X222A1~")
        if code not in ("A", "E"):
            body += ["IK3*NM1*16*2010BA*8~", "IK4*9*67*1~"]
        body.append(f"IK5*{code}~" if code in ("A", "E") else f"IK5*{code}*5~")
    body.append(f"AK9*{summary}*{len(verdicts)}*{len(verdicts)}*{accepted}~")
    body.append(f"SE*{len(body) + 1}*0001~")
    return _envelope(control_number, "FA", "005010X231A1", body)


def a_ta1(interchange: int, status: str = "R", note: str = "022", control_number: int = 902) -> str:
    """A TA1 answering our ISA13 ``interchange`` (no functional group)."""
    return _isa(control_number) + f"TA1*{interchange:09d}*240306*0700*{status}*{note}~" + (
        f"IEA*0*{control_number:09d}~"
    )


@dataclass(frozen=True)
class Loop:
    """One 2000D/2200D claim loop: the echoed CLM01 and the STC(s), as raw element text."""

    echo: str | None  # None: the loop has no TRN
    stc: Sequence[str] = ("A2:20:PR",)  # STC01 of each STC; an empty list: no STC at all
    message: str = ""
    payer_number: str | None = None  # REF*1K
    amount: str = "130"  # STC04


def a_277ca(
    loops: Sequence[Loop],
    batch_reference: int = 1,
    control_number: int = 77,
    st01: str = "277",
    guide: str = "005010X214",
) -> str:
    """A 277CA answering our interchange ``batch_reference`` with one loop per claim."""
    body = [
        f"ST*{st01}*0001*{guide}~",
        f"BHT*0085*08*SBX{control_number:09d}*20240306*0700*TH~",
        "HL*1**20*1~",
        "NM1*AY*2*SANDBOX CLEARINGHOUSE*****46*SANDBOXCH~",
        f"TRN*1*{batch_reference:09d}~",
        "DTP*050*D8*20240306~",
        "DTP*009*D8*20240306~",
        "HL*2*1*21*1~",
        "NM1*41*2*HEALING HANDS MASSAGE*****46*HEALINGHANDS~",
        f"TRN*2*{batch_reference:09d}~",
        "STC*A1:19:PR*20240306*WQ*130~",
        "HL*3*2*19*1~",
        "NM1*85*2*HEALING HANDS MASSAGE LLC*****XX*1245319599~",
        "TRN*1*0~",
        "STC*A1:19:PR**WQ*130~",
    ]
    for number, loop in enumerate(loops, start=4):
        body += [f"HL*{number}*3*PT~", "NM1*QC*1*DOE*JANE****MI*MEM123456~"]
        if loop.echo is not None:
            body.append(f"TRN*2*{loop.echo}~")
        for stc in loop.stc:
            action = "U" if stc[:2] in ("A3", "A4", "A6", "A7", "A8") else "WQ"
            text = "*" * 8 + loop.message if loop.message else ""  # STC05-STC11 empty
            body.append(f"STC*{stc}*20240306*{action}*{loop.amount}{text}~")
        if loop.payer_number:
            body.append(f"REF*1K*{loop.payer_number}~")
        body.append("DTP*472*D8*20240305~")
    body.append(f"SE*{len(body) + 1}*0001~")
    return _envelope(control_number, "HN", guide, body)
