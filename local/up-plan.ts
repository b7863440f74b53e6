// up's plan: the pods the stack asks for, each at the address it already has, with the
// NetworkPolicies loaded for them before any of them starts; and which of the deployment's pods
// run now, or are no longer in the stack.
import { isAlive, PodPlan } from "./pod";
import { enforcePolicies } from "./pod-network";
import { desiredPods, PodRef, podPlan } from "./pod-plans";
import type { Rendered } from "./stack-render";
import type { LocalPodState, LocalState } from "./state";

export interface UpPlan {
    /** Every pod the stack asks for. */
    plans: PodPlan[];
    /** The deployment's pods the stack no longer has. */
    extraPods: LocalPodState[];
    /** The deployment's pods as its state knows them, by name. */
    known: Map<string, LocalPodState>;
    /** Those of them whose every process is alive. */
    running: Map<string, LocalPodState>;
}

export function planUp(r: Rendered, dir: string, state: LocalState, password: Record<string, string>): UpPlan {
    const known = new Map(state.pods.map((p) => [p.name, p]));
    // A pod keeps the address it has (a rescheduled pod may have moved).
    const planAt = (ref: PodRef) => {
        const plan = podPlan(r, dir, ref, password);
        const address = known.get(plan.name)?.address;
        return address ? podPlan(r, dir, ref, password, address) : plan;
    };
    // Before any pod starts: the policies, and each pod's cgroup (which its plan then names).
    const drafts = desiredPods(r).map(planAt);
    const extraPods = state.pods.filter((p) => !drafts.some((plan) => plan.name === p.name));
    enforcePolicies(dir, r, [...drafts.map((p) => ({ name: p.name, address: p.ip, statefulSet: p.statefulSet })), ...extraPods]);
    const plans = desiredPods(r).map(planAt);
    const running = new Map(
        state.pods.filter((p) => Object.keys(p.pids).length > 0 && Object.values(p.pids).every(isAlive)).map((p) => [p.name, p]),
    );
    return { plans, extraPods, known, running };
}
