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

The gate fails a model only when the audit shows, beyond chance, that its advantage exceeds the
threshold: when the advantage less its 99% noise floor is above `max_advantage`.
The measured advantage is the attacker's best τ on a finite sample, so it errs high; comparing it
with the threshold directly failed about one audit in six of a model that leaks nothing (the
sample noise at a few hundred rows per side is itself 0.10-0.15).

The noise floor: the advantage is a one-sided two-sample Kolmogorov-Smirnov statistic D between
the members' and the non-members' losses, n rows each. For a model that leaks nothing the two
samples come from one distribution, and then P(D >= t) <= exp(-n·t²) for every n, exactly (the
ratio C(2n, n-k) / C(2n, n) behind the finite-sample law of D is at most exp(-k²/n); ties among
the losses only make D smaller). The noise floor is the t at which that is 1%:
sqrt(ln(100) / n), 0.18 at 143 rows per side and 0.13 at 285. The gate's lower bound is the
measured advantage less the noise floor, and it fails when that exceeds `max_advantage`: a
leak-free model must then measure above max_advantage + noise floor, which happens in far fewer
than 1% of audits, while a model that memorizes (advantage 0.4 for hard 0/1 predictions on noisy
labels, 0.8-1.0 for probabilistic ones) clears it from about a hundred rows per side. For a model
that does leak a little, exp(-n·t²) is also what Hoeffding's inequality gives at any one τ, so the
bound is a close approximation, not a guarantee; the distribution-free Dvoretzky-Kiefer-Wolfowitz
bound would be sqrt(2·ln(200) / n), 1.5 times wider, and would let a forest grown out on a few
hundred rows (advantage about 0.4) through. An audit with so few rows that even a perfect attack
would not clear the threshold refuses to decide rather than pass.
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
# One-sided confidence of the lower bound: a model within the threshold fails at most 1% of audits.
CONFIDENCE = 0.99
# Probabilities are clipped before the log so a confident mistake costs a large, finite loss.
_MIN_PROBABILITY = 1e-12


@dataclass(frozen=True)
class MembershipAudit:
    """The outcome of the attack: aggregate numbers only.

    `noise_floor` is the advantage that a model leaking nothing still exceeds in 1 - `CONFIDENCE`
    (1%) of audits at these sample sizes (see the module docstring): a measured advantage below it
    cannot be told apart from no leak at all. `lower_bound` is the advantage less the noise floor
    (at least 0), the advantage the audit shows beyond chance. `max_advantage` is the gate's threshold,
    `None` until `audit_membership` checked it.
    """

    advantage: float
    attack_auc: float
    loss_threshold: float
    members: int
    non_members: int
    noise_floor: float
    max_advantage: float | None = None

    @property
    def lower_bound(self) -> float:
        """The advantage the audit shows beyond chance: the measured one less the noise floor."""
        return max(0.0, self.advantage - self.noise_floor)

    @property
    def decisive(self) -> bool:
        """Whether the audit has rows enough that a perfect attack would fail the gate: below that,
        passing would only mean that the sample was too small to show anything."""
        return self.max_advantage is None or self.max_advantage >= 1 or 1 - self.noise_floor > self.max_advantage

    @property
    def passed(self) -> bool | None:
        """Whether the lower bound is within `max_advantage`, on an audit large enough to decide;
        `None` if no gate was applied."""
        if self.max_advantage is None:
            return None
        return self.decisive and self.lower_bound <= self.max_advantage


def noise_floor(rows_per_side: int, confidence: float = CONFIDENCE) -> float:
    """The advantage that a model leaking nothing exceeds in only 1 - `confidence` of audits with
    `rows_per_side` members and as many non-members (module docstring)."""
    return math.sqrt(math.log(1 / (1 - confidence)) / rows_per_side)


def rows_to_decide(max_advantage: float, confidence: float = CONFIDENCE) -> int:
    """The fewest rows per side at which a perfect attack (advantage 1) fails `max_advantage`."""
    return math.floor(math.log(1 / (1 - confidence)) / (1 - max_advantage) ** 2) + 1


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
                           members=size, non_members=size, noise_floor=noise_floor(size))


def audit_membership(result: TrainResult, *, max_advantage: float = DEFAULT_MAX_ADVANTAGE,
                     ) -> MembershipAudit:
    """Run the attack and raise `PrivacyError` when its advantage exceeds `max_advantage` beyond
    chance (its lower confidence bound does), or when the audit has too few rows to tell."""
    if not 0 <= max_advantage <= 1:
        raise InputError(f"max_advantage must be between 0 and 1, not {max_advantage}")
    audit = replace(membership_advantage(result), max_advantage=max_advantage)
    if not audit.decisive:
        raise PrivacyError(
            f"privacy audit cannot decide: {audit.members} held-out rows are too few to tell a "
            f"membership-inference advantage above {max_advantage:.3f} from chance (noise floor "
            f"{audit.noise_floor:.3f}); at least {rows_to_decide(max_advantage)} are needed",
            hint="train on more rows; the held-out quarter of the data is what the audit compares with",
        )
    if not audit.passed:
        raise PrivacyError(
            f"privacy audit failed: membership-inference advantage {audit.advantage:.3f} exceeds "
            f"the threshold {max_advantage:.3f} beyond chance: less the noise floor it is "
            f"{audit.lower_bound:.3f} (noise floor {audit.noise_floor:.3f}; loss-threshold attack, "
            f"{audit.members} members vs {audit.non_members} non-members, attack AUC {audit.attack_auc:.3f})",
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
