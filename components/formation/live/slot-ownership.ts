// Formation and the scale-in drain each see only the pods they are given. Slots owned by a node
// outside them would be left out of the rebalance, and their keys with them: CI met it after a
// scale-out that failed midway, when the scale-in knew only the smaller shape. Both steps check
// the slot map as the pods they keep see it, and stop with the owners named.
import type Redis from "ioredis";
import { formatRanges } from "../plan/plan";
import { ClusterNodeView, isFailed, slotOwnersOutside } from "../plan/topology";
import type { NodeAddress } from "../types";
import { FormationError } from "./formation-error";
import { inspectAll } from "./redis-client";

/** Nodes owning slots, as the `kept` pods see it, that are not kept pods; each named by pod when `nodes` has it. */
async function ownersBeyond(
    nodes: NodeAddress[],
    clients: Map<string, Redis>,
    kept: (name: string) => boolean,
): Promise<{ view: ClusterNodeView; name: string }[]> {
    const states = await inspectAll(nodes, clients);
    const keepers = states.filter((s) => kept(s.node.name));
    const outside = slotOwnersOutside(
        keepers.map((s) => s.view),
        new Set(keepers.map((s) => s.id)),
    );
    const known = new Map(states.map((s) => [s.id, s.node.name]));
    return outside.map((view) => ({
        view,
        name: known.get(view.id) ?? `${view.address} (node ${view.id.slice(0, 8)}${isFailed(view) ? ", failed" : ""})`,
    }));
}

const listed = (owners: { view: ClusterNodeView; name: string }[]) =>
    owners.map((o) => `${formatRanges(o.view.slots)} by ${o.name}`).join("; ");

/** Formation, before it rebalances: every slot owned by a pod of the shape. */
export async function refuseSlotsOutsideShape(nodes: NodeAddress[], clients: Map<string, Redis>): Promise<void> {
    const owners = await ownersBeyond(nodes, clients, () => true);
    if (owners.length === 0) return;
    throw new FormationError(
        `slots are owned by nodes that are not among the ${nodes.length} pods of this shape: ${listed(owners)}. ` +
            "Their keys are on those nodes (a removed pod's volume claim keeps them): bring the pods back (the shard count that had them) " +
            "and run up again, so that they are drained before they go. Nothing was moved.",
    );
}

/** The drain, before the StatefulSet may shrink: every slot owned by a staying pod. */
export async function refuseUndrained(nodes: NodeAddress[], clients: Map<string, Redis>, staying: Set<string>): Promise<void> {
    const owners = await ownersBeyond(nodes, clients, (name) => staying.has(name));
    if (owners.length === 0) return;
    throw new FormationError(
        `scale-in stopped before any pod goes: slots are still owned by nodes that do not stay: ${listed(owners)}. ` +
            `This drain knew ${nodes.length} pods (the shape it last saw); a node outside them owns slots, for example after a ` +
            "scale-out that failed midway. Run up with the larger shard count until it succeeds, then scale in.",
    );
}
