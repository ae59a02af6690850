"""Whether an address line is a post office box: the billing provider's may not be one.

837P 2010AA N301: "The Billing Provider Address must be a street address. Post Office
Box or Lock Box addresses are to be sent in the Pay-To Address Loop (Loop ID-2010AB)".
"""

import re

_PO_BOX = re.compile(
    r"""\b(
        P\.?\s*O\.?\s*B(?:OX|X)?\.?\s*\d      # PO Box 12, P.O. Box 12, POB 12, PO BX 12
      | POST\s+OFFICE\s+BOX
      | POSTAL\s+BOX
      | LOCK\s*BOX
      | ^\s*BOX\s+\d                         # Box 12
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def is_po_box(line: str | None) -> bool:
    """Whether an address line names a post office box or lock box."""
    return bool(line) and _PO_BOX.search(line or "") is not None
