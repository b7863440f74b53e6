// One container of a pod as a process inside its node's network: started, watched, probed,
// restarted with the kubelet's back-off, and stopped with its preStop hook and grace period.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import type { ContainerPlan } from "../../local/pod";
import { dueProbes, newTrack, recordResult, restarted, type ContainerTrack, type ProbeKind } from "../../local/probe-schedule";
import { run } from "./network";
import { KubeProbe, runKubeProbe } from "./probes";

export interface Terminated {
    exitCode: number;
    reason: string;
    startedAt: string;
    finishedAt: string;
}

/** The kubelet's crash back-off: 10 s, doubling, at most 5 minutes. */
export const backoffMs = (restarts: number): number => Math.min(10_000 * 2 ** Math.max(0, restarts - 1), 300_000);

export class Container {
    private child?: ChildProcess;
    private track: ContainerTrack = newTrack();
    private probing = false;
    startedAt?: string;
    terminated?: Terminated;
    lastTerminated?: Terminated;
    /** When a crashed container may start again. */
    private notBefore = 0;
    private stopping = false;

    constructor(
        readonly name: string,
        private readonly plan: ContainerPlan,
        private readonly probes: Partial<Record<ProbeKind, KubeProbe>>,
        private readonly ip: string,
        private readonly inPod: (argv: string[]) => string[],
        private readonly logFile: string,
    ) {}

    get running(): boolean {
        return this.child !== undefined && this.terminated === undefined;
    }
    get pid(): number | undefined {
        return this.running ? this.child!.pid : undefined;
    }
    get restarts(): number {
        return this.track.restarts;
    }
    get started(): boolean {
        return this.running && (!this.probes.startup || this.track.started);
    }
    /** Ready: running, started, and its last readiness result passed (or it has no readiness probe). */
    get ready(): boolean {
        if (!this.started) return false;
        return !this.probes.readiness || this.track.probes.readiness?.last?.ok === true;
    }
    get waitingReason(): string | undefined {
        if (this.running) return undefined;
        return this.terminated && Date.now() < this.notBefore ? "CrashLoopBackOff" : "ContainerCreating";
    }

    private env(): NodeJS.ProcessEnv {
        return { ...process.env, ...this.plan.env };
    }

    start(): void {
        if (this.running || this.stopping || Date.now() < this.notBefore) return;
        if (this.terminated) {
            this.lastTerminated = this.terminated;
            this.track = { ...restarted(this.track) };
        }
        this.terminated = undefined;
        const out = fs.openSync(this.logFile, "a");
        const argv = this.inPod(this.plan.argv);
        const child = spawn(argv[0], argv.slice(1), { env: this.env(), detached: true, stdio: ["ignore", out, out] });
        fs.closeSync(out);
        this.child = child;
        this.startedAt = new Date().toISOString();
        const started = this.startedAt;
        child.on("error", (e) => fs.appendFileSync(this.logFile, `start failed: ${e.message}\n`));
        child.on("exit", (code, signal) => {
            if (this.child !== child) return;
            const exitCode = code ?? (signal === "SIGKILL" ? 137 : 143);
            this.terminated = {
                exitCode,
                reason: exitCode === 0 ? "Completed" : "Error",
                startedAt: started,
                finishedAt: new Date().toISOString(),
            };
            this.notBefore = Date.now() + backoffMs(this.track.restarts + 1);
        });
    }

    /** Runs the probes that are due; a failed liveness (or startup) probe restarts the container. */
    async probe(): Promise<void> {
        if (!this.running || this.probing || this.stopping) return;
        this.probing = true;
        try {
            const now = Date.now();
            const sinceStart = now - Date.parse(this.startedAt!);
            const due = dueProbes({ probes: this.probes }, this.track, now).filter(
                (k) => sinceStart >= this.probes[k]!.initialDelaySeconds * 1000,
            );
            for (const kind of due) {
                const r = await runKubeProbe(this.probes[kind]!, this.ip, this.inPod, this.env());
                if (!this.running) return;
                if (recordResult({ probes: this.probes }, this.track, kind, r.ok, r.output, Date.now())) {
                    fs.appendFileSync(
                        this.logFile,
                        `${kind} probe failed ${this.probes[kind]!.failureThreshold} times (${r.output}): restarting\n`,
                    );
                    await this.stop(30_000, true);
                    this.notBefore = 0;
                    this.stopping = false;
                    return;
                }
            }
        } finally {
            this.probing = false;
        }
    }

    /** preStop hook (if `hook`), SIGTERM, SIGKILL at the deadline; done when the process is gone. */
    async stop(graceMs: number, hook: boolean): Promise<string | undefined> {
        this.stopping = true;
        const child = this.child;
        if (!child || this.terminated) return undefined;
        const deadline = Date.now() + graceMs;
        let hookOutput: string | undefined;
        if (hook && this.plan.preStop) {
            const r = await run(this.inPod(this.plan.preStop), this.env(), Math.max(1, graceMs));
            hookOutput = r.output.trim();
            fs.appendFileSync(this.logFile, `preStop exited ${r.code}: ${hookOutput}\n`);
        }
        const exited = new Promise<void>((resolve) => (this.terminated ? resolve() : child.once("exit", () => resolve())));
        signal(child.pid!, "SIGTERM");
        const timer = setTimeout(() => signal(child.pid!, "SIGKILL"), Math.max(0, deadline - Date.now()));
        await exited;
        clearTimeout(timer);
        // The container's other processes (a container runtime ends the whole container).
        signal(child.pid!, "SIGKILL");
        return hookOutput;
    }
}

function signal(pid: number, sig: NodeJS.Signals): void {
    try {
        process.kill(-pid, sig);
    } catch {
        // the group is gone already
    }
}
