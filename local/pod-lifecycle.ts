// One pod's lifecycle as the kubelet runs it: start (volumes, init containers, containers), wait
// for its probes, stop (preStop hooks, SIGTERM, SIGKILL after the grace period).
import * as fs from "fs";
import * as path from "path";
import type { KubeObject } from "../components/kubernetes/object";
import {
    commandLine,
    isAlive,
    materializeVolumes,
    PodPlan,
    runProbe,
    runToCompletionAsync,
    SecretValues,
    startContainer,
    stopProcess,
} from "./pod";
import type { LocalPodState } from "./state";

export const progress = (line: string) => process.stderr.write(`local: ${line}\n`);

/**
 * Starts a pod as the kubelet does: its volumes, the init containers in order, then the
 * containers detached. `mainStatefulSet` is the Redis pods' StatefulSet, whose pods the state
 * records without a StatefulSet name.
 */
export async function startPod(
    objects: KubeObject[],
    mainStatefulSet: string,
    plan: PodPlan,
    password: SecretValues,
): Promise<LocalPodState> {
    materializeVolumes(objects, plan, password);
    for (const init of plan.initContainers) {
        // Asynchronously: pods start in parallel (podManagementPolicy: Parallel), and a restore's
        // init container downloads a shard for as long as that takes.
        const result = await runToCompletionAsync({ ...init, argv: commandLine(init) });
        // Kept as the kubelet keeps them (`kubectl logs <pod> -c <init container>`).
        fs.writeFileSync(path.join(plan.root, `${init.name}.log`), result.output);
        if (result.status !== 0) throw new Error(`${plan.name}: init container ${init.name} failed: ${result.output}`);
    }
    const pids: Record<string, number> = {};
    for (const c of plan.containers) {
        const child = startContainer(c, path.join(plan.root, `${c.name}.log`));
        pids[c.name] = child.pid!;
    }
    progress(
        `started ${plan.name} on ${plan.ip} (${Object.entries(pids)
            .map(([c, p]) => `${c} ${p}`)
            .join(", ")})`,
    );
    const own = plan.statefulSet === mainStatefulSet ? {} : { statefulSet: plan.statefulSet };
    return { name: plan.name, ...own, ordinal: plan.ordinal, address: plan.ip, root: plan.root, pids };
}

/** Runs the pod's `kind` probes until all pass or `timeoutMs` ends. */
export async function waitForProbe(plan: PodPlan, kind: "startup" | "readiness", timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const results = plan.containers.map((c) => runProbe(c, kind)).filter((r) => r !== undefined);
        if (results.every((r) => r!.ok)) return;
        if (Date.now() > deadline)
            throw new Error(`${plan.name}: ${kind} probe still failing: ${results.map((r) => r!.output).join("; ")}`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

/**
 * Stops a pod as the kubelet does: each container's preStop hook runs first, then SIGTERM, then
 * SIGKILL when the grace period (which the hooks count against) runs out.
 */
export async function stopPod(pod: LocalPodState, graceMs: number, plan?: PodPlan): Promise<string> {
    const deadline = Date.now() + graceMs;
    const outputs: string[] = [];
    // REDIS_LOCAL_PRESTOP=off: a StatefulSet without lifecycle hooks (the Bitnami chart's), for
    // the rolling benchmark's plain roll; SIGTERM comes at once.
    const hooks = process.env.REDIS_LOCAL_PRESTOP === "off" ? [] : (plan?.containers ?? []);
    for (const c of hooks) {
        if (c.preStop && pod.pids[c.name] && isAlive(pod.pids[c.name])) {
            // Asynchronously, as a kubelet runs it: a preStop hook may wait seconds (a master's
            // handover and drain) and nothing else in this process should stand still meanwhile.
            const hook = await runToCompletionAsync({ ...c, argv: c.preStop });
            outputs.push(hook.output.trim().replace(/\n/g, "; ") || `exit ${hook.status}`);
            progress(`${pod.name}/${c.name} preStop: ${outputs[outputs.length - 1]}`);
        }
    }
    await Promise.all(Object.values(pod.pids).map((pid) => stopProcess(pid, Math.max(0, deadline - Date.now()))));
    return outputs.join("; ");
}
