// Package metrics computes forecast-skill metrics, attractor invariants
// (Lyapunov exponents, dimensions, entropies) and k-medoids clusterings of
// chaotic systems, using only the standard library, gonum and package solvers.
//
// # Invariants
//
// LyapunovSpectrum integrates the flow with its tangent equation dQ/dt =
// J(t, x) Q (package solvers; "rk4" by default, adaptive methods by name)
// and re-orthonormalises Q = Q'R every τ by modified Gram-Schmidt; after a
// transient λ_i = (1/T) Σ ln R_ii (Shimada & Nagashima 1979; Benettin,
// Galgani, Giorgilli & Strelcyn 1980). Standard errors come from the spread
// of B block means, sd/sqrt(B). LargestLyapunov is Benettin's method with one
// tangent vector, or two trajectories when no Jacobian is given. MapSpectrum
// does the same for maps, Q_{n+1}R_{n+1} = J(x_n) Q_n. DelaySpectrum
// handles x'(t) = f(x(t), x(t−τ)) through a finite-dimensional
// approximation: the history is discretised on N points and the Heun
// method-of-steps map is linearised exactly. KaplanYorke is
// D_KY = j + Σ_{i≤j} λ_i / |λ_{j+1}| (Kaplan & Yorke 1979).
//
// CorrelationDimension is Grassberger–Procaccia (1983) with a Theiler
// window: C(r) = #{i<j, j−i>w: ‖x_i−x_j‖<r} / #{admissible pairs}, pairs
// from a uniform grid; the scaling region is detected as the widest run of
// log-spaced radii whose local slopes d ln C/d ln r are flat within a
// relative tolerance. Rosenstein (Rosenstein, Collins & De Luca 1993)
// estimates λ1 from a scalar series: delay embedding, nearest neighbours
// outside a Theiler window, slope of <ln d(k)> over a given or detected
// linear region. PermutationEntropy is Bandt & Pompe (2002), normalised by
// ln(order!); SampleEntropy is Richman & Moorman (2000); MultiscaleEntropy is
// Costa, Goldberger & Peng (2002): SampEn(m, r = 0.15 SD) of coarse-grained
// series.
//
// The tests check published reference values: Sprott, Chaos and Time-Series
// Analysis (Oxford University Press, 2003), Appendix A, for Lyapunov
// spectra, Kaplan–Yorke and correlation dimensions; Grassberger & Procaccia,
// "Measuring the strangeness of strange attractors", Physica D 9, 189–208
// (1983), for the Lorenz correlation dimension. Each test names its source.
//
// # Forecast metrics
//
// Compute(name, truth, pred) evaluates one metric on T×D matrices (rows =
// time). Definitions transcribe dysts/metrics.py (williamgilpin/dysts,
// commit 4b4d9de), with ε = 1e-10, e = y − ŷ, means over all T·D elements
// unless stated:
//
//	mse       mean e²                      mae    mean |e|
//	rmse      sqrt(mse)                    nrmse  sqrt(mean_{t,i} e²/(σ_i²+ε)), σ_i = std of truth column i
//	marre     100 mean |e| / (max y − min y + ε)
//	r2_score  1 − Σe² / Σ(y − ȳ)²          (NaN for a constant truth)
//	rmsle     sqrt(mean (ln(1+ŷ') − ln(1+y'))²), y' = y − min_t y + ε per column
//	smape     200 mean |e| / (|y| + |ŷ| + ε)   (0–200 scale; MetricOptions.SMAPEPercent: 0–100)
//	mape      100 mean |e / (y + ε)|        wape  100 Σ|e| / (Σ|y| + ε)
//	spearman, pearson, kendall   mean over columns of Spearman ρ, Pearson r,
//	          Kendall τ_b (NaN if a column is constant)
//	coefficient_of_variation     100 std(e) / (mean(y) + ε)
//	mutual_information  mean over columns of the KSG estimator (k = 3, nats)
//	kl_divergence       Gaussian-mixture Monte-Carlo estimate (Hess et al. 2023)
//	hellinger_distance  mean over columns of sqrt(1 − Σ_k sqrt(p_k q_k)),
//	          p, q the normalised power in the first 100 DFT bins (Mikhaeil et al. 2022)
//	mase      mean|e| / (mean_t |s_{t+m} − s_t| + ε), s = training series or truth
//	ope       Σ|e| / Σ|y − ȳ|               (NaN for a constant truth)
//
// Deviations from dysts, all deliberate: sMAPE defaults to the 0–200 scale
// of the Gilpin 2023 benchmark (dysts ≥ 2025 defaults to 0–100); pearson is
// Pearson's r also for one column (dysts returns Spearman there); MASE
// differences run along time (rows), not along dysts' time_dim=−1; the KSG
// estimator omits scikit-learn's random 1e-10 jitter and the KL estimate
// uses a seeded generator and log-sum-exp, so both are deterministic.
//
// Edge cases: NaN or ±Inf anywhere in the input, unequal shapes, empty input
// and unknown names are errors (NaN/Inf errors wrap ErrNonFinite). Zero
// denominators follow the ε regularisation above (so a zero truth gives a
// huge but finite MAPE, and sMAPE of 0 against 0 is 0); denominators without
// ε (r2_score, ope, correlations, a zero power spectrum) give NaN.
//
// ValidPredictionTime measures how long a forecast stays valid, in Lyapunov
// times, under the rules of Vlachas et al. (2020, normalised error ≤ 0.5),
// Pathak et al. (2018, ≤ 0.4) or Zhang & Gilpin (2025, sMAPE of the forecast
// so far ≤ 30; a pointwise variant is VPTSMAPEPointwise), and says whether it
// is censored (valid up to the last row); WorstValue is each metric's worst
// value, which scores the rows of a failed forecast;
// ErrorVsHorizon is dysts' horizoned_metric; CompareAttractors compares long
// forecasts by correlation dimension, power spectrum and Rosenstein exponent.
//
// # Clustering
//
// FasterPAM is the k-medoids algorithm of Schubert & Rousseeuw (Information
// Systems 2021) on a distance matrix, started from BUILD or seeded random
// medoids; Silhouette is Rousseeuw's (1987) mean silhouette width and ChooseK
// picks the k with the best silhouette.
package metrics
