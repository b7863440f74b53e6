// The secret-leak sampler's loop, in a worker thread so that it keeps sampling while the test's
// own thread is blocked (spawnSync, execFileSync): every `intervalMs` it reads every process's
// command line and environment from /proc, and every `fileIntervalMs` every file under the state
// roots, and judges them by leak-rules.ts. Passwords are learned from the deployments' Secrets as
// they appear (each state root's <stack>/secrets/, and the pods' mounted copies a rotation
// rewrites) and from the test.
import * as fs from "fs";
import * as path from "path";
import { parentPort, workerData } from "worker_threads";
import { Holding, judgeFile, judgeProcess, KnownSecret, knownSecret, Leak, PASSWORD_FILE, ProcessView } from "./leak-rules";

export interface SamplerConfig {
    stateRoots: string[];
    intervalMs: number;
    fileIntervalMs: number;
    maxFileBytes: number;
}

export interface SamplerReport {
    startedAt: number;
    stoppedAt: number;
    sweeps: number;
    /** The longest time between two process sweeps: how long a process could live unseen. */
    maxGapMs: number;
    processesSeen: number;
    /** Processes whose command line or environment named a state root: the deployment's own. */
    deploymentProcessesSeen: number;
    fileSweeps: number;
    filesJudged: number;
    secrets: KnownSecret[];
    leaks: (Leak & { count: number; firstAtMs: number })[];
    holdings: (Holding & { count: number })[];
}

const config = workerData as SamplerConfig;
const secrets = new Map<string, KnownSecret>();
let secretsVersion = 0;
const leaks = new Map<string, Leak & { count: number; firstAtMs: number }>();
const holdings = new Map<string, Holding & { count: number }>();
const report: Omit<SamplerReport, "secrets" | "leaks" | "holdings" | "stoppedAt"> = {
    startedAt: Date.now(),
    sweeps: 0,
    maxGapMs: 0,
    processesSeen: 0,
    deploymentProcessesSeen: 0,
    fileSweeps: 0,
    filesJudged: 0,
};
/** pid -> what was judged last, so an unchanged process is not judged again. */
const judged = new Map<number, { cmdline: string; version: number }>();
const seen = new Set<number>();
const deploymentPids = new Set<number>();
/** file -> its mtime and size and the secrets version when judged. */
const filesJudged = new Map<string, string>();

function learn(key: string, value: string): void {
    const s = knownSecret(key, value);
    if (!s || secrets.has(s.forms[0])) return;
    secrets.set(s.forms[0], s);
    secretsVersion++;
}

function record(found: { leaks: Leak[]; holdings?: Holding[] }): void {
    for (const l of found.leaks) {
        const k = `${l.where}|${l.secret}`;
        const had = leaks.get(k);
        if (had) had.count++;
        else leaks.set(k, { ...l, count: 1, firstAtMs: Date.now() - report.startedAt });
    }
    for (const h of found.holdings ?? []) {
        const k = `${h.who}|${h.variable}|${h.secret}`;
        const had = holdings.get(k);
        if (had) had.count++;
        else holdings.set(k, { ...h, count: 1 });
    }
}

function read(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "latin1");
    } catch {
        return undefined; // gone meanwhile
    }
}

function dirs(dir: string): string[] {
    try {
        return fs.readdirSync(dir);
    } catch {
        return [];
    }
}

/** The Secrets' stand-ins of every stack under every state root (cheap: a few small files). */
function learnFromSecrets(): void {
    for (const root of config.stateRoots) {
        for (const stack of dirs(root)) {
            const dir = path.join(root, stack, "secrets");
            for (const key of dirs(dir).filter((k) => PASSWORD_FILE.test(k))) {
                const value = read(path.join(dir, key));
                if (value !== undefined) learn(key, value);
            }
        }
    }
}

