// What an update of the formation resource means, decided from old and new inputs alone (pure),
// so that the preview can say it before anything runs.
import { isDeepStrictEqual } from "util";
import type { NodeInput, RecordedShard, Shape } from "../types";
import { planReshape } from "./reshape";
import { isUnknown, unknownKeys } from "./unknowns";

/**
 * "settings": only inputs that do no work on the nodes changed (the admin password after a
 * rotation, timeouts, connectivity); the update just stores them, so that refresh and later
 * updates reach the cluster with what is current. "unknown": the shape is not known before apply.
 */
export type ChangeKind = "none" | "addresses" | "replicas" | "shards" | "config" | "settings" | "unknown";

export interface Change {
    kind: ChangeKind;
    /** One line for the preview. */
    summary: string;
}

type Described = { nodes: NodeInput[]; redisConfig?: Record<string, string>; shardLayout?: RecordedShard[] } & Shape;

/** What the diff compares to plan cluster work; anything else the inputs hold is a setting. */
const SHAPE_KEYS = ["nodes", "shards", "replicasPerShard", "redisConfig"];
/** Outputs (olds hold them, news do not) and the serialized provider: never settings. */
const NOT_SETTINGS = new Set([...SHAPE_KEYS, "nodeIds", "shardLayout", "replicasByMaster", "__provider"]);

export function describeChange(olds: Described, news: Described): Change {
    const pending = unknownShape(news);
    if (pending)
        return {
            kind: "unknown",
            summary: `${pending} known only after apply: the update adopts the cluster and reshapes it if needed, never re-forms it`,
        };
    if (olds.shards !== news.shards) return { kind: "shards", summary: describeReshard(olds, news) };
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
        return {
            kind: "addresses",
            summary: `addresses or placement changed for ${moved.map((n) => n.name).join(", ") || "removed nodes"}: the same cluster is adopted, nothing is re-formed`,
        };
    }
    const config = Object.entries(news.redisConfig ?? {}).filter(([k, v]) => (olds.redisConfig ?? {})[k] !== v);
    if (config.length > 0) {
        const list = config.map(([k, v]) => `${k} ${JSON.stringify(olds.redisConfig?.[k])} -> ${JSON.stringify(v)}`).join(", ");
        return { kind: "config", summary: `${list}: applied live with CONFIG SET, no restart` };
    }
    const settings = changedSettings(olds, news);
    if (settings.length > 0)
        return { kind: "settings", summary: `${settings.join(", ")}: stored for refresh and later updates; nothing runs on the nodes` };
    return { kind: "none", summary: "no change" };
}

/** The shape inputs the preview does not know yet ("nodes, shards"), or "" when all are known. */
function unknownShape(news: Described): string {
    return unknownKeys(news as unknown as Record<string, unknown>)
        .filter((k) => SHAPE_KEYS.includes(k))
        .join(", ");
}

/** One preview phrase per changed setting; a password or an object is named, never printed. */
function changedSettings(oldInputs: Described, newInputs: Described): string[] {
    const olds = oldInputs as unknown as Record<string, unknown>;
    const news = newInputs as unknown as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(news), ...Object.keys(olds)])].filter((k) => !NOT_SETTINGS.has(k)).sort();
    return keys
        .filter((k) => !isDeepStrictEqual(olds[k], news[k]))
        .map((k) => {
            const name = k === "password" ? "admin password" : k;
            if (isUnknown(news[k])) return `${name} (known after apply)`;
            if (k === "password" || typeof news[k] === "object" || typeof olds[k] === "object") return `${name} changed`;
            return `${name} ${JSON.stringify(olds[k])} -> ${JSON.stringify(news[k])}`;
        });
}

/** The reshard the preview promises: new masters, slot ranges moved and about how many keys. */
function describeReshard(olds: Described, news: Described): string {
    const head = `shards ${olds.shards} -> ${news.shards}`;
    if (!olds.shardLayout?.length)
        return `${head}: slots and keys move between masters (no recorded layout to plan from; run pulumi refresh for a detailed plan)`;
    const plan = planReshape(olds.shardLayout, news.nodes, news.shards);
    const leaving = olds.nodes.map((n) => n.name).filter((n) => !news.nodes.some((m) => m.name === n));
    const parts =
        news.shards > olds.shards
            ? [
                  plan.newMasters.length === 1
                      ? `${plan.newMasters[0]} becomes the master of a new shard`
                      : `${plan.newMasters.join(", ")} become masters of new shards`,
              ]
            : [
                  `${plan.drained.join(", ")} give${plan.drained.length === 1 ? "s" : ""} up ${plan.drained.length === 1 ? "its" : "their"} slots before ${leaving.join(", ")} ${leaving.length === 1 ? "is" : "are"} removed`,
              ];
    const total = plan.moves.reduce((a, m) => a + m.slots.reduce((b, r) => b + r.end - r.start + 1, 0), 0);
    return `${head}: ${parts.join("; ")}; ${total} slots move: ${plan.lines.join("; ")}`;
}

/** The drain resource's part: which pods leave, drained before the StatefulSet shrinks. */
export function describeDrain(olds: Described, news: Described): Change {
    const pending = unknownShape(news);
    if (pending)
        return {
            kind: "unknown",
            summary: `${pending} known only after apply: pods that leave the shape will be drained before the StatefulSet shrinks`,
        };
    const leaving = olds.nodes.map((n) => n.name).filter((n) => !news.nodes.some((m) => m.name === n));
    if (leaving.length === 0) {
        const changed = olds.shards !== news.shards || olds.replicasPerShard !== news.replicasPerShard;
        return { kind: changed ? "shards" : "none", summary: changed ? "no pod leaves: nothing to drain" : "no change" };
    }
    return {
        kind: "shards",
        summary:
            `${leaving.join(", ")} leave the shape: before the StatefulSet shrinks, leaving masters hand over to staying ` +
            "replicas or have their slots migrated to staying masters, and staying pods regroup as replicas",
    };
}
