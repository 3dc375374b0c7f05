"""The symbols a declarative claim side may use, and which grids supply them.

Every KL is data first: KL(p ‖ ·). Nats. Shared by ``model.py`` (the data model) and
``symbolic.py`` (the side parser), so neither imports the other.
"""
from __future__ import annotations

SYMBOLS = {
    "L": "sequence length",
    "q": "vocabulary size",
    "T": "number of non-empty blocks of a fixed plan (expected number for random sizes)",
    "K": "number of iterations the sampler is configured with (blocks of fixed/balanced/count, N of mdm); "
         "for a random-size law, its expected number of iterations E T (a rational); undefined for an adaptive rule",
    "s_max": "largest block size the schedule can produce",
    "H": "joint entropy H(X)",
    "TC": "total correlation Σ_i H(X_i) − H",
    "DTC": "dual total correlation H − Σ_i H(X_i | X_{−i})",
    "DTC_alt": "dual total correlation by the second formula Σ_i H(X_{−i}) − (L−1) H",
    "sum_I": "Σ_i I(X_i ; X_{−i})",
    "expected_kl": "E_D KL(p ‖ q̂_D) with the instance's predictor",
    "expected_kl_perfect": "E_D KL(p ‖ q_D) with the perfect predictor",
    "mixture_kl": "KL(p ‖ E_D q̂_D)",
    "tv": "total variation between p and the mixture law",
    "ser": "sequence error rate: mixture mass off the support of p",
    "ter_gap": "mixture_kl / L",
    "gen_logppl_gap": "generative log-perplexity gap (E_r[−log p] − H)/L on the mixture law r (only where SER = 0)",
    "N": "number of steps of an mdm sampler (length of π)",
    "sum_pi_sq": "Σ_k π_k² of an mdm sampler: probability that two given positions share a step",
    "pi_sq_over_R": "Σ_k π_k² / R_k with R_k = π_1 + … + π_k, FG25.TER's per-token rate (uniform π: H_N/N)",
    "eps_train": "LC25's ε_train = E[(L/|M_τ|) Σ_{i∈M_τ} log(p_i/p̂_i)], P(τ = t) = s_t/L",
    "profile_kl": "D-PROFILE's right side Σ_t s_t [h(n_{t−1}+1) − h(n_{t−1})] − H, averaged over the size law",
    "plan_kl": "KL(p ‖ q̂_D) for the instance's single plan, from its explicit law",
    "chain_tc": "Σ_t E_p TC(X_{D_t} | X_{U_t}) for the instance's single plan, from subset entropies",
    "plan_learning": "Σ_t Σ_{i∈D_t} E_p log(p_i / p̂_i) for the instance's single plan",
    # adaptive rules (CL26; grid "entropy-sum"): B_t is the t-th batch, U_t what is revealed before it
    "eta": "the entropy-sum rule's threshold η (rational, or c·log r)",
    "expected_iterations": "E_p[T]: expected number of iterations when x ~ p drives the path (data law); "
                           "= T for non-adaptive samplers",
    "expected_iterations_sampler": "E_q[T]: expected number of iterations under the sampler's own law",
    "steps_ge2": "E_p #{t : |B_t| >= 2}: expected number of iterations revealing two or more tokens (data law)",
    "entropy_sum_sampler": "E_π H(q̂_π) = E_q Σ_t Σ_{k∈B_t} Ĥ(X_k | x_{U_t}) (sampler law)",
    "budget_max": "max over data-reachable states and batches of Σ_{k∈B} min(H(X_k | x_S), η)",
    "excess_max": "max over data-reachable states and batches of Σ_{k∈B} H(X_k | x_S) − max_{k∈B} H(X_k | x_S)",
    "expected_kl_max_entropy": "E KL(p ‖ q) of the max-entropy comparator at the same η (perfect predictor; a float, for shape statistics)",
    # Wainwright 2026 (docs/w26.md): linear in the profile h, except P_UGC and UGC_ratio
    "H01": "W26's aggregate UGC mass H(0, 1) = ∫ t(1−t) h'(t) dt (eq. 2c; Bernoulli gain h(t), eq. 63)",
    "H_card_total": "W26's H^card(0, L) = Σ_j (j/L)(1 − j/L)(h_j^card − h_{j−1}^card) (eq. 16b)",
    "TSE": "Tononi–Sporns–Edelman complexity Σ_m (h(m) − (m/L) H) (W26 eq. 60)",
    "DHW": "W26's DHW = ∫ t min{1, log(1/t)} h'(t) dt (effective total correlation, §A; certified ball)",
    "TC_integral": "W26's ∫ (1−t) h'(t) dt (eq. 61b), from the Bernstein form of h",
    "DTC_integral": "W26's ∫ t h'(t) dt (eq. 61b), from the Bernstein form of h",
    "C_UGC": "W26's coarse complexity 2 log(L−1) H(1/L, 1 − 1/L) (eq. 5a)",
    "P_UGC": "W26's fine-partition complexity (∫ √q(λ) dλ)² (eq. 5b; certified quadrature, not linear in h)",
    "UGC_ratio": "W26's Ratio = C_UGC / P_UGC (eq. 6); undefined for product laws and L <= 2",
    # Wainwright 2026 (W26; docs/w26-samplers.md), linear in the entropy profile
    "w26_bound": "W26 Theorem 1's right side for the instance's sampler: eq. 17a (bernoulli) or 17b (one composition)",
    "w26_ends": "W26's start and completion terms D_KL(P_t0 ‖ Q_t0) + Γ_C(T) for the instance's sampler",
    "w26_cor1": "2 H(t_0, T)/N (bernoulli:N=...) or 2 H^card(a_0, A)/N (psi-odds,N=...): Corollary 1's factor of log ψ(T)/ψ(t_0)",
}