function processView(pid: number, cmdline: string): ProcessView | undefined {
    const environ = read(`/proc/${pid}/environ`);
    let exe = "";
    try {
        exe = fs.readlinkSync(`/proc/${pid}/exe`);
    } catch {
        // a kernel thread, or gone: judged by its command line alone
    }
    if (environ === undefined) return undefined;
    // An exec between the reads pairs one program's command line with another's environment
    // (a shell's `VAR=… timeout …` child, caught as the shell's argv and timeout's environ).
    // Judge only a consistent view; the next sweep reads the new program whole.
    if (read(`/proc/${pid}/cmdline`) !== cmdline) return undefined;
    const env = environ
        .split("\0")
        .filter(Boolean)
        .map((e): [string, string] => {
            const i = e.indexOf("=");
            return i < 0 ? [e, ""] : [e.slice(0, i), e.slice(i + 1)];
        });
    return { pid, exe, argv: cmdline.split("\0").filter((a, i, all) => a !== "" || i < all.length - 1), env };
}

function sweepProcesses(): void {
    learnFromSecrets();
    const list = [...secrets.values()];
    const pids = new Set<number>();
    for (const entry of dirs("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        const pid = Number(entry);
        pids.add(pid);
        const cmdline = read(`/proc/${pid}/cmdline`);
        // Empty: a process caught mid-exec or exiting (kernel threads hold no environment either);
        // it is judged at the next sweep, once its command line is readable again.
        if (cmdline === undefined || cmdline === "") continue;
        const last = judged.get(pid);
        if (last && last.cmdline === cmdline && last.version === secretsVersion) continue;
        const view = processView(pid, cmdline);
        if (!view) continue;
        judged.set(pid, { cmdline, version: secretsVersion });
        seen.add(pid);
        const text = `${cmdline}\0${view.env.map(([, v]) => v).join("\0")}`;
        if (config.stateRoots.some((r) => text.includes(r))) deploymentPids.add(pid);
        record(judgeProcess(view, list));
    }
    for (const pid of judged.keys()) if (!pids.has(pid)) judged.delete(pid);
}

function walk(dir: string, out: string[]): string[] {
    for (const name of dirs(dir)) {
        const p = path.join(dir, name);
        let st: fs.Stats;
        try {
            st = fs.lstatSync(p);
        } catch {
            continue;
        }
        if (st.isDirectory()) walk(p, out);
        else if (st.isFile()) out.push(p);
    }
    return out;
}

function sweepFiles(): void {
    report.fileSweeps++;
    const files = config.stateRoots.flatMap((r) => walk(r, []));
    // The pods' mounted Secret files first: a rotation writes the new passwords there.
    for (const f of files.filter((x) => PASSWORD_FILE.test(path.basename(x)))) {
        const value = read(f);
        if (value !== undefined) learn(path.basename(f), value);
    }
    const list = [...secrets.values()];
    for (const f of files) {
        let st: fs.Stats;
        try {
            st = fs.statSync(f);
        } catch {
            continue;
        }
        if (st.size > config.maxFileBytes) continue;
        const stamp = `${st.mtimeMs}:${st.size}:${secretsVersion}`;
        if (filesJudged.get(f) === stamp) continue;
        const content = read(f);
        if (content === undefined) continue;
        filesJudged.set(f, stamp);
        report.filesJudged++;
        const root = config.stateRoots.find((r) => f.startsWith(r + path.sep))!;
        record({ leaks: judgeFile(path.relative(root, f), content, list) });
    }
}

let lastSweep = Date.now();
let lastFileSweep = 0;
function tick(): void {
    const now = Date.now();
    if (report.sweeps > 0) report.maxGapMs = Math.max(report.maxGapMs, now - lastSweep);
    lastSweep = now;
    sweepProcesses();
    report.sweeps++;
    if (now - lastFileSweep >= config.fileIntervalMs) {
        sweepFiles();
        lastFileSweep = Date.now();
    }
}

const timer = setInterval(tick, config.intervalMs);
tick();

parentPort!.on("message", (m: { type: "secret"; key: string; value: string } | { type: "watch"; root: string } | { type: "stop" }) => {
    if (m.type === "secret") {
        learn(m.key, m.value);
        return;
    }
    if (m.type === "watch") {
        if (!config.stateRoots.includes(m.root)) config.stateRoots.push(m.root);
        return;
    }
    clearInterval(timer);
    tick();
    sweepFiles();
    const final: SamplerReport = {
        ...report,
        stoppedAt: Date.now(),
        processesSeen: seen.size,
        deploymentProcessesSeen: deploymentPids.size,
        secrets: [...secrets.values()],
        leaks: [...leaks.values()],
        holdings: [...holdings.values()],
    };
    parentPort!.postMessage(final);
});
