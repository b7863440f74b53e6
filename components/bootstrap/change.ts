// What an update of the formation resource means, decided from old and new inputs alone (pure),
// so that the preview can say it before anything runs.
export interface NodeInput {
    /** Pod name: the node's stable identity. */
    name: string;
    /** Where to reach it: an IP or a DNS name (resolved to an IP, since CLUSTER MEET takes IPs). */
    address: string;
    port: number;
    /** Kubernetes node and zone, "" when unknown. */
    host: string;
    zone: string;
}

export interface ShapeInput {
    shards: number;
    replicasPerShard: number;
}

export type ChangeKind = "none" | "addresses" | "replicas" | "shards" | "config";

export interface Change {
    kind: ChangeKind;
    /** One line for the preview. */
    summary: string;
}

type Described = { nodes: NodeInput[]; redisConfig?: Record<string, string> } & ShapeInput;

export function describeChange(olds: Described, news: Described): Change {
    if (olds.shards !== news.shards) {
        return { kind: "shards", summary: `shards ${olds.shards} -> ${news.shards}: needs resharding (slots and keys move between masters)` };
    }
    if (olds.replicasPerShard !== news.replicasPerShard) {
        const oldNames = new Set(olds.nodes.map((n) => n.name));
        const newNames = new Set(news.nodes.map((n) => n.name));
        const joining = [...newNames].filter((n) => !oldNames.has(n));
        const leaving = [...oldNames].filter((n) => !newNames.has(n));
        const parts = [
            ...(joining.length ? [`${joining.join(", ")} join as replicas`] : []),
            ...(leaving.length ? [`${leaving.join(", ")} leave the cluster (forgotten once their pods are gone)`] : []),
        ];
        return {
            kind: "replicas",
            summary: `replicas per shard ${olds.replicasPerShard} -> ${news.replicasPerShard}: ${parts.join("; ") || "no node changes"}; no slot moves`,
        };
    }
    const moved = news.nodes.filter((n) => {
        const old = olds.nodes.find((o) => o.name === n.name);
        return !old || old.address !== n.address || old.port !== n.port || old.host !== n.host || old.zone !== n.zone;
    });
    if (moved.length > 0 || olds.nodes.length !== news.nodes.length) {
        return { kind: "addresses", summary: `addresses or placement changed for ${moved.map((n) => n.name).join(", ") || "removed nodes"}: the same cluster is adopted, nothing is re-formed` };
    }
    const config = Object.entries(news.redisConfig ?? {}).filter(([k, v]) => (olds.redisConfig ?? {})[k] !== v);
    if (config.length > 0) {
        const list = config.map(([k, v]) => `${k} ${JSON.stringify(olds.redisConfig?.[k])} -> ${JSON.stringify(v)}`).join(", ");
        return { kind: "config", summary: `${list}: applied live with CONFIG SET, no restart` };
    }
    return { kind: "none", summary: "no change" };
}
