"""The learned decisions: a value's measure (multinomial), and the ranking of its unit and period
options (binary: is this option the one?). Trained with scikit-learn (train.py); shipped as the
weights of each feature in one JSON file inside the package, so prediction is a few dict
lookups, needs no scikit-learn, and loads in milliseconds.
"""
from __future__ import annotations

import gzip
import json
import operator
from dataclasses import dataclass
from itertools import repeat

import numpy as np
from pathlib import Path
from typing import Optional

MODEL_PATH = Path(__file__).resolve().parent / "model" / "decisions.json.gz"
FORMAT = 1


@dataclass
class LinearModel:
    """Weights per feature and class. Binary models have one class, "yes"."""
    classes: list[str]
    intercept: list[float]
    weights: dict[str, list[float]]

    def __post_init__(self) -> None:
        # A binary model scores a few options at a time: plain dict lookups beat numpy's overhead there.
        self._binary = {name: row[0] for name, row in self.weights.items()} if len(self.classes) == 1 else None
        # Otherwise one row per feature in a matrix: a score is the sum of the rows of the features present.
        self._rows = {name: n for n, name in enumerate(self.weights)}
        self._matrix = None if self._binary is not None else \
            np.array(list(self.weights.values()) or np.zeros((0, len(self.classes))), dtype=np.float64)
        self._intercept = np.array(self.intercept, dtype=np.float64)

    def scores_many(self, items: list[dict[str, float]]) -> np.ndarray:
        """Scores of many feature dicts at once: one row per item, one column per class."""
        if self._binary is not None:
            weight, bias = self._binary.get, self.intercept[0]
            return np.array([[bias + sum(map(operator.mul, map(weight, features, repeat(0.0)), features.values()))]
                             for features in items]).reshape(len(items), 1)
        get = self._rows.get
        rows, values, owner = [], [], []
        for n, features in enumerate(items):
            for name, value in features.items():
                row = get(name)
                if row is not None:
                    rows.append(row)
                    values.append(value)
                    owner.append(n)
        totals = np.tile(self._intercept, (len(items), 1))
        if rows:
            owners = np.asarray(owner)
            starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
            gathered = self._matrix[rows] * np.asarray(values)[:, None]
            totals[owners[starts]] += np.add.reduceat(gathered, starts, axis=0)
        return totals

    def predict_many(self, items: list[dict[str, float]], allowed: list[frozenset[str]]) -> list[str]:
        """The best-scoring class of each item among those allowed for it."""
        return [max((s, c) for s, c in zip(row, self.classes) if c in ok)[1]
                for row, ok in zip(self.scores_many(items).tolist(), allowed)]

    @classmethod
    def from_sklearn(cls, vectorizer: object, estimator: object) -> "LinearModel":
        names = vectorizer.get_feature_names_out()
        coef = estimator.coef_
        classes = [str(c) for c in estimator.classes_]
        if coef.shape[0] == 1:   # binary: the positive class's weights
            classes = ["yes"]
        weights = {str(n): [round(float(coef[k, j]), 5) for k in range(coef.shape[0])]
                   for j, n in enumerate(names) if any(abs(coef[k, j]) > 1e-6 for k in range(coef.shape[0]))}
        return cls(classes, [round(float(b), 5) for b in estimator.intercept_], weights)

    def as_dict(self) -> dict:
        return {"classes": self.classes, "intercept": self.intercept, "weights": self.weights}


@dataclass
class Decisions:
    measure: LinearModel
    unit: LinearModel
    period: LinearModel

    def save(self, path: Path = MODEL_PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"format": FORMAT, **{name: getattr(self, name).as_dict() for name in ("measure", "unit", "period")}}
        with gzip.open(path, "wt", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    @classmethod
    def load(cls, path: Optional[Path] = None) -> "Decisions":
        path = path or MODEL_PATH
        try:
            with gzip.open(path, "rt", encoding="utf-8") as stream:
                data = json.load(stream)
        except (OSError, ValueError) as error:
            raise ValueError(f"{path}: cannot read the trained model ({error}); run `python -m extractor train`") from None
        if data.get("format") != FORMAT:
            raise ValueError(f"{path}: model format {data.get('format')!r}, expected {FORMAT}; retrain")
        return cls(*(LinearModel(**data[name]) for name in ("measure", "unit", "period")))


def untrained() -> Decisions:
    """Decisions that weigh nothing: a pipeline that only reads articles up to their slots."""
    return Decisions(LinearModel(["none"], [0.0], {}), LinearModel(["yes"], [0.0], {}), LinearModel(["yes"], [0.0], {}))
