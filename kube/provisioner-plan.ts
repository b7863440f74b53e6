// Pure: what the local provisioner should do, given the claims, volumes and classes it sees.
// It plays three roles a real cluster splits between a CSI driver's sidecars: the provisioner
// (a PV for each pending claim of our class), the deleter (a Released PV with reclaimPolicy
// Delete goes, with its directory) and the resizer (a grown request grows the PV and the claim's
// status capacity). The PV controller in kube-controller-manager still does the binding.
import * as path from "path";
import { parseQuantity } from "../components/settings/formats";

export const SELECTED_NODE = "volume.kubernetes.io/selected-node";
export const PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
export const HOSTNAME_LABEL = "kubernetes.io/hostname";

export type Action =
    | { kind: "create"; pv: any; dir: string }
    | { kind: "delete"; name: string; dir?: string }
    | { kind: "resize-pv"; name: string; size: string }
    | { kind: "resize-claim"; namespace: string; name: string; size: string };

/** A storage quantity ("1Gi", "500M", "1e9") in bytes; NaN when unreadable. */
export function bytes(quantity: string | undefined): number {
    return parseQuantity(quantity ?? "") ?? NaN;
}

/** The PV name for a claim: one per claim UID, as external provisioners name them. */
export function volumeName(pvc: any): string {
    return `pvc-${pvc.metadata.uid}`;
}

/** True when `dir` lies strictly inside `root`: the only directories the deleter may remove. */
export function inside(root: string, dir: string): boolean {
    const rel = path.relative(path.resolve(root), path.resolve(dir));
    return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

export function planVolume(pvc: any, cls: any, provisioner: string, volumesRoot: string): { pv: any; dir: string } {
    const name = volumeName(pvc);
    const dir = path.join(volumesRoot, name);
    const node = pvc.metadata.annotations?.[SELECTED_NODE];
    return {
        dir,
        pv: {
            apiVersion: "v1",
            kind: "PersistentVolume",
            metadata: { name, annotations: { [PROVISIONED_BY]: provisioner } },
            spec: {
                capacity: { storage: pvc.spec.resources.requests.storage },
                accessModes: pvc.spec.accessModes,
                persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? "Delete",
                storageClassName: cls.metadata.name,
                volumeMode: "Filesystem",
                claimRef: {
                    apiVersion: "v1",
                    kind: "PersistentVolumeClaim",
                    namespace: pvc.metadata.namespace,
                    name: pvc.metadata.name,
                    uid: pvc.metadata.uid,
                },
                hostPath: { path: dir, type: "DirectoryOrCreate" },
                // The data lives with the node the scheduler chose: the pod stays there, as with local disks.
                ...(node
                    ? {
                          nodeAffinity: {
                              required: {
                                  nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: "In", values: [node] }] }],
                              },
                          },
                      }
                    : {}),
            },
        },
    };
}

export function plan(pvcs: any[], pvs: any[], classes: any[], provisioner: string, volumesRoot: string): Action[] {
    const ours = new Map(classes.filter((c) => c.provisioner === provisioner).map((c) => [c.metadata.name, c]));
    const pvByName = new Map(pvs.map((pv) => [pv.metadata.name, pv]));
    const actions: Action[] = [];
    for (const pvc of pvcs) {
        const cls = ours.get(pvc.spec?.storageClassName);
        if (!cls || pvc.metadata.deletionTimestamp) continue;
        const request = pvc.spec.resources?.requests?.storage;
        if (!pvc.spec.volumeName && pvc.status?.phase === "Pending") {
            if (pvByName.has(volumeName(pvc)) || (pvc.spec.volumeMode ?? "Filesystem") !== "Filesystem" || !request) continue;
            // WaitForFirstConsumer: provision only once the scheduler has picked the consumer's node.
            if (cls.volumeBindingMode === "WaitForFirstConsumer" && !pvc.metadata.annotations?.[SELECTED_NODE]) continue;
            actions.push({ kind: "create", ...planVolume(pvc, cls, provisioner, volumesRoot) });
            continue;
        }
        const pv = pvByName.get(pvc.spec.volumeName);
        if (pvc.status?.phase !== "Bound" || pv?.metadata.annotations?.[PROVISIONED_BY] !== provisioner) continue;
        if (bytes(request) > bytes(pv.spec.capacity?.storage)) {
            actions.push({ kind: "resize-pv", name: pv.metadata.name, size: request });
        } else if (bytes(request) > bytes(pvc.status.capacity?.storage)) {
            // Second step, once the PV has grown: what a resizer reports when a filesystem needs no online resize.
            actions.push({ kind: "resize-claim", namespace: pvc.metadata.namespace, name: pvc.metadata.name, size: request });
        }
    }
    for (const pv of pvs) {
        if (pv.metadata.annotations?.[PROVISIONED_BY] !== provisioner || pv.metadata.deletionTimestamp) continue;
        if (pv.status?.phase === "Released" && pv.spec.persistentVolumeReclaimPolicy === "Delete") {
            const dir = pv.spec.hostPath?.path;
            actions.push({ kind: "delete", name: pv.metadata.name, dir: dir && inside(volumesRoot, dir) ? dir : undefined });
        }
    }
    return actions;
}
