"""A Markdown model card (Mitchell et al., 2019) for a trained model and its privacy audit.

The card is built from names, counts, digests and aggregate metrics, and from the data
contract's reviewed `model_card` text (what the model is for, in the data owner's words; the card
says so where the contract is silent rather than guess a use): no row, identifier, pseudonym or
feature value can reach it, so it is safe to show in the KFP UI and to ship with the model.

skops.card was considered (skops already saves the model) and not used: its default template
fills the sections with "[More Information Needed]" and inlines the estimator's HTML diagram
with its stylesheet, which the KFP Markdown viewer shows as text; without a template it is a
list of sections, which this module already builds with the table escaping it needs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import sklearn

from secure_mlops.privacy.contract import Action, Classification, DataContract, ModelCardText
from secure_mlops.training.membership import MembershipAudit
from secure_mlops.training.private import PrivacyStatement
from secure_mlops.training.train import TrainResult

_METRIC_NAMES = {"accuracy": "Accuracy", "precision": "Precision", "recall": "Recall", "f1": "F1",
                 "roc_auc": "ROC AUC", "train_accuracy": "Training accuracy"}


def model_card(result: TrainResult, audit: MembershipAudit, *, contract: DataContract,
               data_digest: str, model_name: str, extra: dict[str, str] | None = None,
               k_achieved: int | None = None, dp: PrivacyStatement | None = None) -> str:
    """The model card as Markdown; `extra` adds rows (e.g. run id, image digest) at the end.

    `k_achieved` is the smallest group of quasi-identifier values in the training data (the
    published dataset's metadata), stated next to the contract's k. `dp` states the differential
    privacy the model was trained under, in a section of its own.
    """
    sections = [
        f"# Model card: {_text(model_name)}",
        _details(result, dp),
        _intended_use(contract.model_card or ModelCardText()),
        _training_data(result, contract, data_digest),
        _metrics(result),
        _privacy(result, audit, contract, k_achieved),
        *([_differential_privacy(dp, audit.noise_floor)] if dp is not None else []),
        _limitations(result, dp),
    ]
    if extra:
        sections.append("## Additional information\n\n" + _table(("Item", "Value"), extra.items()))
    return "\n\n".join(sections) + "\n"


def _details(result: TrainResult, dp: PrivacyStatement | None) -> str:
    steps = " → ".join(type(step).__name__ for _, step in result.estimator.steps)
    private = "none" if dp is None else (f"ε = {dp.guarantee.epsilon:g}, δ = {dp.guarantee.delta:g} "
                                         f"({dp.guarantee.mechanism}; {dp.guarantee.library})")
    rows = [
        ("Model", f"`{result.model_type}` ({steps})"),
        ("Library", f"scikit-learn {sklearn.__version__}"),
        ("Differential privacy", private),
        ("File format", "skops (no pickle; types checked against an allow-list on load)"),
        ("Seed", str(result.seed)),
        ("Inputs", ", ".join(f"`{name}`" for name in result.features)),
        ("Output", f"`{result.label}`: " + " or ".join(f"`{c}`" for c in result.classes)
         + f"; positive class `{result.positive_class}`"),
    ]
    return "## Model details\n\n" + _table(("Property", "Value"), rows)


_NOT_STATED = "Not stated in the data contract (`model_card.{field}`, docs/contracts.md)."


def _intended_use(stated: ModelCardText) -> str:
    # The contract's text is Markdown written by the data owner; only what is missing is ours.
    purpose = _paragraph(stated.purpose) or _NOT_STATED.format(field="purpose")
    intended = _paragraph(stated.intended_use) or _NOT_STATED.format(field="intended_use")
    out_of_scope = _paragraph(stated.out_of_scope_use) or _NOT_STATED.format(field="out_of_scope_use")
    return (
        f"## Purpose\n\n{purpose}\n\n"
        f"## Intended use\n\n{intended}\n\n"
        f"## Out-of-scope use\n\n{out_of_scope}\n\n"
        "Out of scope whatever the use: inferring whether a person was in the training data, or "
        "linking the model's scores to other records."
    )


def _paragraph(text: str | None) -> str:
    """The contract's text as its own block: lines kept (a list stays a list), ends trimmed."""
    return "\n".join(line.rstrip() for line in (text or "").strip().splitlines())


def _training_data(result: TrainResult, contract: DataContract, data_digest: str) -> str:
    train, test = len(result.train.y), len(result.test.y)
    rows = [
        ("Data contract", f"`{_text(contract.name)}` version `{_text(contract.version)}`"),
        ("Contract digest", f"`{contract.digest()}`"),
        ("Data digest", f"`{_text(data_digest)}`"),
        ("Rows", f"{train + test} ({train} training, {test} held out, stratified on "
                 f"`{result.label}`)"),
    ]
    return "## Training data\n\n" + _table(("Property", "Value"), rows)


def _metrics(result: TrainResult) -> str:
    rows = [(_METRIC_NAMES.get(name, name), f"{value:.4f}") for name, value in result.metrics.items()]
    confusion = [(f"**{true}**", *(str(n) for n in counts))
                 for true, counts in zip(result.classes, result.confusion_matrix, strict=True)]
    return (
        f"## Metrics\n\nOn the {len(result.test.y)} held-out rows (training accuracy on the "
        f"training rows); precision, recall and F1 are for `{result.positive_class}`. "
        f"{result.duplicate_rows} rows were exact duplicates ({result.duplicate_groups} groups), each "
        f"group kept on one side of the split, so no held-out row has a twin in training.\n\n"
        + _table(("Metric", "Value"), rows)
        + "\n\nConfusion matrix (rows: true class, columns: predicted class):\n\n"
        + _table(("", *result.classes), confusion)
    )


def _privacy(result: TrainResult, audit: MembershipAudit, contract: DataContract, k_achieved: int | None) -> str:
    if audit.max_advantage is None:
        verdict = "not gated"
    else:
        verdict = f"{'passed' if audit.passed else 'FAILED'} against the threshold " \
                  f"{audit.max_advantage:.3f}"
    quasi = _names(contract.quasi_identifiers())
    achieved = (f"the smallest such group in the training data has {k_achieved} rows (k achieved)"
                if k_achieved is not None else "the k achieved was not recorded for this card")
    pseudonymized = [c.name for c in contract.columns if c.action is Action.PSEUDONYMIZE]
    dropped = [c.name for c in contract.columns if c.action is Action.DROP
               and c.classification is Classification.DIRECT_IDENTIFIER]
    return (
        "## Privacy\n\n"
        f"- **Membership inference**: advantage {audit.advantage:.3f}, less its noise floor "
        f"{audit.noise_floor:.3f}: {audit.lower_bound:.3f}, {verdict} (loss-threshold attack of "
        f"Yeom et al. 2018 on {audit.members} training vs {audit.non_members} held-out rows; attack "
        f"AUC {audit.attack_auc:.3f}). At these sample sizes a model that leaks nothing measures "
        f"above its noise floor in fewer than 1% of audits.\n"
        f"- **k-anonymity**: trained on the contract's minimized output, which is written only "
        f"when every combination of the quasi-identifiers ({quasi}) covers at least "
        f"k = {contract.k_anonymity.k} rows (required); {achieved}.\n"
        f"- **Pseudonymization**: direct identifiers are dropped ({_names(dropped)}) or replaced "
        f"by keyed-HMAC pseudonyms whose key stays in Vault ({_names(pseudonymized)}) before "
        f"anything is stored.\n"
        f"- **Inputs**: only the contract's feature columns; quasi-identifiers and pseudonyms are "
        f"never model inputs (linkage risk). This card holds names, counts and aggregates only, "
        f"no data value."
    )


def _differential_privacy(dp: PrivacyStatement, noise_floor: float) -> str:
    g = dp.guarantee
    plain = (
        f"This model was trained with differential privacy at ε = {g.epsilon:g} and δ = {g.delta:g}. In plain "
        f"words: adding or removing any one person's record changes the chance of getting this model, or any "
        f"answer computed from it, by at most a factor of e^ε ≈ {math.exp(g.epsilon):.1f}, whatever else an "
        f"attacker knows. What the model reveals about a single person is bounded that way; what it learns "
        f"about groups (which it exists to learn) is not. A smaller ε protects more and costs accuracy."
    )
    rows = [(row.label, "none" if row.epsilon is None else f"{row.epsilon:g}", f"{row.accuracy:.4f}",
             f"{row.roc_auc:.4f}", f"{row.membership_advantage:.3f}") for row in dp.utility]
    utility = ("\n\nWhat privacy cost, on the same held-out rows (the reference is trained without "
               "differential privacy for this comparison only and is not released; a membership advantage "
               f"below the audit's noise floor, {noise_floor:.3f}, cannot be told apart from none):\n\n"
               + _table(("Model", "ε", "Accuracy", "ROC AUC", "Membership advantage"), rows)) if rows else ""
    return (
        "## Differential privacy\n\n"
        f"{plain}\n\n"
        f"- **Mechanism**: {g.mechanism} ({g.library}); noise from the operating system's secure random "
        f"source, so the model is not reproducible from its inputs.\n"
        f"- **Bounds**: each feature was clipped to the data contract's bounds before training "
        f"({g.clipped_values} training value{'s' if g.clipped_values != 1 else ''} lay outside them).\n"
        f"- **Budget**: {dp.budget_spent:g} of the ε {dp.budget_total:g} the contract allows on this dataset is "
        f"spent, this model included (the ledger in the audit store)."
        + utility
    )


def _limitations(result: TrainResult, dp: PrivacyStatement | None) -> str:
    private = ("The model is not trained with differential privacy." if dp is None else
               "Differential privacy bounds what the trained model reveals, not what the metrics above reveal: "
               "they are computed on the data without noise.")
    return (
        "## Limitations\n\n"
        f"- The metrics come from one held-out split of {len(result.test.y)} rows: expect them to "
        "move by a few points with another seed or extract.\n"
        f"- The membership audit runs one attack; passing it bounds what that attack learns, not "
        f"every attack. {private}\n"
        "- Demographics (the quasi-identifiers) are not inputs, and performance has not been "
        "evaluated per subgroup (for example by sex or age): check it before use in a new "
        "population. The score is not calibrated as a probability."
    )


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    names = [_text(name) for name in header]
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(_text(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names) or "none"


def _text(value: str) -> str:
    """One line of Markdown that cannot break out of its table cell."""
    return " ".join(value.split()).replace("|", "\\|")
