// What the StatefulSet controller does with `updateStrategy: RollingUpdate` when the pod template
// changes: replace pods one at a time, from the highest ordinal down, each only when every pod is
// Ready, and the next only once the replaced one is Ready again. Readiness means the node sees
// `cluster_state:ok` and, for a replica, a live link to its master, so a master is stopped only
// when its replica has every write, and the preStop hook hands its slots over first. Progress is
// saved per pod and each step is recorded in events.jsonl, so a rollout interrupted anywhere
// continues where it was on the next `up`.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { LocalPodState } from "./state";

export interface RolloutEvent {
    t: number;
    pod: string;
    /** create: a new pod begins (volumes, then init containers); start: its containers run; stop: it stopped. */
    event: "create" | "stop" | "start";
    revision: string;
    /** What the preStop hook printed (stop events). */
    preStop?: string;
}

export interface RolloutSteps {
    /** The deployment's state directory (events.jsonl goes there). */
    dir: string;
    revision: string;
    pods: LocalPodState[];
    /** Waits until every pod passes its readiness probe. */
    allReady(): Promise<void>;
    /** Stops the pod gracefully (preStop, SIGTERM); returns what the hooks printed. */
    stop(pod: LocalPodState): Promise<string>;
    /** Starts the pod from the current template, in place, until its startup probe passes. */
    start(pod: LocalPodState): Promise<void>;
    /** Persists the pods' state. */
    save(): void;
    log(line: string): void;
}

/** A StatefulSet's revision: the hash of its pod template, as controller-revision-hash is. */
export function templateRevision(statefulSet: { spec: { template: unknown } }): string {
    return crypto.createHash("sha256").update(JSON.stringify(statefulSet.spec.template)).digest("hex").slice(0, 10);
}

/** Pods not on `revision`, in the order the controller replaces them: highest ordinal first. */
export function outdated(pods: LocalPodState[], revision: string): LocalPodState[] {
    return pods.filter((p) => p.revision !== revision).sort((a, b) => b.ordinal - a.ordinal);
}

export async function rollOut(steps: RolloutSteps): Promise<number> {
    const queue = outdated(steps.pods, steps.revision);
    for (const [i, pod] of queue.entries()) {
        await steps.allReady();
        steps.log(
            `rolling update ${i + 1}/${queue.length}: replacing ${pod.name} (revision ${pod.revision ?? "unknown"} -> ${steps.revision})`,
        );
        const preStop = await steps.stop(pod);
        recordEvent(steps.dir, { t: Date.now(), pod: pod.name, event: "stop", revision: steps.revision, preStop });
        await steps.start(pod);
        pod.revision = steps.revision;
        steps.save();
        recordEvent(steps.dir, { t: Date.now(), pod: pod.name, event: "start", revision: steps.revision });
    }
    if (queue.length > 0) await steps.allReady();
    return queue.length;
}

/** Appends to the deployment's record of pod creations, stops and starts (events.jsonl). */
export function recordEvent(dir: string, event: RolloutEvent): void {
    fs.appendFileSync(path.join(dir, "events.jsonl"), JSON.stringify(event) + "\n");
}

export function readEvents(dir: string): RolloutEvent[] {
    const file = path.join(dir, "events.jsonl");
    if (!fs.existsSync(file)) return [];
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
}
