"""Save and load models with skops: a zip of JSON and NumPy arrays, never pickle.

Loading a pickle runs whatever code the file names, so a model file from a compromised bucket
would be code execution in the serving pod. skops rebuilds only the types it is told to trust.
It trusts scikit-learn estimators and NumPy on its own; any other type in a file is listed by
`get_untrusted_types` and must be on `ALLOWED_TYPES` below, a short list reviewed for our model
kinds. `trusted=True` is never used. The check and the load read the same bytes, so the file
cannot change in between.

The one type we allow beyond skops' defaults, scikit-learn's `Tree`, is untrusted by skops for
a reason: prediction follows its node indices without bounds checks, so a crafted file could
make `predict()` read out of bounds or crash the server. Every loaded tree is therefore checked
to be well formed before the model is handed out.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import skops.io as sio
from sklearn.base import BaseEstimator
from sklearn.tree._tree import Tree

from secure_mlops.errors import InputError, IntegrityError, StorageError
from secure_mlops.storage import atomic_output, read_file

# Types skops does not trust by default that our models need, each named in full.
ALLOWED_TYPES = frozenset({
    "sklearn.tree._tree.Tree",  # the fitted trees of `random_forest`
})


def save_model(estimator: BaseEstimator, path: Path) -> None:
    """Write `estimator` to `path` in the skops format, atomically.

    Refuses (`InputError`) an estimator holding a type outside the allow-list: `load_model`
    would refuse the file, so it is better not written.
    """
    data = sio.dumps(estimator)
    unexpected = _unexpected(sio.get_untrusted_types(data=data))
    if unexpected:
        raise InputError(f"cannot save the model: it holds types outside the allow-list: "
                         f"{', '.join(unexpected)}",
                         hint="only scikit-learn and NumPy types of the supported models are saved")
    with atomic_output(Path(path)) as handle:
        handle.write(data)


def load_model(path: Path) -> BaseEstimator:
    """Load a model saved by `save_model`, trusting only the allow-listed types.

    Raises `IntegrityError` when the file is not a skops file or names a type outside the
    allow-list (nothing from it is instantiated then), `StorageError` when it cannot be read.
    """
    path = Path(path)
    data = read_file(path, "the model", error=StorageError)
    try:
        untrusted = sio.get_untrusted_types(data=data)
        unexpected = _unexpected(untrusted)
        if unexpected:
            raise IntegrityError(
                f"refusing to load the model {path.name}: it names types outside the allow-list: "
                f"{', '.join(unexpected)}",
                hint="the file was not written by save_model, or was tampered with",
            )
        estimator = sio.loads(data, trusted=untrusted)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise IntegrityError(f"{path.name} is not a valid skops model file "
                             f"({type(exc).__name__})") from None
    if not isinstance(estimator, BaseEstimator):
        raise IntegrityError(f"{path.name} does not hold a scikit-learn model")
    if not all(_is_well_formed(tree, n_features) for tree, n_features in _trees(estimator)):
        raise IntegrityError(f"refusing to load the model {path.name}: a decision tree in it has "
                             f"out-of-range node or feature indices",
                             hint="the file was not written by save_model, or was tampered with")
    return estimator


def _unexpected(untrusted: list[str]) -> list[str]:
    return sorted(set(untrusted) - ALLOWED_TYPES)


def _trees(obj: object, n_features: int | None = None, seen: set[int] | None = None,
           ) -> Iterator[tuple[Tree, int | None]]:
    """Every `Tree` reachable from `obj`, with the feature count of the estimator holding it."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    children: list[object] = []
    if isinstance(obj, Tree):
        yield obj, n_features
    elif isinstance(obj, BaseEstimator):
        n_features = getattr(obj, "n_features_in_", n_features)
        children = list(vars(obj).values())
    elif isinstance(obj, list | tuple):
        children = list(obj)
    elif isinstance(obj, dict):
        children = list(obj.values())
    elif isinstance(obj, np.ndarray) and obj.dtype == object:
        children = list(obj.ravel())
    for child in children:
        yield from _trees(child, n_features, seen)


def _is_well_formed(tree: Tree, n_features: int | None) -> bool:
    """Leaves have no children; inner nodes point forward to nodes that exist and test a
    feature the model has. Children after their parent (as scikit-learn builds trees) also rule
    out cycles, so prediction always reaches a leaf."""
    left, right, feature = tree.children_left, tree.children_right, tree.feature
    nodes = np.arange(tree.node_count)
    leaf = left == -1
    inner = ~leaf
    limit = tree.n_features if n_features is None else min(tree.n_features, n_features)
    return bool(
        len(left) == len(right) == len(feature) == tree.node_count > 0
        and np.all(right[leaf] == -1)
        and np.all((left[inner] > nodes[inner]) & (left[inner] < tree.node_count))
        and np.all((right[inner] > nodes[inner]) & (right[inner] < tree.node_count))
        and np.all((feature[inner] >= 0) & (feature[inner] < limit))
    )
