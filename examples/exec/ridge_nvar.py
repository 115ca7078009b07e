"""A next-generation reservoir computer (NVAR, Gauthier et al. 2021, Nat.
Commun. 12, 5564) in plain numpy, for the exec stage's benchmark slots.

    python3 ridge_nvar.py fit       # in: train (npy)            out: model
    python3 ridge_nvar.py forecast  # in: model, test, history   out: forecast

Features: a constant, the last k states and every quadratic monomial of
them; ridge regression predicts the next state's increment. config (the
stage's `config` param): k (delay taps, default 2), ridge (default 1e-6),
label (default ridge_nvar_numpy).
"""
import sys

import numpy as np

import runnerio


def features(window):
    """NVAR features of a (k, d) window, oldest row first."""
    lin = window[::-1].reshape(-1)
    i, j = np.triu_indices(len(lin))
    return np.concatenate(([1.0], lin, lin[i] * lin[j]))


def fit(run, cfg):
    k, ridge = int(cfg.get("k", 2)), float(cfg.get("ridge", 1e-6))
    cols, meta = runnerio.read_table(run["inputs"]["train"])
    out = {"system": [], "row": [], "col": [], "value": []}
    for (system, traj), (_, _, x) in runnerio.series(cols, meta).items():
        if traj != 0:
            continue  # like the Go train stage: one trajectory per system
        # Standardise per coordinate, so the ridge penalty means the same for every system.
        mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-12
        z = (x - mu) / sd
        F = np.array([features(z[t - k:t]) for t in range(k, len(z))])
        Y = z[k:] - z[k - 1:-1]
        W = np.linalg.solve(F.T @ F + ridge * np.eye(F.shape[1]), F.T @ Y)
        # The model table: W (features x d), then the mean and scale rows.
        M = np.vstack([W, mu, sd])
        for r in range(M.shape[0]):
            for c in range(M.shape[1]):
                out["system"].append(system)
                out["row"].append(r)
                out["col"].append(c)
                out["value"].append(M[r, c])
    runnerio.write_table(run["outputs"]["model"], out, {"family": "ridge_nvar_numpy", "k": str(k), "ridge": repr(ridge)})


def forecast(run, cfg):
    mcols, mmeta = runnerio.read_table(run["inputs"]["model"])
    k = int(mmeta["k"])
    models = {}
    for system in dict.fromkeys(mcols["system"]):
        sel = mcols["system"] == system
        r, c, v = mcols["row"][sel].astype(int), mcols["col"][sel].astype(int), mcols["value"][sel]
        M = np.zeros((r.max() + 1, c.max() + 1))
        M[r, c] = v
        models[system] = (M[:-2], M[-2], M[-1])
    tcols, tmeta = runnerio.read_table(run["inputs"]["test"])
    test = runnerio.series(tcols, tmeta)
    hist = {}
    if run["inputs"].get("history", {}).get("present"):
        hist = runnerio.series(*runnerio.read_table(run["inputs"]["history"]))
    jobs = []
    for (system, traj), (steps, times, x) in test.items():
        W, mu, sd = models[system]
        window, start = runnerio.context(hist.get((system, traj)), (steps, times, x), k)
        z = list((window - mu) / sd)
        horizon = int(cfg.get("horizon", len(steps) - start))
        pred = np.full((min(horizon, len(steps) - start), x.shape[1]), np.nan)
        with np.errstate(all="ignore"):
            for t in range(len(pred)):
                nxt = z[-1] + features(np.array(z[-k:])) @ W
                if not np.all(np.isfinite(nxt)):
                    break
                z.append(nxt)
                pred[t] = nxt * sd + mu
        jobs.append((system, traj, steps[start:start + len(pred)], times[start:start + len(pred)], pred))
    runnerio.write_forecast(run["outputs"]["forecast"], cfg.get("label", "ridge_nvar_numpy"), "ridge_nvar_numpy", jobs, tmeta)


if __name__ == "__main__":
    {"fit": fit, "forecast": forecast}[sys.argv[1]](runnerio.run(), runnerio.params())
