// The throughput bench's tables (throughput.ts measures): every figure is a pair's, ours against
// a peer run at the same time, counted on the servers. A table shows the pairs the run measured
// (--throughput-pairs may pick some).
import { compareRuns, Comparison, controlResolution } from "./server-counts";
import { median, printTable } from "./stats";
import type { ThroughputConfig, ThroughputPair } from "./throughput";

type PairName = `${ThroughputConfig}/${ThroughputConfig}`;

/** The control pair: two identical clusters side by side. */
const CONTROL: PairName = "stock-same/stock-same-twin";
/** The goals (the issue's: 0.95 against the same choices, 1.0 against Bitnami's defaults). */
const GOALS: Partial<Record<PairName, number>> = {
    "rendered/stock-same": 0.95,
    "rendered/bitnami": 1.0,
    "rendered-save/bitnami": 1.0,
};
/** What TLS and the AOF cost, against stock Redis, with the labels of the older table. */
const COSTS: [PairName, string][] = [
    ["rendered-tls/stock", "TLS"],
    ["rendered/stock", "no TLS"],
    ["rendered-no-aof/stock", "no AOF"],
];

/** The geometric mean of ratios: the one summary where 0.5 and 2.0 cancel. */
const geometricMean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const range = (c: Comparison) => `${c.ratio.toFixed(2)} (${c.low.toFixed(2)}-${c.high.toFixed(2)})`;
const latency = (p: ThroughputPair, side: "ours" | "peer") =>
    `${median(p.runs.map((r) => r[side].client.p50))}/${median(p.runs.map((r) => r[side].client.p99))}`;

export function printThroughput(pairs: ThroughputPair[]): void {
    // Every pair has the same cells in the same order (throughput.ts's loops).
    const cellsOf = (name: PairName) => pairs.filter((p) => `${p.ours}/${p.peer}` === name);
    const names = [...new Set(pairs.map((p) => `${p.ours}/${p.peer}` as PairName))];
    const cellCount = cellsOf(names[0]).length;
    const cellName = (i: number) => {
        const p = cellsOf(names[0])[i];
        return [p.test.toUpperCase(), p.pipeline, p.size];
    };
    const compare = (name: PairName, i: number, goal = 0, noise = 0) => {
        const p = cellsOf(name)[i];
        const side = (s: "ours" | "peer") => p.runs.map((r) => r[s].server);
        return compareRuns(side("ours"), side("peer"), goal, noise);
    };
    const control = names.includes(CONTROL) ? Array.from({ length: cellCount }, (_, i) => compare(CONTROL, i, 1)) : undefined;
    const resolution = control ? controlResolution(control) : 0;

    const goals = names.filter((n) => GOALS[n] !== undefined);
    if (goals.length > 0 || control) {
        const rows = Array.from({ length: cellCount }, (_, i) => goals.map((n) => compare(n, i, GOALS[n], resolution)));
        printTable(
            "Fair baseline, each pair run side by side and counted on the servers: ratio = ours / peer, median of the rounds (range); " +
                `cpu = the peer's CPU per command / ours; control = two identical clusters; goals: ${goals.map((n) => `${n} >= ${GOALS[n]}`).join(", ")}`,
            ["test", "pipeline", "bytes", ...(control ? ["control"] : []), ...goals.flatMap((n) => [n, "cpu", "verdict"])],
            rows.map((cs, i) => [
                ...cellName(i),
                ...(control ? [range(control[i])] : []),
                ...cs.flatMap((c) => [range(c), c.cpuRatio.toFixed(2), c.verdict]),
            ]),
        );
        const summary = goals.map((n, k) => {
            const cs = rows.map((r) => r[k]);
            const count = (v: Comparison["verdict"]) => cs.filter((c) => c.verdict === v).length;
            return (
                `${n} rate ${geometricMean(cs.map((c) => c.ratio)).toFixed(2)}, cpu ${geometricMean(cs.map((c) => c.cpuRatio)).toFixed(2)}: ` +
                `met in ${count("met")}, within noise in ${count("within noise")}, not met in ${count("not met")} of ${cs.length} cells`
            );
        });
        if (control)
            console.log(
                `resolution: the control's medians read up to ${resolution.toFixed(2)} from 1; a ratio that misses its goal by no more is "within noise"`,
            );
        if (summary.length > 0) console.log(`geometric means over the cells: ${summary.join("; ")}`);
    }

    const costs = COSTS.filter(([n]) => names.includes(n));
    if (costs.length > 0) {
        // The stock side beside rendered without TLS when that pair ran (the older table's column).
        const stockSide = cellsOf(costs.find(([n]) => n === "rendered/stock")?.[0] ?? costs[0][0]);
        printTable(
            "What TLS and the AOF cost: each against stock Redis, side by side (ratio: median of the rounds, range; latency p50/p99 ms as each client saw it beside its peer)",
            ["test", "pipeline", "bytes", ...costs.map(([, l]) => `${l}/stock`), ...costs.map(([, l]) => `${l} p50/p99`), "stock p50/p99"],
            Array.from({ length: cellCount }, (_, i) => [
                ...cellName(i),
                ...costs.map(([n]) => range(compare(n, i))),
                ...costs.map(([n]) => latency(cellsOf(n)[i], "ours")),
                latency(stockSide[i], "peer"),
            ]),
        );
    }
}
