// Every pod a set of rendered objects would run, as (where, labels, annotations, spec): the
// templates of workloads (StatefulSet, Deployment, DaemonSet, ReplicaSet, Job, CronJob's
// jobTemplate) and bare Pods. Policy and pod-security checks go through this one list, so a
// workload kind added later is checked without touching the tests.
import type { KubeObject } from "../../components/kubernetes/object";

export interface PodTemplate {
    /** e.g. "CronJob/redis-backup-daily". */
    where: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    spec: any;
}

const TEMPLATE_KINDS = ["StatefulSet", "Deployment", "DaemonSet", "ReplicaSet", "Job"];

export function podTemplates(objects: KubeObject[]): PodTemplate[] {
    const out: PodTemplate[] = [];
    for (const o of objects as any[]) {
        const template =
            o.kind === "Pod"
                ? o
                : o.kind === "CronJob"
                  ? o.spec?.jobTemplate?.spec?.template
                  : TEMPLATE_KINDS.includes(o.kind)
                    ? o.spec?.template
                    : undefined;
        if (!template) continue;
        out.push({
            where: `${o.kind}/${o.metadata.name}`,
            labels: template.metadata?.labels ?? {},
            annotations: template.metadata?.annotations ?? {},
            spec: template.spec,
        });
    }
    return out;
}

/** Every container of a pod spec: init, regular and ephemeral. */
export function allContainers(spec: any): any[] {
    return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}
