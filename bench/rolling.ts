// Rolling upgrade time: a 6-pod image change with data under live writers, the rendered pods
// (preStop handover and drain) against a plain StatefulSet roll of the same pods without the
// hook (REDIS_LOCAL_PRESTOP=off: SIGTERM at once, the cluster fails a stopped master over after
// its node timeout, as the Bitnami chart's pods do). One deployment, the variants interleaved;
// per roll the total duration of `up` and each soak client's longest write stall.
import Redis from "ioredis";
import { USERS } from "../components/settings/spec";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readEvents } from "../local/rollout";
import { loadState } from "../local/state";
import type { UpResult } from "../local/deployment";
import { adminPasswordOf } from "../test/support/local-deployment";
import { LocalProject } from "../test/support/local-project";
import { fill } from "./fill";
import { logTimes } from "./redis-log";
import { soak, SoakClient } from "./soak";
import { median, printTable } from "./stats";

/**
 * `config` goes into the stack (the restarted pods' template decides the takeover); `env` into
 * local mode's environment (REDIS_LOCAL_PRESTOP=off runs no preStop hook). Every roll starts from
 * formation's layout except one marked `asLeft`: it runs right after the roll without the takeover
 * and starts where that one left the masters (on ordinals 3-5), which is where every rollout after
 * the first starts when the takeover is off. That is the drained handover's steady state.
 */
export const ROLL_VARIANTS: readonly { name: string; config: object; env: Record<string, string>; asLeft?: boolean }[] = [
    { name: "handover", config: {}, env: {} },
    { name: "takeover without rewrite wait", config: {}, env: { TAKEOVER_AFTER_REWRITE: "false" } },
    { name: "handover, no takeover", config: { plannedTakeover: false }, env: {} },
    { name: "no takeover, as left", config: { plannedTakeover: false }, env: {}, asLeft: true },
    { name: "plain", config: {}, env: { REDIS_LOCAL_PRESTOP: "off" } },
];
const CLIENTS: SoakClient[] = ["ioredis", "redis-py"];
/**
 * Two released patches of the default engine's line (local mode runs both with the Valkey 8.1
 * build); every roll switches to the other, so every roll is an image change.
 */
const IMAGES = ["valkey/valkey:8.1.9-alpine", "valkey/valkey:8.1.8-alpine"];

export interface RollRun {
    variant: string;
    seconds: number;
    stallMs: Record<string, number>;
    appErrors: number;
}

/**
 * Every roll starts from the layout formation makes (and a roll with the planned takeover ends
 * with): the masters on ordinals 0-2. A replica there takes its shard over, one shard at a time.
 * Without this the variants would inherit each other's layouts: a roll without the takeover
 * leaves the masters on ordinals 3-5, and the next roll then hands each of them over twice.
 */
async function mastersOnLowOrdinals(deployment: UpResult): Promise<void> {
    const password = adminPasswordOf(deployment);
    for (const pod of deployment.pods.slice(0, 3)) {
        const c = new Redis({ host: pod.address, port: 6379, username: USERS.admin, password, lazyConnect: true });
        try {
            await c.connect();
            const role = async () => ((await c.call("ROLE")) as string[])[0];
            if ((await role()) === "master") continue;
            await c.call("CLUSTER", "FAILOVER");
            const deadline = Date.now() + 15000;
            while ((await role()) !== "master") {
                if (Date.now() > deadline) throw new Error(`${pod.name} did not take its shard over`);
                await new Promise((r) => setTimeout(r, 50));
            }
        } finally {
            c.disconnect();
        }
    }
}

/** Stalls longer than this get the Redis logs around them printed: where the time went. */
const STALL_TRACE_MS = 150;

/**
 * The last `lines` lines of every pod's log, the scripts' own lines (which carry no time) included;
 * every log is kept in a folder of its own, since the bench takes the deployment down.
 */
