"""Re-identification: tokens turned back into values, each call recorded in the audit store.

The record is written after Vault has decrypted every token and before any value is handed
back: a call whose record cannot be written returns nothing, and a call that fails (a line that
is not a token, a token of another column) records nothing, because nothing was revealed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from secure_mlops.audit.detokenizations import Detokenization, record_detokenization
from secure_mlops.errors import InputError
from secure_mlops.privacy.contract import Action, DataContract
from secure_mlops.privacy.tokenize import TokenService, detokenize

MAX_REASON_CHARS = 500


@dataclass(frozen=True)
class Reidentified:
    values: list[str]
    record: str  # where the audit record was written


def check_reason(reason: str) -> str:
    """The reason, trimmed: one line of 1 to 500 characters (it is stored as given)."""
    clean = reason.strip()
    if not clean or len(clean) > MAX_REASON_CHARS or any(not c.isprintable() for c in clean):
        raise InputError(f"--reason must be one printable line of 1 to {MAX_REASON_CHARS} characters",
                         hint="say why, e.g. a ticket: --reason 'INC-1234: notify affected patients'")
    return clean


def check_tokenized_column(contract: DataContract, column: str) -> None:
    """InputError unless `column` is one the contract tokenizes."""
    tokenized = [c.name for c in contract.columns if c.action is Action.TOKENIZE]
    if column not in tokenized:
        listed = ", ".join(tokenized) if tokenized else "none"
        raise InputError(f"contract {contract.name!r} does not tokenize a column {column!r} (tokenized: {listed})")


def reidentify(
    tokens: Sequence[str],
    service: TokenService,
    *,
    contract: DataContract,
    column: str,
    reason: str,
    who: str,
    entity_id: str | None,
    store_uri: str,
) -> Reidentified:
    """The values of `tokens` (made for `column` of `contract`), once the call is recorded."""
    check_tokenized_column(contract, column)
    clean_reason = check_reason(reason)
    values = detokenize(tokens, service, contract_name=contract.name, column=column)
    record = Detokenization(who=who, entity_id=entity_id or None, contract=contract.name,
                            contract_sha256=contract.digest(), column=column, values=len(values),
                            reason=clean_reason)
    return Reidentified(values, record_detokenization(store_uri, record))
