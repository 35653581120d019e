"""Held-out labelled log corpus for judging a log redactor (secrets and personal data).

Built apart from tests/support/redaction_corpus: its own templates, value generators, key
spellings and log layouts, so the project's detectors cannot have been tuned to it. Do not tune
detectors to these lines either: once they are, the set stops measuring anything.

Values come from mimesis (names, streets, cities, postal codes) for the locales nl, pl, sv, da, cs,
fi, en-au, en-ca, tr, pt (Portugal), es-mx and no (Bokmål); numbers mimesis lacks (national ids,
tax ids, IBANs, cards, phone numbers) follow the issuers' layouts and check digits. Credentials
follow the issuers' prefixes, lengths and alphabets, and are random. Only the data model
(Line, Label, family names) is shared with the project's corpus.
"""

from tests.support.redaction_holdout.benign import kinds as benign_kinds
from tests.support.redaction_holdout.formats import FORMATS
from tests.support.redaction_holdout.generator import build_holdout

__all__ = ["FORMATS", "benign_kinds", "build_holdout"]
