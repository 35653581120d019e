"""Values someone already hid: masks and placeholders, which redaction keeps as they are.

`password=********`, `api_key=[FILTERED]`, `token: <sensitive>`, `card: **** **** **** 4242` or
`postgres://app:****@db` hide nothing more when replaced, and replacing them changes a line that
leaks nothing. A mask is a run of mask characters (`*`, `x`, `X`, `#`, `•`), perhaps in groups,
after a short visible prefix (`sk_live_****`) or before the last four characters; a placeholder
is a word that says the value was hidden, perhaps bracketed (`<redacted>`, `[FILTERED]`,
`(sensitive value)`, `***REMOVED***`). A percent-encoded value (a query string's) is decoded first.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Final

_MASK_RUN: Final = r"[*\u2022xX#]{3,}"
_MASKED: Final = re.compile(
    rf"(?:(?:[Bb]earer|[Bb]asic|[Tt]oken) )?"
    rf"(?:[A-Za-z0-9_.\-]{{0,12}}{_MASK_RUN}(?:[ \-]?[*\u2022xX#]{{2,}})*[ \-]?[A-Za-z0-9]{{0,4}}"
    r"|[\[<(]?[*]{0,3}(?i:redacted|hidden|masked|removed|omitted|filtered|sensitive(?: value)?)"
    r"(?::[\w\-]*)?[*]{0,3}[\]>)]?"
    # `secret` is a password too (a weak one): a placeholder only in brackets.
    r"|[\[<(](?i:secret)[\]>)]?)"
)


def is_masked(value: str) -> bool:
    """Whether `value` is a mask or a placeholder (see the module's docstring)."""
    if "%" in value:
        value = urllib.parse.unquote_plus(value)
    return _MASKED.fullmatch(value) is not None
