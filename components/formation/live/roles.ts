// Who is master and who replicates whom, in a cluster that already owns its slots: new masters
// for added shards, and replicas attached to the masters short of them.
import type Redis from "ioredis";
import { inspectAll, Log, NodeState, whenLoaded } from "./redis-client";
import { planCluster } from "../plan/plan";
import { pickNewMasters } from "../plan/reshape";
import { isReplica } from "../plan/topology";
import type { FormationNode, NodeInfo, Placed, Shape } from "../types";
import { FormationError } from "./formation-error";

/**
 * The masters the shape wants: those owning slots, plus (when the shard count grew) new ones
 * chosen among empty masters, which the rebalance then gives their share of the slots.
 */
export async function designateMasters(nodes: FormationNode[], shape: Shape, clients: Map<string, Redis>, log: Log): Promise<string[]> {
    const states = await inspectAll(nodes, clients);
    const placed = (s: NodeState): Placed => {
        const n = nodes.find((x) => x.name === s.node.name)!;
        return { name: n.name, host: n.host, zone: n.zone };
    };
    const owners = states.filter((s) => s.myself.slots.length > 0);
    const missing = shape.shards - owners.length;
    if (missing <= 0) return owners.map((s) => s.node.name);
    const candidates = states
        .filter((s) => s.myself.slots.length === 0 && !isReplica(s.myself) && s.keys === 0)
        .map((s) => ({ ...placed(s), followed: states.some((r) => r.myself.masterId === s.id) }));
    const chosen = pickNewMasters(candidates, owners.map(placed), missing);
    if (chosen.length < missing) {
        throw new FormationError(
            `shards ${owners.length} -> ${shape.shards} needs ${missing} empty nodes to become masters, ` +
                `but only ${chosen.length} are free (${chosen.join(", ") || "none"}); every other node owns slots or replicates`,
        );
    }
    log(
        `${chosen.length === 1 ? `${chosen[0]} becomes the master of a new shard` : `${chosen.join(", ")} become masters of new shards`} (${owners.length} -> ${shape.shards})`,
    );
    return [...owners.map((s) => s.node.name), ...chosen];
}

/**
 * Nodes that are not masters of the shape become replicas. Replicas already following one of
 * those masters stay; the others go to the masters with the fewest replicas, on another host
 * (and zone) where possible.
 */
export async function attachReplicas(
    nodes: FormationNode[],
    shape: Shape,
    clients: Map<string, Redis>,
    log: Log,
    masterNames: string[],
): Promise<number> {
    const states = await inspectAll(nodes, clients);
    const byId = new Map(states.map((s) => [s.id, s]));
    const masters = states.filter((s) => masterNames.includes(s.node.name));
    const followers = new Map<string, string[]>(masters.map((m) => [m.id, []]));
    const free: NodeState[] = [];
    for (const s of states.filter((x) => !masters.includes(x))) {
        const master = s.myself.masterId;
        if (isReplica(s.myself) && master && followers.has(master)) followers.get(master)!.push(s.id);
        else free.push(s);
    }
    const planned = freshPlan(nodes, shape, states);
    let changes = 0;
    for (const s of free) {
        const target =
            planned.get(s.node.name) && followers.has(planned.get(s.node.name)!)
                ? planned.get(s.node.name)!
                : chooseMaster(s, masters, followers, nodes);
        log(`${s.node.name} replicates ${byId.get(target)!.node.name}`);
        await whenLoaded(() => clients.get(s.node.name)!.call("CLUSTER", "REPLICATE", target));
        followers.get(target)!.push(s.id);
        changes++;
    }
    return changes;
}

/** On a fresh formation, follow the planner's placement (master id by replica name). */
function freshPlan(nodes: FormationNode[], shape: Shape, states: NodeState[]): Map<string, string> {
    const out = new Map<string, string>();
    if (states.some((s) => isReplica(s.myself)) || nodes.length !== shape.shards * (1 + shape.replicasPerShard)) return out;
    const plan = planCluster(nodes.map(toNodeInfo), shape);
    const idOf = (name: string) => states.find((s) => s.node.name === name)!.id;
    for (const shard of plan.shards) for (const r of shard.replicas) out.set(r, idOf(shard.master));
    return out;
}

function chooseMaster(replica: NodeState, masters: NodeState[], followers: Map<string, string[]>, nodes: FormationNode[]): string {
    const place = (name: string) => nodes.find((n) => n.name === name)!;
    const me = place(replica.node.name);
    const score = (m: NodeState) => {
        const p = place(m.node.name);
        const sameHost = me.host !== "" && p.host === me.host ? 2 : 0;
        const sameZone = me.zone !== "" && p.zone === me.zone ? 1 : 0;
        return followers.get(m.id)!.length * 10 + sameHost + sameZone;
    };
    return [...masters].sort((a, b) => score(a) - score(b) || a.node.name.localeCompare(b.node.name))[0].id;
}

export function toNodeInfo(n: FormationNode): NodeInfo {
    return { name: n.name, address: `${n.ip}:${n.port}`, host: n.host || n.name, zone: n.zone };
}
