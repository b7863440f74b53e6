// Parses what Redis says about a cluster (`CLUSTER NODES`, `INFO`) into plain data. Pure.
import type { SlotRange } from "./plan";

export interface ClusterNodeView {
    id: string;
    /** "ip:port" as the node announces it (cluster bus port and hostname stripped). */
    address: string;
    flags: string[];
    /** Master id for replicas, undefined for masters. */
    masterId?: string;
    slots: SlotRange[];
    /** Slots this node is migrating out or importing (left by an interrupted reshard). */
    migrating: { slot: number; to: string }[];
    importing: { slot: number; from: string }[];
    linkConnected: boolean;
}

export function parseClusterNodes(text: string): ClusterNodeView[] {
    return text
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
        .map(parseLine);
}

function parseLine(line: string): ClusterNodeView {
    const [id, addr, flagText, master, , , , link, ...slotFields] = line.split(" ");
    const view: ClusterNodeView = {
        id,
        address: addr.split("@")[0].split(",")[0],
        flags: flagText.split(","),
        masterId: master === "-" ? undefined : master,
        slots: [],
        migrating: [],
        importing: [],
        linkConnected: link === "connected",
    };
    for (const field of slotFields) {
        const mig = /^\[(\d+)->-([0-9a-f]+)\]$/.exec(field);
        const imp = /^\[(\d+)-<-([0-9a-f]+)\]$/.exec(field);
        if (mig) view.migrating.push({ slot: Number(mig[1]), to: mig[2] });
        else if (imp) view.importing.push({ slot: Number(imp[1]), from: imp[2] });
        else {
            const [a, b] = field.split("-").map(Number);
            view.slots.push({ start: a, end: b ?? a });
        }
    }
    return view;
}

/** "name:value" lines of INFO (or CLUSTER INFO) as a map. */
export function parseInfo(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const i = line.indexOf(":");
        if (i > 0 && !line.startsWith("#")) out[line.slice(0, i)] = line.slice(i + 1).trim();
    }
    return out;
}

export const isMyself = (n: ClusterNodeView) => n.flags.includes("myself");
export const isFailed = (n: ClusterNodeView) => n.flags.includes("fail") || n.flags.includes("noaddr");
export const isReplica = (n: ClusterNodeView) => n.flags.includes("slave");

/**
 * Nodes that own slots in any of `views` (each node's CLUSTER NODES) without being one of
 * `members` (node ids): a pod outside the shape, or one gone while it still owned them.
 */
export function slotOwnersOutside(views: ClusterNodeView[][], members: Set<string>): ClusterNodeView[] {
    const outside = new Map<string, ClusterNodeView>();
    for (const view of views)
        for (const v of view) if (v.slots.length > 0 && !members.has(v.id) && !outside.has(v.id)) outside.set(v.id, v);
    return [...outside.values()];
}
