// What the network knows of a deployment's pods: the NetworkPolicies the kernel enforces for their
// addresses, and the names the headless Services' DNS answers for them.
import { publishNames } from "./dns";
import { applyPolicies, enforcementMode } from "./network-policy-enforcement";
import { progress } from "./pod-lifecycle";
import { podName } from "./pod-plans";
import { policedPodsOf } from "./policed-pods";
import type { Rendered } from "./stack-render";
import type { LocalPodState } from "./state";

/** What the headless Service's DNS would answer now: running pods by name. */
export function publishPods(dir: string, r: Rendered, pods: LocalPodState[]): void {
    publishNames(
        dir,
        pods.filter((p) => Object.keys(p.pids).length > 0).map((p) => ({ address: p.address, name: podName(r, p) })),
    );
}

/**
 * Loads the deployment's NetworkPolicies into the kernel for `pods` at their addresses (before
 * they start, so their first connection is already judged), or says why they are not enforced.
 */
export function enforcePolicies(dir: string, r: Rendered, pods: { name: string; address: string; statefulSet?: string }[]): void {
    const mode = enforcementMode();
    if (!mode.on) {
        progress(`NetworkPolicies are NOT enforced: ${mode.reason}`);
        return;
    }
    const identities = policedPodsOf(
        r.objects,
        pods.map((p) => ({ ...p, statefulSet: p.statefulSet ?? r.workloads[0].statefulSet })),
    );
    const table = applyPolicies(dir, r.objects, identities);
    progress(`NetworkPolicies enforced by nftables table inet ${table} over ${identities.length} pod addresses`);
}
