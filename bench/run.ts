// npm run bench [-- --quick] [-- --only=formation|failover|handover|sentinel|sentinel-handover|reshard|throughput|tls|connections|engines|backup|rolling] [-- --backup-mb=1024] [-- --rolling-mb=512] [-- --rolling-variants=handover,plain] [-- --rolling-rdb-compression=no] [-- --throughput-requests=100000] [-- --throughput-pairs=rendered/stock-same,...] [-- --runs=N]:
// runs the benchmarks, prints tables, writes JSON under bench/results/. --runs sets the rounds of
// the throughput, tls and connections cells (default 3). --quick sends 60,000 requests per run (the
// throughput bench counts on the servers over a run's steady part, which needs runs of a second or more).
import { benchBackup, printBackup } from "./backup";
import { benchEngines, printEngines } from "./engines";
import { benchFailover, printFailover, VARIANTS } from "./failover";
import { benchFormation, printFormation } from "./formation";
import { benchHandover, printHandover } from "./handover";
import { benchSentinelFailover, printSentinelFailover, SENTINEL_VARIANTS } from "./sentinel-failover";
import { benchSentinelHandover, printSentinelHandover } from "./sentinel-handover";
import { writeResult } from "./stats";
import { benchReshard, printReshard } from "./reshard";
import { benchRolling, printRolling, rollVariants } from "./rolling";
import { benchThroughput, PAIRS, throughputPairs } from "./throughput";
import { printThroughput } from "./throughput-report";
import { benchTls, printTls } from "./tls";
import { benchConnections, printConnections } from "./connections";

async function main(): Promise<void> {
    const quick = process.argv.includes("--quick");
    const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
    const runs = quick ? 3 : 5;
    // Requests per redis-benchmark sample (times the pipeline depth), for throughput, tls and connections.
    const requests = Number(
        process.argv.find((a) => a.startsWith("--throughput-requests="))?.slice("--throughput-requests=".length) ??
            (quick ? 60000 : 100000),
    );
    const cellRuns = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice("--runs=".length) ?? 3);
    // Read before any bench runs, so a bad list fails at once rather than after the benches before it.
    const pairList = process.argv.find((a) => a.startsWith("--throughput-pairs="))?.slice("--throughput-pairs=".length);
    const pairs = pairList ? throughputPairs(pairList) : PAIRS;
    if (!only || only === "formation") {
        const formation = [];
        for (const nodes of quick ? [6] : [6, 30]) formation.push(await benchFormation(nodes, runs));
        printFormation(formation);
        console.log(`\nwrote ${writeResult("formation", { quick, formation })}`);
    }
    if (!only || only === "failover") {
        const failover = [];
        for (const [i, variant] of VARIANTS.entries()) failover.push(...(await benchFailover(variant, runs, 20 + i)));
        printFailover(failover);
        console.log(`\nwrote ${writeResult("failover", { quick, failover })}`);
    }
    if (!only || only === "handover") {
        const handover = await benchHandover(runs, 23);
        printHandover(handover.cells);
        console.log(`\nwrote ${writeResult("handover", { quick, ...handover })}`);
    }
    if (!only || only === "sentinel") {
        const sentinel = [];
        for (const variant of SENTINEL_VARIANTS) sentinel.push(await benchSentinelFailover(variant, runs));
        printSentinelFailover(sentinel);
        console.log(`\nwrote ${writeResult("sentinel-failover", { quick, sentinel })}`);
    }
    if (!only || only === "sentinel-handover") {
        const sentinelHandover = await benchSentinelHandover(runs);
        printSentinelHandover(sentinelHandover);
        console.log(`\nwrote ${writeResult("sentinel-handover", { quick, sentinelHandover })}`);
    }
    if (!only || only === "reshard") {
        const reshard = await benchReshard(quick ? 200000 : 1000000, quick ? 1 : 3);
        printReshard(reshard);
        console.log(`\nwrote ${writeResult("reshard", { quick, reshard })}`);
    }
    if (!only || only === "throughput") {
        const throughput = await benchThroughput(quick ? 1 : cellRuns, requests, pairs);
        printThroughput(throughput);
        console.log(`\nwrote ${writeResult("throughput", { quick, throughput })}`);
    }
    if (!only || only === "tls") {
        const tlsResult = await benchTls(cellRuns, requests);
        printTls(tlsResult);
        console.log(`\nwrote ${writeResult("tls", { quick, requests, runs: cellRuns, ...tlsResult })}`);
    }
    if (!only || only === "connections") {
        const connections = await benchConnections(cellRuns, requests);
        printConnections(connections);
        console.log(`\nwrote ${writeResult("connections", { quick, requests, runs: cellRuns, ...connections })}`);
    }
    if (!only || only === "engines") {
        const engines = await benchEngines(1000000, runs, quick ? 20000 : 100000);
        printEngines(engines);
        console.log(`\nwrote ${writeResult("engines", { quick, engines })}`);
    }
    if (!only || only === "backup") {
        const mb = Number(process.argv.find((a) => a.startsWith("--backup-mb="))?.slice("--backup-mb=".length) ?? (quick ? 64 : 1024));
        const backup = await benchBackup(mb, quick ? 1 : 3);
        printBackup(backup);
        console.log(`\nwrote ${writeResult("backup", { quick, megabytes: mb, backup })}`);
    }
    if (!only || only === "rolling") {
        const mb = Number(process.argv.find((a) => a.startsWith("--rolling-mb="))?.slice("--rolling-mb=".length) ?? (quick ? 64 : 512));
        // Comma-separated; a comma followed by a space is part of a name ("handover, no takeover").
        const names = process.argv.find((a) => a.startsWith("--rolling-variants="))?.slice("--rolling-variants=".length);
        const compression =
            process.argv.find((a) => a.startsWith("--rolling-rdb-compression="))?.slice("--rolling-rdb-compression=".length) ?? "yes";
        if (!["yes", "no"].includes(compression)) throw new Error(`--rolling-rdb-compression: got "${compression}"; allowed: yes, no`);
        const rolling = await benchRolling(mb, quick ? 1 : 3, rollVariants(names ? names.split(/,(?! )/) : []), compression === "yes");
        printRolling(rolling);
        console.log(`\nwrote ${writeResult("rolling", { quick, ...rolling })}`);
    }
}

main()
    .catch((e) => {
        console.error(e);
        process.exit(1);
    })
    .then(() => process.exit(0));
