"""Predictors: the conditional marginals a sampler draws from (docs/index.md §2, LC25.TRAIN).

A predictor maps (i, B, marginals) to an array of shape (q,)*|B| + (q,) holding p̂_i(· | x_B).
``perfect`` is p_i(· | x_B) itself. The imperfect ones are strictly positive, so every KL stays
finite, and rational, so exact runs certify a definite predictor:

- ``mix`` is the same rational in both modes;
- ``temp`` and ``noise`` are computed in floats (from the float value of the exact conditional in
  exact mode), rounded to multiples of 2^-40 and normalised exactly. Float and exact runs agree to
  about 2^-40 per entry (a boundary case can round to the neighbouring dyadic), and the exact
  values depend on the platform's exp/log only through that rounding. A certified verdict is
  about the exact predictor the run used.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from flint import fmpq

from ..errors import SpecError, shorten
from .info import Marginals
from .numbers import rational
from ..specs import check_keys, parse_fmpq, parse_int, parse_spec
from .target import as_float

PREDICTORS = ("perfect", "mix", "temp", "noise")
# Float weights are rounded to multiples of 2^-DYADIC_BITS before exact normalisation.
DYADIC_BITS = 40
# Ranges that keep the float weights finite and positive (temp, noise): λ ≥ 2^-40 (a smaller
# smoothing is below the rounding), β ≤ 100, σ ≤ 100 (σ ξ stays far below float overflow).
LAM_MIN = fmpq(1, 2**DYADIC_BITS)
BETA_MAX = fmpq(100)
SIGMA_MAX = fmpq(100)


@dataclass(frozen=True)
class Predictor:
    """``kind`` ∈ PREDICTORS; ``params`` exact rationals (lam, beta, sigma) and ints (seed)."""

    kind: str = "perfect"
    params: dict = field(default_factory=dict)
    spec: str = "perfect"

    @property
    def perfect(self) -> bool:
        return self.kind == "perfect"

    def conditional(self, m: Marginals, i: int, B: tuple) -> np.ndarray:
        """p̂_i(x_i | x_B), axes (B..., i)."""
        p = m.conditional(i, B)
        if self.kind == "perfect":
            return p
        lam = self.params.get("lam", fmpq(1, 100))
        if self.kind == "mix":
            # p̂ = (1 − λ) p + λ / q : exact in both modes
            return p * rational(1 - lam, m.exact) + rational(lam / m.q, m.exact)
        smooth = p * rational(1 - lam, m.exact) + rational(lam / m.q, m.exact)
        f = as_float(smooth)
        if self.kind == "temp":
            # p̂ ∝ p_smooth^β
            beta = float(self.params["beta"])
            logw = beta * np.log(f)
            w = np.exp(logw)
            if not np.all(w.max(axis=-1) > 1e-300):  # a whole row would underflow: shift by its max
                w = np.exp(logw - logw.max(axis=-1, keepdims=True))
        else:
            # p̂ ∝ p_smooth · exp(σ ξ), ξ standard normal, seeded by (seed, i, B) so it is a fixed function
            sigma = float(self.params["sigma"])
            w = f * np.exp(sigma * _noise(self.params["seed"], i, B, f.shape))
        return _normalise_dyadic(w, m.exact)


def _noise(seed: int, i: int, B: tuple, shape) -> np.ndarray:
    """ξ for (seed, i, B): standard normals of shape (q,)*|B| + (q,) from numpy's default_rng seeded
    by the first 8 bytes, little endian, of sha256(repr((seed, i, B))) — a fixed function of its inputs."""
    key = hashlib.sha256(repr((seed, i, tuple(B))).encode()).digest()
    rng = np.random.default_rng(int.from_bytes(key[:8], "little"))
    return rng.standard_normal(shape)


def _normalise_dyadic(w: np.ndarray, exact: bool) -> np.ndarray:
    """Round positive weights to k·2^-40 (k ≥ 1) and normalise along the last axis, exactly."""
    scale = 2.0**DYADIC_BITS
    w = w / w.sum(axis=-1, keepdims=True)
    k = np.maximum(np.rint(w * scale), 1).astype(np.int64)
    tot = k.sum(axis=-1, keepdims=True)
    if not exact:
        return k / tot
    out = np.empty(k.shape, dtype=object)
    kb, tb = np.broadcast_arrays(k, tot)
    fo, fk, ft = out.reshape(-1), kb.reshape(-1), tb.reshape(-1)
    for j in range(fo.size):
        fo[j] = fmpq(int(fk[j]), int(ft[j]))
    return out


PERFECT = Predictor()


def parse_predictor(spec: str | None) -> Predictor:
    """perfect | mix:lam=1/10 | temp:beta=2[,lam=1/100] | noise:sigma=1/2,seed=3[,lam=1/100]

    mix: p̂ = (1−λ)p + λ/q.  temp and noise act on that smoothed law (λ defaults to 1/100) so
    that p̂ > 0 everywhere; their weights are rounded to dyadic rationals, then normalised.
    """
    if spec is None or spec.strip() == "perfect":
        return PERFECT
    name, kv = parse_spec(spec, "predictor", verbatim=())
    f = f"predictor.{name}"
    allowed = {"mix": ("lam",), "temp": ("beta", "lam"), "noise": ("sigma", "seed", "lam")}
    if name not in allowed:
        raise SpecError("predictor", f"unknown predictor {shorten(name)!r}", ", ".join(PREDICTORS))
    check_keys(kv, allowed[name], f)
    params: dict = {}
    for key in allowed[name]:
        if key not in kv:
            if key == "lam" and name != "mix":
                continue
            raise SpecError(f"{f}.{key}", "is missing", _ACCEPT[key])
        if key == "seed":
            params[key] = parse_int(kv[key], f"{f}.{key}", minimum=0)
            continue
        v = parse_fmpq(kv[key], f"{f}.{key}")
        ok = {"lam": (v >= LAM_MIN if name != "mix" else v > 0) and v <= 1,
              "beta": 0 < v <= BETA_MAX, "sigma": 0 <= v <= SIGMA_MAX}[key]
        if not ok:
            raise SpecError(f"{f}.{key}", f"{shorten(str(v))} is out of range",
                            _ACCEPT["lam_mix" if key == "lam" and name == "mix" else key])
        params[key] = v
    return Predictor(name, params, spec)


_ACCEPT = {
    "lam_mix": "a rational 0 < lam <= 1",
    "lam": "a rational 2^-40 <= lam <= 1 (the float weights are rounded to 2^-40)",
    "beta": "a rational 0 < beta <= 100 (larger powers underflow float weights)",
    "sigma": "a rational 0 <= sigma <= 100 (larger noise overflows float weights)",
    "seed": "an integer >= 0",
}
