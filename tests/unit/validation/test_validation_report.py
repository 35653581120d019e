from __future__ import annotations

import logging
from collections.abc import Callable

import pyarrow as pa
import pytest

from secure_mlops.privacy import DataContract
from secure_mlops.validation import (
    DatasetProfile,
    ValidationFailed,
    raise_for_failures,
    render_html,
    validate_dataset,
)

Edit = Callable[..., pa.Table]

PLANTED_NUMBER = 987654.321
PLANTED_TEXT = "ZZZ-unique"
# The planted values as any rendering might spell them.
PLANTED_FORMS = (PLANTED_TEXT, "ZZZ", "987654", "9.87654", "987,654")


def test_no_data_value_in_result_or_html(patients: pa.Table, contract: DataContract,
                                         reference: DatasetProfile, with_values: Edit) -> None:
    table = with_values(patients, "mean_smoothness", {0: PLANTED_NUMBER, 1: PLANTED_NUMBER})
    table = with_values(table, "mean_area", {0: PLANTED_NUMBER, 1: -PLANTED_NUMBER})
    table = with_values(table, "diagnosis", {0: PLANTED_TEXT})
    table = with_values(table, "sex", {0: PLANTED_TEXT})
    table = with_values(table, "patient_id", {0: PLANTED_TEXT})

    result = validate_dataset(table, contract, reference=reference)
    with pytest.raises(ValidationFailed) as raised:
        raise_for_failures(result)

    failing = {(c.column, c.name) for c in result.failures()}
    assert {("mean_smoothness", "range"), ("mean_area", "range"), ("diagnosis", "allowed_values"),
            ("sex", "allowed_values"), ("patient_id", "pattern")} <= failing
    outputs = [result.model_dump_json(), render_html(result, title="patients"), str(raised.value),
               repr(result)]
    for output in outputs:
        for form in PLANTED_FORMS:
            assert form not in output


def test_great_expectations_logs_no_warning_or_error_while_validating(
        patients: pa.Table, contract: DataContract, with_values: Edit,
        caplog: pytest.LogCaptureFixture) -> None:
    import pyarrow.compute as pc

    validate_dataset(patients.slice(0, 5), contract)  # imports Great Expectations beforehand
    index = patients.schema.get_field_index("mean_area")
    table = with_values(patients, "diagnosis", {0: PLANTED_TEXT})
    table = table.set_column(index, "mean_area", pc.cast(table.column(index), pa.string()))
    caplog.clear()
    caplog.set_level(logging.DEBUG)

    assert not validate_dataset(table, contract).success

    assert [r for r in caplog.records
            if r.name.startswith("great_expectations") and r.levelno >= logging.WARNING] == []
    assert all(PLANTED_TEXT not in r.getMessage() for r in caplog.records)


def test_great_expectations_metric_errors_are_silenced_during_a_run(
        caplog: pytest.LogCaptureFixture) -> None:
    from secure_mlops.validation.run import _quiet_and_unfingerprinted

    # Where Great Expectations logs a failed metric, with the exception's text (which can
    # quote the value pandas failed on).
    graph = logging.getLogger("great_expectations.validator.validation_graph")
    caplog.set_level(logging.DEBUG)
    with _quiet_and_unfingerprinted():
        graph.error("Caught exception could not convert string to float: '%s'", PLANTED_TEXT)
    graph.error("after the run")

    assert [r.getMessage() for r in caplog.records] == ["after the run"]


def test_html_is_self_contained(patients: pa.Table, contract: DataContract,
                                reference: DatasetProfile) -> None:
    result = validate_dataset(patients.slice(0, 100), contract, reference=reference)
    html = render_html(result, title="patients 1.0.0")

    lowered = html.lower()
    for forbidden in ("<script", "http://", "https://", "<link", "<img", "<iframe", "@import",
                      "url("):
        assert forbidden not in lowered
    assert "Content-Security-Policy" in html
    assert "Drift against the reference" in html and "(row count)" in html
    assert html.count("<tr") == len(result.checks) + 2  # and the header rows of two tables


def test_html_escapes_names_and_title(patients: pa.Table, contract: DataContract) -> None:
    table = patients.append_column("<b>x</b>", pa.array([0] * patients.num_rows))

    html = render_html(validate_dataset(table, contract), title="<i>t</i> & co")

    assert "<b>" not in html and "<i>" not in html
    assert "&lt;i&gt;t&lt;/i&gt; &amp; co" in html
    assert "&#x27;&lt;b&gt;x&lt;/b&gt;&#x27;" in html


def test_raise_for_failures_has_one_line_summary(patients: pa.Table, contract: DataContract,
                                                 with_values: Edit) -> None:
    table = with_values(patients, "mean_smoothness", {0: 2.0})
    table = table.append_column("evil\nname", pa.array([0] * table.num_rows))

    result = validate_dataset(table, contract)
    with pytest.raises(ValidationFailed) as raised:
        raise_for_failures(result)

    message = str(raised.value)
    assert "\n" not in message and "\r" not in message
    assert raised.value.exit_code == 9
    assert raised.value.message == result.summary()
    assert result.summary() == (
        f"validation failed: 2 of {len(result.checks)} checks "
        "(schema: unexpected column 'evil\\nname'; mean_smoothness: range)")


def test_raise_for_failures_accepts_a_passing_result(patients: pa.Table,
                                                      contract: DataContract) -> None:
    raise_for_failures(validate_dataset(patients, contract))


def test_summary_names_five_failures_and_counts_the_rest(patients: pa.Table,
                                                          contract: DataContract,
                                                          with_values: Edit) -> None:
    table = patients
    for column in ("mean_radius", "mean_texture", "mean_perimeter", "mean_area",
                   "mean_smoothness", "sex", "diagnosis"):
        table = with_values(table, column, {0: -1.0 if column.startswith("mean") else "x"})

    summary = validate_dataset(table, contract).summary()

    assert summary.startswith("validation failed: 7 of ")
    # In contract order: sex comes before the features.
    assert summary.endswith("(sex: allowed_values; mean_radius: range; mean_texture: range; "
                            "mean_perimeter: range; mean_area: range; and 2 more)")


def test_schema_detail_lists_three_names_and_counts_the_rest(contract: DataContract) -> None:
    table = pa.table({f"c{i}": [0] * 3 for i in range(8)})

    summary = validate_dataset(table, contract).summary()

    assert "unexpected columns 'c0', 'c1', 'c2' and 5 more" in summary
    assert "missing columns 'patient_id', 'date_of_birth', 'sex' and 6 more" in summary
