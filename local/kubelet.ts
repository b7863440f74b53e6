// What the kubelet does to a container spec before it runs, as pure functions: resolve the
// environment (literal values, field refs, Secret and ConfigMap refs, $(VAR) expansion) and map
// each mount path to a directory on this machine. Local mode and the integration tests run the
// rendered containers through these, so the scripts see what they would see in a pod.

export interface PodIdentity {
    name: string;
    namespace: string;
    ip: string;
    /** Known when a real API server scheduled the pod (`npm run kube`). */
    uid?: string;
    nodeName?: string;
    hostIP?: string;
    serviceAccountName?: string;
    /** The pod's labels (with a real API server, those admission added at binding too). */
    labels?: Record<string, string>;
}

export interface EnvSources {
    secrets: Record<string, Record<string, string>>;
    configMaps: Record<string, Record<string, string>>;
}

interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: {
        fieldRef?: { fieldPath: string };
        secretKeyRef?: { name: string; key: string };
        configMapKeyRef?: { name: string; key: string };
    };
}

const FIELDS: Record<string, (p: PodIdentity) => string> = {
    "metadata.name": (p) => p.name,
    "metadata.namespace": (p) => p.namespace,
    "status.podIP": (p) => p.ip,
    "metadata.uid": (p) => known(p.uid, "metadata.uid"),
    "spec.nodeName": (p) => known(p.nodeName, "spec.nodeName"),
    "status.hostIP": (p) => known(p.hostIP, "status.hostIP"),
    "spec.serviceAccountName": (p) => p.serviceAccountName ?? "default",
};

function known(value: string | undefined, field: string): string {
    if (value === undefined) throw new Error(`${field} is known only to a pod the API server scheduled`);
    return value;
}

/** The container's environment as the kubelet would set it. Unknown references are errors, not blanks. */
export function resolveEnv(env: EnvVar[], pod: PodIdentity, sources: EnvSources): Record<string, string> {
    const out: Record<string, string> = {};
    for (const v of env) {
        out[v.name] = resolveOne(v, pod, sources, out);
    }
    return out;
}

function resolveOne(v: EnvVar, pod: PodIdentity, sources: EnvSources, earlier: Record<string, string>): string {
    if (v.value !== undefined) {
        // $(NAME) expands variables defined earlier in the list; $$ escapes, unknown names stay as written.
        return v.value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name) =>
            m === "$$" ? "$" : name in earlier ? earlier[name] : m,
        );
    }
    const from = v.valueFrom ?? {};
    if (from.fieldRef) {
        // metadata.labels['key']: the label's value, "" when the pod has no such label (as the kubelet does).
        const label = /^metadata\.labels\['([^']+)'\]$/.exec(from.fieldRef.fieldPath);
        if (label) return pod.labels?.[label[1]] ?? "";
        const field = FIELDS[from.fieldRef.fieldPath];
        if (!field) throw new Error(`env ${v.name}: unsupported fieldRef ${from.fieldRef.fieldPath}`);
        return field(pod);
    }
    const ref = from.secretKeyRef ?? from.configMapKeyRef;
    const store = from.secretKeyRef ? sources.secrets : sources.configMaps;
    if (ref) {
        const value = store[ref.name]?.[ref.key];
        if (value === undefined) throw new Error(`env ${v.name}: ${ref.name}/${ref.key} does not exist`);
        return value;
    }
    throw new Error(`env ${v.name}: no value or supported valueFrom`);
}

/**
 * Rewrites every environment value that names a mount path (or a path below one) to the local
 * directory standing in for that mount.
 */
export function mapMountPaths(env: Record<string, string>, mounts: Record<string, string>): Record<string, string> {
    const sorted = Object.keys(mounts).sort((a, b) => b.length - a.length);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
        const mount = sorted.find((m) => v === m || v.startsWith(m + "/"));
        out[k] = mount ? mounts[mount] + v.slice(mount.length) : v;
    }
    return out;
}

/**
 * A Secret or ConfigMap volume's files as the kubelet projects them: every key, or with `items`
 * only the keys listed, each under its `path`. A listed key the source lacks fails the mount.
 */
export function volumeItems(files: Record<string, string>, items?: { key: string; path: string }[]): Record<string, string> {
    if (!items) return files;
    return Object.fromEntries(
        items.map(({ key, path }) => {
            if (files[key] === undefined) throw new Error(`volume item ${key} does not exist in its source`);
            return [path, files[key]];
        }),
    );
}