function printLogTails(stateDir: string, lines: number): void {
    const keep = fs.mkdtempSync(path.join(os.tmpdir(), "rolling-failed-"));
    fs.cpSync(stateDir, keep, { recursive: true, filter: (src) => fs.statSync(src).isDirectory() || src.endsWith(".log") });
    console.error(`bench rolling: the failed roll's logs are kept in ${keep}`);
    for (const pod of loadState(stateDir)?.pods ?? []) {
        const file = path.join(pod.root, "redis.log");
        const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines) : [];
        console.error(`bench rolling: the end of pod ${pod.ordinal}'s log:\n  ${text.join("\n  ")}`);
    }
}

/** Every pod's Redis log lines from just before `from` to just after `to`, in time order (ms from the roll's start). */
function printLogs(stateDir: string, from: number, to: number, t0: number, what: string): void {
    const lines = (loadState(stateDir)?.pods ?? []).flatMap((pod) =>
        logTimes(path.join(pod.root, "redis.log"), from - 500, to + 100).map((l) => ({ ...l, pod: pod.ordinal })),
    );
    lines.sort((a, b) => a.t - b.t);
    console.error(`bench rolling: logs around ${what} ${from - t0}..${to - t0}:`);
    for (const l of lines) console.error(`  ${l.t - t0} pod ${l.pod}: ${l.text}`);
}

/**
 * The variants named in `only` (all when empty), in the list's order. A name that is no variant, or
 * "no takeover, as left" without the roll it starts from, is refused before anything runs.
 */
export function rollVariants(only: string[]): typeof ROLL_VARIANTS {
    const names = ROLL_VARIANTS.map((v) => v.name);
    const unknown = only.filter((n) => !names.includes(n));
    if (unknown.length > 0)
        throw new Error(
            `--rolling-variants: ${unknown.map((n) => JSON.stringify(n)).join(", ")} is not a variant; allowed: ${names.join("; ")}`,
        );
    const chosen = ROLL_VARIANTS.filter((v) => only.length === 0 || only.includes(v.name));
    for (const [i, v] of chosen.entries())
        if (v.asLeft && chosen[i - 1]?.name !== "handover, no takeover")
            throw new Error(`--rolling-variants: "${v.name}" starts where "handover, no takeover" left the masters; pick both`);
    return chosen;
}

/**
 * `rdbCompression` is the stack's `redis.rdbCompression` for the whole run (every variant): the
 * bench's values do not compress, so LZF only costs CPU in each RDB a roll writes (a replica's
 * stop, the AOF rewrite's preamble, a full sync), which a user with such data would turn off.
 */