# Symbols that need a sampler (every grid but "targets") or an explicit plan (the "plans" grid).
NEEDS_SAMPLER = frozenset({"T", "K", "s_max", "expected_kl", "expected_kl_perfect", "mixture_kl", "tv",
                           "ser", "ter_gap", "eps_train", "profile_kl", "plan_kl", "chain_tc",
                           "plan_learning", "gen_logppl_gap", "N", "sum_pi_sq", "pi_sq_over_R", "eta",
                           "expected_iterations", "expected_iterations_sampler", "steps_ge2",
                           "entropy_sum_sampler", "budget_max", "excess_max", "expected_kl_max_entropy"}) | {
    "w26_bound", "w26_ends", "w26_cor1"}
NEEDS_PLAN = frozenset({"plan_kl", "chain_tc", "plan_learning"})

# Quantities that are non-negative by definition: a float display never shows them negative.
NONNEGATIVE = frozenset({"H", "TC", "DTC", "DTC_alt", "sum_I", "expected_kl", "expected_kl_perfect",
                         "mixture_kl", "tv", "ser", "ter_gap", "plan_kl", "chain_tc", "sum_pi_sq",
                         "pi_sq_over_R", "expected_iterations", "expected_iterations_sampler", "steps_ge2",
                         "entropy_sum_sampler", "budget_max", "excess_max", "expected_kl_max_entropy",
                         "H01", "H_card_total", "TSE", "DHW", "TC_integral", "DTC_integral", "C_UGC", "P_UGC",
                         "UGC_ratio"})

# WLL26.T1 (adaptive chain rule): the chain side of an adaptive rule (grids entropy-sum, adaptive-rules).
SYMBOLS["adaptive_chain_tc"] = ("Σ_t E_p TC(X_{B_t} | x_{U_t}) of an adaptive rule, batch by batch in the data "
                                "law (WLL26.T1's chain side; perfect predictor)")
NEEDS_SAMPLER = NEEDS_SAMPLER | {"adaptive_chain_tc"}
NONNEGATIVE = NONNEGATIVE | {"adaptive_chain_tc"}
NONNEGATIVE = NONNEGATIVE | {"w26_bound", "w26_ends", "w26_cor1"}
