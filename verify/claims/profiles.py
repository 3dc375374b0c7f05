"""The proof check's profiles: the (L, q) sizes of each grid, the imperfect predictors a claim's
"imperfect" expands to, per-grid length caps, and the lengths of ZC26's all-law table. Plain data,
so the command line can offer the profile names without importing the engine."""

PROFILES = {
    # (L, q) pairs of the grid; the imperfect predictors a claim's "imperfect" expands to.
    "ci": {
        "sizes": [(L, 2) for L in range(1, 7)] + [(L, 3) for L in range(1, 5)],
        "imperfect": ["mix:lam=1/10", "temp:beta=2", "noise:sigma=1/2,seed=1"],
        # The identities checked on every plan or schedule with exact laws (D-CHAIN, D-MIX,
        # D-PROFILE, LC25.TRAIN) stop at L = 5 in the default run, which keeps the test suite
        # inside its time budget; deep checks them to L = 8.
        "grid_max_L": {"plans": 5, "schedules": 5},
        # ZC26.TC/DTC's all-law table (sharp constants by the rays of the profile cone, every budget
        # level from log2 L to L/2): the lengths of the table. ci stops at 256 (a few seconds).
        "zc26": {"lengths": [16, 32, 64, 128, 256]},
    },
    "deep": {
        "sizes": [(L, 2) for L in range(1, 9)] + [(L, 3) for L in range(1, 6)] + [(L, 4) for L in range(1, 5)],
        "imperfect": ["mix:lam=1/10", "mix:lam=1/2", "temp:beta=2", "temp:beta=1/2",
                      "noise:sigma=1/2,seed=1", "noise:sigma=2,seed=2"],
        "zc26": {"lengths": [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]},
    },
}
