// A rendered pod's redis container as a child process of the caller, for tests and benchmarks
// that manage pods one by one (local mode's `up` runs whole pods detached).
import { ChildProcess, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { KubeObject } from "../components/kubernetes/object";
import { materializeVolumes, planPod, SecretValues, startContainer, stopProcess } from "../local/pod";

export interface LocalPod {
    name: string;
    ip: string;
    root: string;
    env: Record<string, string>;
    process: ChildProcess;
    /** What the container printed so far. */
    output(): string;
    /** Runs a script of the scripts ConfigMap with the pod's environment. */
    runScript(script: string, ...args: string[]): { status: number | null; stdout: string };
    stop(): Promise<void>;
}

export function startRedisPod(objects: KubeObject[], ordinal: number, ip: string, password: SecretValues): LocalPod {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `redis-pod-${ordinal}-`));
    const plan = planPod(objects, ordinal, ip, root, password);
    materializeVolumes(objects, plan, password);
    const redis = plan.containers.find((c) => c.name === "redis")!;
    const proc = startContainer(redis);
    let log = "";
    proc.stdout!.on("data", (d) => (log += d));
    proc.stderr!.on("data", (d) => (log += d));
    return {
        name: plan.name,
        ip,
        root,
        env: redis.env,
        process: proc,
        output: () => log,
        runScript(script, ...args) {
            const r = spawnSync("sh", [path.join(root, "scripts", script), ...args], {
                env: { ...process.env, ...redis.env },
                encoding: "utf8",
            });
            return { status: r.status, stdout: r.stdout + r.stderr };
        },
        stop: () => (proc.pid ? stopProcess(proc.pid, 15000) : Promise.resolve()),
    };
}
