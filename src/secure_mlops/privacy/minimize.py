"""Minimize a CSV or Parquet file into Parquet, as its data contract says, in bounded memory.

The file is streamed in batches of `batch_rows` rows: read, cast to the contract's types,
transformed column by column, counted for k-anonymity, written as one Parquet row group. Memory
follows the batch (plus the k-anonymity group counts and the pseudonym cache), not the file.

Output goes to a temporary file beside `output_path` that replaces it only once every check has
passed; on any error, k-anonymity included, the temporary file is removed and nothing is written.
The report, when asked for, is written the same way and in the same step: both or neither.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack, closing
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from secure_mlops.errors import InputError, KAnonymityError
from secure_mlops.privacy.contract import Action, DataContract
from secure_mlops.privacy.hmac import HmacService
from secure_mlops.privacy.kanonymity import GroupCounter, KAnonymityResult
from secure_mlops.privacy.pseudonymize import Pseudonymizer
from secure_mlops.privacy.report import MinimizationReport
from secure_mlops.privacy.sources import Source, open_source
from secure_mlops.privacy.tokenize import Tokenizer, TokenService
from secure_mlops.privacy.transforms import ColumnPlan, plan_columns
from secure_mlops.storage.atomic import atomic_outputs

CONTRACT_METADATA_KEY = b"secure_mlops.contract"
# The group sizes k is compared with are int64 counts.
MAX_K = 2**63 - 1


def minimize_file(
    contract: DataContract,
    input_path: Path,
    output_path: Path,
    hmac_service: HmacService,
    *,
    batch_rows: int = 65_536,
    k: int | None = None,
    report_path: Path | None = None,
    make_token_service: Callable[[], TokenService] | None = None,
) -> MinimizationReport:
    """Write the minimized `input_path` to `output_path` (Parquet) and report what was done.

    `k` may raise the contract's k-anonymity requirement for this run, never lower it: the
    contract is the reviewed policy. With `report_path`, the report is written there (JSON)
    along with the output: a folder that cannot take it fails the run before anything is
    written. `make_token_service` gives the service that makes the tokens of `tokenize` columns; it is
    called only when the contract has some (building it logs in to Vault; each column's tokens
    are made under their own context, see privacy/tokenize.py).
    Raises `InputError` for bad input or arguments, an input without data rows
    included, and `KAnonymityError` (a `PrivacyError`) when the output is not k-anonymous.
    """
    if batch_rows < 1:
        raise InputError(f"batch_rows must be at least 1, not {batch_rows}")
    k_required = contract.k_anonymity.k if k is None else k
    if k_required > MAX_K:
        what = "the contract's k_anonymity.k" if k is None else "k"
        raise InputError(f"{what} is too large: at most {MAX_K}")
    if k_required < contract.k_anonymity.k:
        raise InputError(f"k={k} is below the contract's k={contract.k_anonymity.k}",
                         hint="lower k in the contract, where it is reviewed")

    source = open_source(input_path)
    missing = [c.name for c in contract.columns if c.name not in source.column_names]
    if missing:
        raise InputError(f"{input_path.name}: contract column{'s' if len(missing) > 1 else ''} "
                         f"missing from the input: {', '.join(missing)}")

    tokenizes = any(c.action is Action.TOKENIZE for c in contract.columns)
    tokenizer = (Tokenizer(make_token_service(), contract_name=contract.name)
                 if tokenizes and make_token_service is not None else None)
    plans = plan_columns(contract.columns, Pseudonymizer(hmac_service, scope=contract.pseudonym_domain()), tokenizer)
    wanted = {c.name: c.type for c in contract.columns if c.action is not Action.DROP}
    schema = pa.schema([(p.name, p.output_type) for p in plans],
                       metadata={CONTRACT_METADATA_KEY: _contract_metadata(contract)})
    counter = GroupCounter(contract.quasi_identifiers())
    rows = batches = 0

    targets = [output_path] if report_path is None else [output_path, report_path]
    with atomic_outputs(*targets) as handles, ExitStack() as stack:
        writer = stack.enter_context(pq.ParquetWriter(handles[0], schema))
        stream = stack.enter_context(closing(source.batches(wanted, batch_rows)))
        for batch in stream:
            out = _apply(plans, batch, schema)
            counter.add(out)
            writer.write_batch(out)
            rows += out.num_rows
            batches += 1
        if rows == 0:
            raise InputError(f"{input_path.name}: no data rows, nothing to minimize")
        result = counter.result(k_required)
        if not result.satisfied:
            raise KAnonymityError(result)
        report = _report(contract, source, plans, rows, batches, result)
        stack.close()  # the Parquet footer, before the files are put in place
        if report_path is not None:
            handles[1].write(report.file_content())
    return report


def _report(contract: DataContract, source: Source, plans: list[ColumnPlan], rows: int, batches: int,
            result: KAnonymityResult) -> MinimizationReport:
    names = {c.name for c in contract.columns}
    transformed: dict[str, list[str]] = {}
    for plan in plans:
        if plan.action is not Action.KEEP:
            transformed.setdefault(plan.action.value, []).append(plan.name)
    return MinimizationReport(
        contract_name=contract.name,
        contract_version=contract.version,
        contract_sha256=contract.digest(),
        input_format=source.format,
        input_rows=rows,
        output_rows=rows,
        batches=batches,
        columns_kept=[p.name for p in plans if p.action is Action.KEEP],
        columns_transformed=transformed,
        columns_dropped=[c.name for c in contract.columns if c.action is Action.DROP],
        columns_not_in_contract=[n for n in source.column_names if n not in names],
        k_anonymity=result,
    )


def _apply(plans: list[ColumnPlan], batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([p.apply(batch.column(p.name)) for p in plans], schema=schema)


def _contract_metadata(contract: DataContract) -> bytes:
    # Provenance in the file itself: which contract (by digest) produced it.
    return json.dumps({"name": contract.name, "version": contract.version,
                       "sha256": contract.digest()}).encode()
