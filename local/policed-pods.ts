// Which pods local mode polices, and where: every pod of the deployment's StatefulSets at its
// address, and the Job pods (from the CronJobs) at theirs. NetworkPolicy enforcement applies to
// exactly these; anything else on the machine is outside the cluster (or, 127.0.0.1, the host).
import type { KubeObject } from "../components/kubernetes/object";
import { identitiesOf, PodToPolice } from "./network-policy-enforcement";
import type { LocalPodIdentity } from "./network-policy-rules";
import { JOB_ADDRESS_ORDINAL, JOB_POD_NAME, podAddress } from "./state";

/** Pure: the identities of `pods` (name, address, StatefulSet) and of the Job pods, if any CronJob renders. */
export function policedPodsOf(objects: KubeObject[], pods: { name: string; address: string; statefulSet: string }[]): LocalPodIdentity[] {
    const listed: PodToPolice[] = pods.map((p) => ({
        name: p.name,
        address: p.address,
        template: { kind: "StatefulSet", name: p.statefulSet },
    }));
    const cronJobs = objects.filter((o) => o.kind === "CronJob") as any[];
    if (cronJobs.length > 0) {
        // Every Job runs at one address: its CronJobs must give their pods the same labels.
        const labels = cronJobs.map((c) => JSON.stringify(c.spec.jobTemplate.spec.template.metadata?.labels ?? {}));
        const differ = labels.findIndex((l) => l !== labels[0]);
        if (differ >= 0) {
            throw new Error(
                `network policy enforcement: CronJobs ${cronJobs[0].metadata.name} and ${cronJobs[differ].metadata.name} ` +
                    `label their pods differently (${labels[0]} vs ${labels[differ]}), but local mode runs every Job at one address`,
            );
        }
        listed.push({
            name: JOB_POD_NAME,
            address: podAddress(JOB_ADDRESS_ORDINAL),
            template: { kind: "CronJob", name: cronJobs[0].metadata.name },
        });
    }
    return identitiesOf(objects, listed);
}
