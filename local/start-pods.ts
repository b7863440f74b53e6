// up's pods step: every pod the stack asks for that does not run starts, pods the stack no longer
// has stop, and the running ones are published under their DNS names and pass their startup probes.
import { progress, startPod, stopPod, waitForProbe } from "./pod-lifecycle";
import { refuseTakenAddresses } from "./leftovers";
import { publishPods } from "./pod-network";
import { podPlan, workloadOf } from "./pod-plans";
import { recordEvent } from "./rollout";
import type { Rendered } from "./stack-render";
import { LocalPodState, LocalState, saveState } from "./state";
import type { UpPlan } from "./up-plan";

/** Starts the missing pods and stops the extra ones; the deployment's pods, as its state now holds them. */
export async function startPods(
    r: Rendered,
    dir: string,
    state: LocalState,
    up: UpPlan,
    password: Record<string, string>,
): Promise<LocalPodState[]> {
    const { plans, known, running } = up;
    const own = new Set(state.pods.flatMap((p) => [...Object.values(p.pids), ...Object.values(p.stopping ?? {})]));
    refuseTakenAddresses(
        plans.filter((p) => !running.has(p.name)),
        own,
    );
    // Missing pods start all at once, as the StatefulSets' podManagementPolicy (Parallel) has
    // Kubernetes do: a restore fetches every shard at the same time.
    const pods: LocalPodState[] = await Promise.all(
        plans.map(async (plan) => {
            const previous = known.get(plan.name);
            // A rolling update interrupted while it stopped this pod: finish the stop first.
            if (previous?.stopping)
                await stopPod({ ...previous, pids: previous.stopping }, plan.terminationGracePeriodSeconds * 1000, plan);
            const revision = workloadOf(r, plan).revision;
            const live = running.get(plan.name);
            if (live) {
                live.revision ??= revision;
                return live;
            }
            recordEvent(dir, { t: Date.now(), pod: plan.name, event: "create", revision });
            const started = { ...(await startPod(r.objects, r.workloads[0].statefulSet, plan, password)), revision };
            recordEvent(dir, { t: Date.now(), pod: started.name, event: "start", revision: started.revision });
            return started;
        }),
    );
    // Out of the state before they stop, so the kubelet does not restart them.
    state.pods = pods;
    saveState(dir, state);
    for (const extra of up.extraPods) {
        progress(`stopping ${extra.name}: the stack no longer has it`);
        await stopPod(extra, 30000, podPlan(r, dir, extra, password, extra.address));
    }
    publishPods(dir, r, pods);
    await Promise.all(plans.map((p) => waitForProbe(p, "startup", 60000)));
    return pods;
}
