// A test oracle for Kubernetes NetworkPolicy (networking.k8s.io/v1): given policies, namespaces
// and endpoints, may A open a connection to B on port P? It follows the API documentation:
// - A pod is isolated for ingress (egress) when any policy in its namespace selects it and has
//   that policy type. policyTypes defaults to ["Ingress"], plus "Egress" when egress rules exist.
// - A connection needs both ends to allow it: the source's egress (unless the source is not
//   isolated for egress) and the destination's ingress (unless not isolated for ingress).
// - Policies are additive: some rule of some policy selecting the pod must match peer and port.
// - A rule without `from`/`to` (or with an empty list) matches every peer; without `ports` (or
//   empty) every port.
// - Peers: podSelector alone means pods of the policy's namespace; namespaceSelector alone every
//   pod of the matching namespaces; both in one peer means pods matching the podSelector in the
//   matching namespaces (AND); ipBlock matches addresses in `cidr` and not in any `except`.
// - Ports: protocol defaults to TCP; `port` is a number or the name of a container port of the
//   destination pod; `endPort` makes a numeric port a range; a rule port without `port` matches
//   every port of its protocol.
// Endpoints outside the cluster (the internet, the machine running `pulumi up`) are addresses
// that no policy selects and that only ipBlock peers match.
import { BlockList, isIPv6 } from "net";

export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface Namespace {
    name: string;
    labels: Record<string, string>;
}

export interface ContainerPort {
    name?: string;
    containerPort: number;
    protocol?: string;
}

export interface PodEndpoint {
    kind: "pod";
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ip: string;
    ports?: ContainerPort[];
}

export interface ExternalEndpoint {
    kind: "external";
    name: string;
    ip: string;
}

export type Endpoint = PodEndpoint | ExternalEndpoint;

export interface NetworkPolicy {
    metadata: { name: string; namespace?: string };
    spec: {
        podSelector: LabelSelector;
        policyTypes?: string[];
        ingress?: PolicyRule[];
        egress?: PolicyRule[];
    };
}

interface PolicyRule {
    from?: Peer[];
    to?: Peer[];
    ports?: { protocol?: string; port?: number | string; endPort?: number }[];
}

interface Peer {
    podSelector?: LabelSelector;
    namespaceSelector?: LabelSelector;
    ipBlock?: { cidr: string; except?: string[] };
}

/** Kubernetes label selector semantics; an empty selector matches everything. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
        if (labels[k] !== v) return false;
    }
    for (const e of selector.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const values = e.values ?? [];
        switch (e.operator) {
            case "In":
                if (!has || !values.includes(labels[e.key])) return false;
                break;
            case "NotIn":
                if (has && values.includes(labels[e.key])) return false;
                break;
            case "Exists":
                if (!has) return false;
                break;
            case "DoesNotExist":
                if (has) return false;
                break;
            default:
                throw new Error(`unknown selector operator ${e.operator}`);
        }
    }
    return true;
}

function inCidr(ip: string, cidr: string): boolean {
    const [net, prefix] = cidr.split("/");
    const family = isIPv6(net) ? "ipv6" : "ipv4";
    if ((isIPv6(ip) ? "ipv6" : "ipv4") !== family) return false;
    const list = new BlockList();
    list.addSubnet(net, Number(prefix), family);
    return list.check(ip, family);
}

export class Cluster {
    constructor(
        readonly namespaces: Namespace[],
        readonly policies: NetworkPolicy[],
    ) {}

    private namespaceLabels(name: string): Record<string, string> {
        const ns = this.namespaces.find((n) => n.name === name);
        if (!ns) throw new Error(`namespace ${name} is not part of the model`);
        return ns.labels;
    }

    /** Policies in the pod's namespace that select it. */
    private policiesFor(pod: PodEndpoint): NetworkPolicy[] {
        return this.policies.filter(
            (p) => (p.metadata.namespace ?? "default") === pod.namespace && selectorMatches(p.spec.podSelector, pod.labels),
        );
    }

    private static types(p: NetworkPolicy): string[] {
        return p.spec.policyTypes ?? ["Ingress", ...(p.spec.egress ? ["Egress"] : [])];
    }

    private peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
        if (peer.ipBlock) {
            return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
        }
        if (other.kind !== "pod") return false;
        const nsOk = peer.namespaceSelector
            ? selectorMatches(peer.namespaceSelector, this.namespaceLabels(other.namespace))
            : other.namespace === policyNamespace;
        const podOk = peer.podSelector ? selectorMatches(peer.podSelector, other.labels) : true;
        return nsOk && podOk;
    }

    private static portMatches(rulePorts: PolicyRule["ports"], dest: Endpoint, port: number, protocol: string): boolean {
        if (!rulePorts || rulePorts.length === 0) return true;
        return rulePorts.some((rp) => {
            if ((rp.protocol ?? "TCP") !== protocol) return false;
            if (rp.port === undefined) return true;
            if (typeof rp.port === "string") {
                // A named port is resolved against the destination pod's container ports.
                if (dest.kind !== "pod") return false;
                return (dest.ports ?? []).some(
                    (cp) => cp.name === rp.port && cp.containerPort === port && (cp.protocol ?? "TCP") === protocol,
                );
            }
            return rp.endPort !== undefined ? port >= rp.port && port <= rp.endPort : port === rp.port;
        });
    }

    /** Whether `pod`'s policies let the connection through in `direction`. */
    private allows(
        pod: PodEndpoint,
        direction: "Ingress" | "Egress",
        other: Endpoint,
        dest: Endpoint,
        port: number,
        protocol: string,
    ): boolean {
        const selecting = this.policiesFor(pod).filter((p) => Cluster.types(p).includes(direction));
        if (selecting.length === 0) return true; // not isolated in this direction
        return selecting.some((p) => {
            const rules = (direction === "Ingress" ? p.spec.ingress : p.spec.egress) ?? [];
            const ns = p.metadata.namespace ?? "default";
            return rules.some((r) => {
                const peers = direction === "Ingress" ? r.from : r.to;
                const peerOk = !peers || peers.length === 0 || peers.some((peer) => this.peerMatches(peer, ns, other));
                return peerOk && Cluster.portMatches(r.ports, dest, port, protocol);
            });
        });
    }

    /** May `from` open a connection to `to` on `port`/`protocol`? */
    mayConnect(from: Endpoint, to: Endpoint, port: number, protocol = "TCP"): boolean {
        const egressOk = from.kind !== "pod" || this.allows(from, "Egress", to, to, port, protocol);
        const ingressOk = to.kind !== "pod" || this.allows(to, "Ingress", from, to, port, protocol);
        return egressOk && ingressOk;
    }
}

/** A namespace as Kubernetes labels it (`kubernetes.io/metadata.name`), with extra labels. */
export const namespace = (name: string, labels: Record<string, string> = {}): Namespace => ({
    name,
    labels: { ...labels, "kubernetes.io/metadata.name": name },
});
