// Objects every cluster gets once the API is ready, applied with the real kubectl:
// - the default StorageClass `local-path`, served by our provisioner (kube/provisioner.ts);
// - the RBAC that provisioner needs (it authenticates as its own user, not as admin);
// - minimal CRDs for ServiceMonitor, PrometheusRule (Prometheus Operator) and Certificate
//   (cert-manager). No operator runs here: the CRDs exist so that every stack applies, and
//   they keep whatever they are given (x-kubernetes-preserve-unknown-fields) without acting on it.
import { stringify } from "yaml";
import { kubectlOk } from "./kubectl";
import { PROVISIONER_USER } from "./pki";

export const STORAGE_CLASS = "local-path";
export const PROVISIONER_NAME = "redis-kube.local/hostpath";

/** A note on each stand-in object, so `kubectl describe` says what it is. */
const STAND_IN = { "redis-kube.local/note": "stand-in made by npm run kube: no operator acts on these objects" };

export function storageClass(): object {
    return {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: PROVISIONER_NAME,
        reclaimPolicy: "Delete",
        // The scheduler picks the node first (zone spread, affinity), then the volume is made for it
        // and pinned there, as local-path and zonal cloud disks behave. A claim no pod uses stays
        // Pending, which is what a real cluster with this mode shows too.
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
    };
}

export function provisionerRbac(): object[] {
    const name = "redis-kube:local-path-provisioner";
    return [
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name },
            rules: [
                {
                    apiGroups: [""],
                    resources: ["persistentvolumes"],
                    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
                },
                { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "list", "watch", "update", "patch"] },
                { apiGroups: [""], resources: ["persistentvolumeclaims/status"], verbs: ["get", "update", "patch"] },
                { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
                { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
                { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
            ],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: PROVISIONER_USER }],
        },
    ];
}

interface CrdName {
    group: string;
    kind: string;
    plural: string;
    shortNames?: string[];
}

export const CRDS: CrdName[] = [
    { group: "monitoring.coreos.com", kind: "ServiceMonitor", plural: "servicemonitors", shortNames: ["smon"] },
    { group: "monitoring.coreos.com", kind: "PrometheusRule", plural: "prometheusrules", shortNames: ["promrule"] },
    { group: "cert-manager.io", kind: "Certificate", plural: "certificates", shortNames: ["cert", "certs"] },
];

/** A structural CRD that accepts any spec: the smallest schema the API server allows. */
export function crd(c: CrdName): object {
    const anything = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `${c.plural}.${c.group}`, annotations: STAND_IN },
        spec: {
            group: c.group,
            scope: "Namespaced",
            names: { kind: c.kind, listKind: `${c.kind}List`, plural: c.plural, singular: c.kind.toLowerCase(), shortNames: c.shortNames },
            versions: [
                {
                    name: "v1",
                    served: true,
                    storage: true,
                    schema: { openAPIV3Schema: { ...anything, properties: { spec: anything, status: anything } } },
                    subresources: { status: {} },
                },
            ],
        },
    };
}

export function bootstrapObjects(): object[] {
    return [storageClass(), ...provisionerRbac(), ...CRDS.map(crd)];
}

/** Applies the bootstrap objects and waits (bounded) until the CRDs are established. */
export function applyBootstrap(bin: string, kubeconfig: string): void {
    const yaml = bootstrapObjects()
        .map((o) => stringify(o))
        .join("---\n");
    kubectlOk(bin, kubeconfig, ["apply", "-f", "-"], { input: yaml, timeoutMs: 120000 });
    kubectlOk(
        bin,
        kubeconfig,
        ["wait", "--for=condition=Established", "--timeout=120s", ...CRDS.map((c) => `crd/${c.plural}.${c.group}`)],
        { timeoutMs: 130000 },
    );
}
