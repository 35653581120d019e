"""Membership-inference audit: can an attacker tell training rows from unseen rows?

The attack is the loss-threshold attack of Yeom et al. (2018, "Privacy Risk in Machine
Learning: Analyzing the Connection to Overfitting"): a model fits its training rows better than
rows it never saw, so the attacker computes the model's cross-entropy loss on a record and
says "member" when it is below a threshold τ. The membership advantage is the best
TPR - FPR over every τ: 0 when the losses of members and non-members look alike, 1 when one τ
separates them perfectly. Taking the best τ on the audit sample itself gives the attacker the
benefit of the doubt, so the estimate errs towards failing a model.

Members are the training rows, non-members the held-out rows. An equal number of each is
sampled with the training seed: Yeom et al.'s experiment draws a member or a non-member with
equal probability, and the seed makes the audit reproducible. The per-row losses stay inside
this module; only aggregate numbers leave it.

The gate fails a model when its advantage exceeds the threshold by more than chance explains
at the audit's sample size: advantage > max(max_advantage, noise_floor). On a few hundred
held-out rows a model that leaks nothing still measures above 0.1 in about one audit in six,
so a bare `advantage > 0.1` would fail sound models at random; a real leak (an overfit model
measures 0.5-1.0) clears the noise floor easily.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from sklearn.metrics import roc_auc_score

from secure_mlops.errors import InputError, PrivacyError
from secure_mlops.training.features import Dataset
from secure_mlops.training.train import TrainResult

DEFAULT_MAX_ADVANTAGE = 0.1
# Probabilities are clipped before the log so a confident mistake costs a large, finite loss.
_MIN_PROBABILITY = 1e-12


@dataclass(frozen=True)
class MembershipAudit:
    """The outcome of the attack: aggregate numbers only.

    `noise_floor` is the advantage that a model leaking nothing still exceeds in 5% of audits
    at these sample sizes (one-sided two-sample Kolmogorov-Smirnov bound): a measured advantage
    below it cannot be told apart from chance. `max_advantage` is the gate's threshold, `None`
    until `audit_membership` checked it.
    """

    advantage: float
    attack_auc: float
    loss_threshold: float
    members: int
    non_members: int
    noise_floor: float
    max_advantage: float | None = None

    @property
    def passed(self) -> bool | None:
        """Whether the advantage is within `max_advantage` (or within chance at this sample size);
        `None` if no gate was applied."""
        if self.max_advantage is None:
            return None
        return self.advantage <= max(self.max_advantage, self.noise_floor)


def membership_advantage(result: TrainResult) -> MembershipAudit:
    """Run the loss-threshold attack on `result`'s training (member) and held-out rows."""
    rng = np.random.default_rng(result.seed)
    size = min(len(result.train.y), len(result.test.y))
    member_loss = _losses(result, result.train, rng.choice(len(result.train.y), size, replace=False))
    other_loss = _losses(result, result.test, rng.choice(len(result.test.y), size, replace=False))
    advantage, threshold = _best_threshold(member_loss, other_loss)
    is_member = np.concatenate([np.ones(size), np.zeros(size)])
    # A lower loss means "member", so the attack's score is the negated loss.
    auc = float(roc_auc_score(is_member, -np.concatenate([member_loss, other_loss])))
    return MembershipAudit(advantage=advantage, attack_auc=auc, loss_threshold=threshold,
                           members=size, non_members=size,
                           noise_floor=math.sqrt(math.log(20) / size))


def audit_membership(result: TrainResult, *, max_advantage: float = DEFAULT_MAX_ADVANTAGE,
                     ) -> MembershipAudit:
    """Run the attack and raise `PrivacyError` when its advantage exceeds `max_advantage`."""
    if not 0 <= max_advantage <= 1:
        raise InputError(f"max_advantage must be between 0 and 1, not {max_advantage}")
    audit = replace(membership_advantage(result), max_advantage=max_advantage)
    if not audit.passed:
        raise PrivacyError(
            f"privacy audit failed: membership-inference advantage {audit.advantage:.3f} exceeds "
            f"the threshold {max_advantage:.3f} and the noise floor {audit.noise_floor:.3f} "
            f"(loss-threshold attack, {audit.members} members "
            f"vs {audit.non_members} non-members, attack AUC {audit.attack_auc:.3f})",
            hint="the model overfits its training rows: regularize it (stronger L2, smaller "
                 "trees) or train on more rows; raise max_advantage only after a privacy review",
        )
    return audit


def _losses(result: TrainResult, data: Dataset, rows: np.ndarray) -> np.ndarray:
    """Cross-entropy loss of the model on each selected row: -log p(true class)."""
    probabilities = result.estimator.predict_proba(data.x[rows])
    columns = np.searchsorted(result.estimator.classes_, data.y[rows])
    true_class = probabilities[np.arange(len(rows)), columns]
    return -np.log(np.clip(true_class, _MIN_PROBABILITY, 1.0))


def _best_threshold(member_loss: np.ndarray, other_loss: np.ndarray) -> tuple[float, float]:
    """max over τ of TPR - FPR for "member when loss < τ", and the τ that reaches it."""
    members, others = np.sort(member_loss), np.sort(other_loss)
    # Just above each observed loss: every distinct way of splitting the sample is tried once.
    taus = np.nextafter(np.unique(np.concatenate([members, others])), np.inf)
    tpr = np.searchsorted(members, taus, side="left") / len(members)
    fpr = np.searchsorted(others, taus, side="left") / len(others)
    gain = tpr - fpr
    best = int(np.argmax(gain))
    if gain[best] <= 0:
        # No τ helps the attacker; τ at the smallest loss flags nobody (TPR = FPR = 0).
        return 0.0, float(min(members[0], others[0]))
    return float(gain[best]), float(taus[best])
