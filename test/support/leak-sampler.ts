// The continuous secret-leak sampler of a test scenario: started in before(), it samples every
// process's command line and environment many times a second and every file under the
// deployments' state roots (leak-sampler-worker.ts), taps what the test process prints (the
// formation provider's and local mode's logs) and takes the outputs the test hands it; stop()
// in after() fails the test naming each leak (pid, process, where) by the password's key and a
// hash, never the password itself. The rules are in leak-rules.ts.
import * as assert from "assert";
import * as path from "path";
import { Worker } from "worker_threads";
import { judgeText, KnownSecret, knownSecret, Leak } from "./leak-rules";
import type { SamplerConfig, SamplerReport } from "./leak-sampler-worker";

export interface LeakSamplerOptions {
    /** State roots (REDIS_LOCAL_STATE_DIR: one directory per stack below) to learn passwords from and scan. */
    stateRoots: string[];
    /** Time between two samples of every process (default 20 ms). */
    intervalMs?: number;
    /** Time between two scans of the state roots' files (default 500 ms; unchanged files are not read again). */
    fileIntervalMs?: number;
}

export interface LeakReport extends Omit<SamplerReport, "secrets" | "leaks"> {
    leaks: Leak[];
    secretKeys: string[];
}

export class LeakSampler {
    private readonly worker: Worker;
    private readonly texts: { where: string; text: string }[] = [];
    private readonly extra: KnownSecret[] = [];
    private readonly restore: () => void;

    private constructor(options: LeakSamplerOptions) {
        const config: SamplerConfig = {
            stateRoots: options.stateRoots.map((r) => path.resolve(r)),
            intervalMs: options.intervalMs ?? 20,
            fileIntervalMs: options.fileIntervalMs ?? 500,
            maxFileBytes: 64 * 2 ** 20,
        };
        this.worker = new Worker(path.join(__dirname, "leak-sampler-worker.js"), { workerData: config });
        this.worker.unref();
        this.restore = this.tapConsole();
    }

    static start(options: LeakSamplerOptions): LeakSampler {
        return new LeakSampler(options);
    }

    /** A password the deployments' Secrets do not show (a test's own, a fake one of a self-test). */
    addSecret(key: string, value: string): void {
        const s = knownSecret(key, value);
        if (s) this.extra.push(s);
        this.worker.postMessage({ type: "secret", key, value });
    }

    /** A directory made after the start (a pod's root) whose files and Secret copies are watched too. */
    watch(root: string): void {
        this.worker.postMessage({ type: "watch", root: path.resolve(root) });
    }

    /** Text the run returned or wrote elsewhere (local mode's `up` result: the stack's outputs). */
    scanText(where: string, text: string): void {
        this.texts.push({ where, text });
    }

    /** Everything this process prints while sampling: the formation provider and local mode log through it. */
    private tapConsole(): () => void {
        const original = { out: process.stdout.write, err: process.stderr.write };
        const tap =
            (where: string, stream: NodeJS.WriteStream, write: typeof process.stdout.write) =>
            (chunk: any, ...rest: any[]) => {
                this.texts.push({ where, text: String(chunk) });
                return (write as any).call(stream, chunk, ...rest);
            };
        process.stdout.write = tap("the test process's stdout", process.stdout, original.out) as any;
        process.stderr.write = tap("the test process's stderr", process.stderr, original.err) as any;
        return () => {
            process.stdout.write = original.out;
            process.stderr.write = original.err;
        };
    }

    /** Stops sampling and returns what was seen. */
    async stop(): Promise<LeakReport> {
        this.restore();
        const report = await new Promise<SamplerReport>((resolve, reject) => {
            this.worker.once("message", resolve);
            this.worker.once("error", reject);
            this.worker.postMessage({ type: "stop" });
        });
        await this.worker.terminate();
        const secrets = [...report.secrets, ...this.extra];
        const byWhere = new Map<string, string>();
        for (const t of this.texts) byWhere.set(t.where, (byWhere.get(t.where) ?? "") + t.text);
        const textLeaks = [...byWhere].flatMap(([where, text]) => judgeText(where, text, secrets));
        const { secrets: _values, ...rest } = report;
        return { ...rest, leaks: [...report.leaks, ...textLeaks], secretKeys: [...new Set(secrets.map((s) => s.key))].sort() };
    }
}

/** One line of the sampler's coverage, for the test log. */
export function coverage(r: LeakReport): string {
    const seconds = (r.stoppedAt - r.startedAt) / 1000;
    return (
        `leak sampler: ${r.sweeps} samples of every process in ${seconds.toFixed(1)} s (${(r.sweeps / seconds).toFixed(0)}/s, longest gap ${r.maxGapMs} ms), ` +
        `${r.processesSeen} processes (${r.deploymentProcessesSeen} of the deployment), ${r.filesJudged} file reads in ${r.fileSweeps} scans, ` +
        `passwords of ${r.secretKeys.join(", ")}; allowed holders: ${r.holdings.map((h) => `${h.variable} ${h.secret} x${h.count}`).join(", ") || "none"}`
    );
}

/** Leaks of the same kind (process name, place, password) as one line: how many processes, and the first. */
export function grouped(leaks: Leak[]): string[] {
    const groups = new Map<string, Leak[]>();
    for (const l of leaks) {
        const kind = `${l.where.replace(/^pid \d+ \(([^:]*):.*\) (command line|environment)/, "$1 $2")}: ${l.secret}`;
        groups.set(kind, [...(groups.get(kind) ?? []), l]);
    }
    return [...groups].map(([kind, all]) =>
        all.length === 1
            ? `${all[0].where}: ${all[0].secret} (${all[0].detail})`
            : `${kind}: ${all.length} processes, first ${all[0].where.split(") ")[0]}) (${all[0].detail})`,
    );
}

/**
 * The after() check of a scenario: no leak, and proof that the sampler watched the scenario (it
 * sampled often, knew the passwords in `expectedKeys`, saw the deployment's processes).
 */
export function assertNoLeaks(r: LeakReport, expectedKeys: string[]): void {
    console.log(`      ${coverage(r)}`);
    assert.deepStrictEqual(grouped(r.leaks), [], "passwords leaked");
    const seconds = (r.stoppedAt - r.startedAt) / 1000;
    assert.ok(r.sweeps >= 3 * seconds, `the sampler sampled ${r.sweeps} times in ${seconds} s: not continuous`);
    for (const key of expectedKeys)
        assert.ok(r.secretKeys.includes(key), `the sampler never learnt ${key} (knew ${r.secretKeys.join(", ")})`);
    assert.ok(r.deploymentProcessesSeen > 0, "the sampler saw none of the deployment's processes");
}
