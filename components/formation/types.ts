// The formation's node, shape and shard layout, declared once. The program passes nodes in
// (NodeInput), the planners place them (Placed, NodeInfo), the live code reaches them
// (NodeAddress, FormationNode) and reports the layout back (ShardState); each is this one node
// or a Pick of it, so a field added here reaches every step. Types only: the serialized
// providers and the pure planners import it without loading anything.

/** A pod of the shape as the program declares it: the formation resource's input. */
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

/** What placement decisions look at: the pod, its Kubernetes node and zone. */
export type Placed = Pick<NodeInput, "name" | "host" | "zone">;

/** The slot planner's node: `address` is "ip:port", one per node; `host` "" counts as a host of its own. */
export type NodeInfo = Placed & { address: string };

/** A node as this process reaches it with a Redis client. */
export interface NodeAddress extends Pick<NodeInput, "name" | "port"> {
    /** IP address other nodes reach it at (CLUSTER MEET takes IPs only). */
    ip: string;
    /**
     * Where this process reaches it, when not at ip:port (a local port-forward); `problem` is what
     * the forward last reported going wrong, if it is failing now.
     */
    connect?: { host: string; port: number; problem?: () => string | undefined };
    /** TLS: the CA that signed the nodes' certificate, and the name to verify it against (none for an IP). */
    tls?: { ca: string; servername?: string };
}

/** A node formation works on: reached at its address, placed on its Kubernetes node and zone. */
export interface FormationNode extends NodeAddress, Pick<NodeInput, "host" | "zone"> {}

/** How many shards, and how many replicas each master has. */
export interface Shape {
    shards: number;
    replicasPerShard: number;
}

/** One shard as the nodes report it: the formation resource's `shardLayout` entries. */
export interface ShardState {
    master: string;
    masterId: string;
    replicas: string[];
    replicaIds: string[];
    slots: string;
    /** Keys the master held when last seen: the preview's estimate of what a reshard moves. */
    keys: number;
}

/** A shard as a stored state records it; only the master and its slots are sure to be there. */
export type RecordedShard = Pick<ShardState, "master" | "slots"> & Partial<Pick<ShardState, "replicas" | "keys">>;
