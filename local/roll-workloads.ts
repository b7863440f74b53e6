// up's rolling step: each StatefulSet's pods that run an older pod template are replaced one at a
// time, as Kubernetes rolls a StatefulSet (local/rollout.ts decides the order and the waits).
import type { PodPlan } from "./pod";
import { progress, startPod, stopPod, waitForProbe } from "./pod-lifecycle";
import { workloadOf } from "./pod-plans";
import { rollOut } from "./rollout";
import type { Rendered } from "./stack-render";
import { LocalPodState, LocalState, saveState } from "./state";

export async function rollWorkloads(
    r: Rendered,
    dir: string,
    state: LocalState,
    pods: LocalPodState[],
    plans: PodPlan[],
    password: Record<string, string>,
): Promise<void> {
    const planOf = (pod: LocalPodState) => plans.find((p) => p.name === pod.name)!;
    for (const w of r.workloads) {
        await rollOut({
            dir,
            revision: w.revision,
            pods: pods.filter((p) => workloadOf(r, p) === w),
            allReady: () => Promise.all(plans.map((p) => waitForProbe(p, "readiness", 120000))).then(() => undefined),
            stop: async (pod) => {
                const plan = planOf(pod);
                pod.stopping = pod.pids;
                pod.pids = {};
                saveState(dir, state);
                const output = await stopPod({ ...pod, pids: pod.stopping }, plan.terminationGracePeriodSeconds * 1000, plan);
                delete pod.stopping;
                saveState(dir, state);
                return output;
            },
            start: async (pod) => {
                const plan = planOf(pod);
                Object.assign(pod, await startPod(r.objects, r.workloads[0].statefulSet, plan, password));
                saveState(dir, state);
                await waitForProbe(plan, "startup", 60000);
            },
            save: () => saveState(dir, state),
            log: progress,
        });
    }
}
