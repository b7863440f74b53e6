// Every pod of a rendered stack as local mode runs it: which pods the StatefulSets ask for, each
// one's plan (processes, files, address, cgroup) and its name under its headless Service.
import * as path from "path";
import { planPod, PodPlan, SecretValues } from "./pod";
import { podCgroupDir } from "./network-policy-enforcement";
import { secretsOf } from "./secrets";
import type { Rendered, Workload } from "./stack-render";
import { render } from "./stack-render";
import { LocalPodState, podAddress, stateDir } from "./state";

/** A pod by its StatefulSet (absent: the Redis pods') and ordinal. */
export type PodRef = Pick<LocalPodState, "statefulSet" | "ordinal">;

export function workloadOf(r: Rendered, pod: PodRef): Workload {
    const w = r.workloads.find((x) => x.statefulSet === (pod.statefulSet ?? r.workloads[0].statefulSet));
    if (!w) throw new Error(`the stack renders no StatefulSet ${pod.statefulSet}`);
    return w;
}

/** The pod's name under its headless Service, as the cluster DNS answers it. */
export function podName(r: Rendered, pod: PodRef & { name: string }): string {
    return `${pod.name}.${workloadOf(r, pod).podDomain}`;
}

export function podPlan(r: Rendered, dir: string, pod: PodRef, password: SecretValues, address?: string): PodPlan {
    const w = workloadOf(r, pod);
    // The Redis pods keep their historical directory names; other StatefulSets' pods are named.
    const root = w === r.workloads[0] ? `pod-${pod.ordinal}` : `${w.statefulSet}-${pod.ordinal}`;
    const plan = planPod(
        r.objects,
        pod.ordinal,
        address ?? podAddress(w.addressOffset + pod.ordinal),
        path.join(dir, "pods", root),
        password,
        w.statefulSet,
    );
    // Enforced policies: every process of the pod (containers, init containers, probes, hooks) joins its cgroup.
    const cgroup = podCgroupDir(dir, plan.name);
    if (cgroup) for (const c of [...plan.initContainers, ...plan.containers]) c.cgroup = cgroup;
    return plan;
}

/** Every pod the stack's StatefulSets ask for. */
export function desiredPods(r: Rendered): PodRef[] {
    return r.workloads.flatMap((w, i) =>
        Array.from({ length: w.replicas }, (_, ordinal) => ({ ...(i > 0 ? { statefulSet: w.statefulSet } : {}), ordinal })),
    );
}

/** For the kubelet: the plan of any pod of the stack, from one render. */
export async function renderPodPlans(stack: string): Promise<(pod: PodRef, address: string) => PodPlan> {
    const r = await render(stack);
    const dir = stateDir(stack);
    const password = secretsOf(r, dir);
    return (pod, address) => podPlan(r, dir, pod, password, address);
}