export async function benchRolling(
    megabytes: number,
    runs: number,
    variants = ROLL_VARIANTS,
    rdbCompression = true,
): Promise<{ megabytes: number; rdbCompression: boolean; runs: RollRun[] }> {
    const project = new LocalProject("bench-rolling", "127.0.12.11");
    const config = (image: string) => ({
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "4Gi" } },
        storage: { size: "20Gi", storageClass: "" },
        redis: { maxmemory: "2gb", ioThreads: 1, rdbCompression },
        formation: { connectivity: "direct" },
        image,
    });
    const results: RollRun[] = [];
    try {
        project.write(config(IMAGES[0]));
        let deployment = await project.up();
        const password = require("fs").readFileSync(deployment.passwordFile, "utf8");
        console.error(`bench rolling: writing ${megabytes} MB`);
        await fill(deployment.pods[0].address, password, megabytes);
        let roll = 1;
        for (let run = 0; run < runs; run++) {
            for (const variant of variants) {
                if (!variant.asLeft) await mastersOnLowOrdinals(deployment);
                const keys = Array.from({ length: 300 }, (_, i) => `roll:${i}`);
                const soaks = CLIENTS.map((c) => soak(c, deployment.seeds, "app", password, keys));
                await Promise.all(soaks.map((c) => c.ready()));
                project.write({ ...config(IMAGES[roll++ % IMAGES.length]), ...variant.config });
                Object.assign(process.env, variant.env);
                const t0 = Date.now();
                const eventsBefore = readEvents(project.stateDir).length;
                // local mode's progress lines, timestamped: where the roll's time goes.
                const steps: string[] = [];
                const write = process.stderr.write.bind(process.stderr);
                process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
                    const text = String(chunk);
                    const m = /^local: (rolling update \d+\/\d+|started \S+|\S+\/redis preStop: .{0,40})/.exec(text);
                    if (m) steps.push(`${Date.now() - t0} ${m[1].replace(/\d+\.\d+\.\d+\.\d+/g, "<ip>")}`);
                    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
                }) as typeof process.stderr.write;
                try {
                    deployment = await project.up();
                } catch (e) {
                    printLogTails(project.stateDir, 60);
                    throw e;
                } finally {
                    process.stderr.write = write;
                    for (const key of Object.keys(variant.env)) delete process.env[key];
                }
                const seconds = (Date.now() - t0) / 1000;
                const reports = await Promise.all(soaks.map((c) => c.stop()));
                const run1 = {
                    variant: variant.name,
                    seconds,
                    stallMs: Object.fromEntries(reports.map((r) => [r.client, r.longestStallMs])),
                    appErrors: reports.reduce((n, r) => n + Object.values(r.errors).reduce((a, b) => a + b, 0), 0),
                };
                console.error(`bench rolling: ${JSON.stringify(run1)}`);
                // Where each client's longest stall lay in the roll (ms from the roll's start).
                const events = readEvents(project.stateDir).slice(eventsBefore);
                console.error(
                    `bench rolling: pods ${events.map((e) => `${e.pod.replace(/.*-/, "")} ${e.event} ${e.t - t0}${e.preStop ? ` (${e.preStop.replace(/\d+\.\d+\.\d+\.\d+/g, "<ip>")})` : ""}`).join("; ")}`,
                );
                console.error(`bench rolling: steps ${steps.join(" | ")}`);
                for (const r of reports)
                    console.error(
                        `bench rolling: ${r.client} stall ${r.longestStallMs} ms at ${r.stallFrom - t0}..${r.stallTo - t0}${r.libraryErrors ? ` handled ${JSON.stringify(r.libraryErrors)}` : ""}${r.stallTrace ? ` trace ${JSON.stringify(r.stallTrace)}` : ""}`,
                    );
                for (const r of reports)
                    if (r.longestStallMs > STALL_TRACE_MS) printLogs(project.stateDir, r.stallFrom, r.stallTo, t0, "the stall");
                results.push(run1);
            }
        }
    } finally {
        const t0 = Date.now();
        await project.destroy();
        console.error(`bench rolling: down took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    return { megabytes, rdbCompression, runs: results };
}

export function printRolling(r: { megabytes: number; rdbCompression: boolean; runs: RollRun[] }): void {
    const of = (v: string) => r.runs.filter((x) => x.variant === v);
    const stall = (v: string, c: string) => median(of(v).map((x) => x.stallMs[c] ?? NaN));
    const rows = ROLL_VARIANTS.filter((v) => of(v.name).length > 0).map((v) => [
        v.name,
        of(v.name).length,
        median(of(v.name).map((x) => x.seconds)).toFixed(1),
        ...CLIENTS.map((c) => stall(v.name, c).toFixed(0)),
        Math.max(...of(v.name).flatMap((x) => Object.values(x.stallMs))).toFixed(0),
        of(v.name).reduce((n, x) => n + x.appErrors, 0),
        of(v.name)
            .map((x) => x.seconds.toFixed(1))
            .join(" "),
    ]);
    const ratio = (v: string) => median(of(v).map((x) => x.seconds)) / median(of("plain").map((x) => x.seconds));
    printTable(
        `Rolling image change, 6 pods, ${r.megabytes} MB${r.rdbCompression ? "" : ", rdbCompression off"} (median of runs; stalls in ms, longest stretch without an acknowledged write)`,
        ["roll", "runs", "median s", ...CLIENTS.map((c) => `${c} stall`), "max stall", "app errors", "runs (s)"],
        rows,
    );
    for (const v of ROLL_VARIANTS.filter((x) => x.name !== "plain" && of(x.name).length > 0))
        console.log(`${v.name} / plain duration: ${ratio(v.name).toFixed(2)}`);
}
