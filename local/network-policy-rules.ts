// Pure: a deployment's rendered NetworkPolicies as one nftables table over local mode's loopback
// addresses. Every pod (and Job pod) is a loopback address plus a cgroup holding all of its
// processes; the table
//   1. marks each packet a pod's processes send (`socket cgroupv2`, output hook), and gives the
//      connections that would leave from 127.0.0.1 the pod's address instead (SNAT, postrouting),
//      so a probe's or a script's redis-cli leaves from its pod as it would in a network namespace;
//   2. judges every new connection that starts or ends at one of the pods (input hook on lo): it
//      must pass the source's egress and the destination's ingress, as Kubernetes requires;
//   3. records each judged connection (source, destination, protocol, port) in the set `accepted`
//      or `refused`, so tests can check what really happened against the policies.
// 127.0.0.1 is the host: the test harness, local mode's own CLI and the formation provider, which
// in a cluster reach pods through the API server (port-forward) or the kubelet, paths that
// NetworkPolicy does not govern. Its connections are accepted and recorded, never judged.

export interface Selector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PolicyPeer {
    podSelector?: Selector;
    namespaceSelector?: Selector;
    ipBlock?: { cidr: string; except?: string[] };
}
export interface PolicyPort {
    protocol?: string;
    port?: number | string;
    endPort?: number;
}
export interface PolicyRule {
    from?: PolicyPeer[];
    to?: PolicyPeer[];
    ports?: PolicyPort[];
}

export interface Policy {
    metadata: { name: string; namespace?: string };
    spec: { podSelector: Selector; policyTypes?: string[]; ingress?: PolicyRule[]; egress?: PolicyRule[] };
}

/** One pod as local mode runs it: its identity in the cluster and its place on this machine. */
export interface LocalPodIdentity {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    address: string;
    /** Container ports, for named ports in ingress rules. */
    ports?: { name?: string; containerPort: number; protocol?: string }[];
    /** The pod's cgroup as nft names it: a path below /sys/fs/cgroup and its level in the cgroup2 tree. */
    cgroup?: { path: string; level: number };
}

/** A local server standing in for a remote one: policy port `port` to an ipBlock also reaches `address:localPort`. */
export interface StandIn {
    port: number;
    protocol?: string;
    address: string;
    localPort: number;
    what: string;
}

export interface RulesetInput {
    table: string;
    pods: LocalPodIdentity[];
    policies: Policy[];
    /** Packet marks `markBase + i` tag pod i's packets; unique per table so tables never meet. */
    markBase: number;
    /** The host's address (port-forward, API server and kubelet stand-in). */
    host?: string;
    standIns?: StandIn[];
}

export const HOST_ADDRESS = "127.0.0.1";
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
const POLICED = ["tcp", "udp", "sctp"];

/** Kubernetes label selector semantics; an empty selector matches everything. */
export function matchesSelector(selector: Selector, labels: Record<string, string>): boolean {
    const ok = (e: NonNullable<Selector["matchExpressions"]>[number]) => {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const values = e.values ?? [];
        switch (e.operator) {
            case "In":
                return has && values.includes(labels[e.key]);
            case "NotIn":
                return !has || !values.includes(labels[e.key]);
            case "Exists":
                return has;
            case "DoesNotExist":
                return !has;
            default:
                throw new Error(`NetworkPolicy selector: operator ${e.operator} is not one of In, NotIn, Exists, DoesNotExist`);
        }
    };
    return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) && (selector.matchExpressions ?? []).every(ok);
}

const ipv4ToInt = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
const isIpv6 = (cidr: string) => cidr.includes(":");

/** Whether IPv4 `ip` lies in IPv4 `cidr`. */
export function inIpv4Cidr(ip: string, cidr: string): boolean {
    const [net, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits ?? 32));
    return Math.floor(ipv4ToInt(ip) / size) === Math.floor(ipv4ToInt(net) / size);
}

const typesOf = (p: Policy) => p.spec.policyTypes ?? ["Ingress", ...(p.spec.egress ? ["Egress"] : [])];
const namespaceOf = (p: Policy) => p.metadata.namespace ?? "default";

/** The policies selecting `pod` for `direction`; none means the pod is not isolated that way. */
function selecting(input: RulesetInput, pod: LocalPodIdentity, direction: "Ingress" | "Egress"): Policy[] {
    return input.policies.filter(
        (p) => namespaceOf(p) === pod.namespace && matchesSelector(p.spec.podSelector, pod.labels) && typesOf(p).includes(direction),
    );
}

/** nft match clauses for one peer (the other end's address), or none when it matches no address here. */
function peerClauses(input: RulesetInput, peer: PolicyPeer, policyNamespace: string, field: "saddr" | "daddr"): string[] {
    if (peer.ipBlock) {
        const family = isIpv6(peer.ipBlock.cidr) ? "ip6" : "ip";
        const except = (peer.ipBlock.except ?? []).filter((c) => isIpv6(c) === (family === "ip6"));
        return [`${family} ${field} ${peer.ipBlock.cidr}${except.length > 0 ? ` ${family} ${field} != { ${except.join(", ")} }` : ""}`];
    }
    const addresses = input.pods
        .filter((pod) => {
            const nsOk = peer.namespaceSelector
                ? matchesSelector(peer.namespaceSelector, { [NAMESPACE_NAME_LABEL]: pod.namespace })
                : pod.namespace === policyNamespace;
            return nsOk && matchesSelector(peer.podSelector ?? {}, pod.labels);
        })
        .map((pod) => pod.address);
    return addresses.length > 0 ? [`ip ${field} { ${[...new Set(addresses)].join(", ")} }`] : [];
}

/** nft match clauses for a rule's ports (`ingressPod`: the destination, for named ports). */
function portClauses(ports: PolicyPort[] | undefined, ingressPod?: LocalPodIdentity): string[] {
    if (!ports || ports.length === 0) return [""];
    const byProtocol = new Map<string, string[] | "any">();
    for (const p of ports) {
        const proto = (p.protocol ?? "TCP").toLowerCase();
        let numbers: string[];
        if (p.port === undefined) numbers = [];
        else if (typeof p.port === "string") {
            if (!ingressPod) throw new Error(`NetworkPolicy port ${p.port}: named ports are enforced locally in ingress rules only`);
            numbers = (ingressPod.ports ?? [])
                .filter((cp) => cp.name === p.port && (cp.protocol ?? "TCP").toLowerCase() === proto)
                .map((cp) => String(cp.containerPort));
            if (numbers.length === 0) continue; // the pod has no such port: the rule port matches nothing
        } else numbers = [p.endPort !== undefined ? `${p.port}-${p.endPort}` : String(p.port)];
        const known = byProtocol.get(proto);
        if (p.port === undefined || known === "any") byProtocol.set(proto, "any");
        else byProtocol.set(proto, [...(known ?? []), ...numbers]);
    }
    return [...byProtocol].map(([proto, numbers]) =>
        numbers === "any" ? `meta l4proto ${proto}` : `meta l4proto ${proto} th dport { ${numbers.join(", ")} }`,
    );
}

/** Extra allowing rules: a stand-in on this machine for what the rule allows at `port` on a remote ipBlock. */
function standInClauses(input: RulesetInput, peer: PolicyPeer, ports: PolicyPort[] | undefined): string[] {
    const block = peer.ipBlock;
    if (!block || isIpv6(block.cidr)) return [];
    return (input.standIns ?? [])
        .filter(
            (s) =>
                inIpv4Cidr(s.address, block.cidr) &&
                !(block.except ?? []).some((c) => !isIpv6(c) && inIpv4Cidr(s.address, c)) &&
                (!ports ||
                    ports.length === 0 ||
                    ports.some(
                        (p) =>
                            (p.protocol ?? "TCP").toLowerCase() === (s.protocol ?? "tcp").toLowerCase() &&
                            (p.port === undefined ||
                                p.port === s.port ||
                                (typeof p.port === "number" && p.endPort !== undefined && s.port >= p.port && s.port <= p.endPort)),
                    )),
        )
        .map(
            (s) =>
                `ip daddr ${s.address} meta l4proto ${(s.protocol ?? "tcp").toLowerCase()} th dport ${s.localPort} return comment "${s.what} stands in for port ${s.port}"`,
        );
}

/** The rules of pod's chain in `direction`: each allowed (peer, port) returns; the rest is refused. */
function directionChain(input: RulesetInput, pod: LocalPodIdentity, direction: "Ingress" | "Egress"): string[] {
    const lines: string[] = [];
    const field = direction === "Ingress" ? "saddr" : "daddr";
    for (const policy of selecting(input, pod, direction)) {
        const rules = (direction === "Ingress" ? policy.spec.ingress : policy.spec.egress) ?? [];
        for (const rule of rules) {
            const peers = (direction === "Ingress" ? rule.from : rule.to) ?? [];
            const ports = portClauses(rule.ports, direction === "Ingress" ? pod : undefined);
            const peerMatches = peers.length === 0 ? [""] : peers.flatMap((peer) => peerClauses(input, peer, namespaceOf(policy), field));
            for (const peer of peerMatches) {
                for (const port of ports) lines.push(`${[peer, port].filter(Boolean).join(" ")} return comment "${policy.metadata.name}"`);
            }
            if (direction === "Egress") for (const peer of peers) lines.push(...standInClauses(input, peer, rule.ports));
        }
    }
    lines.push("goto refuse");
    return lines;
}

const chainName = (direction: "Ingress" | "Egress", i: number) => `${direction.toLowerCase()}-${i}`;
const hex = (n: number) => `0x${n.toString(16)}`;
const tuple = "ip saddr . ip daddr . meta l4proto . th dport";

/** The whole table as an `nft -f` script that replaces any earlier version of it atomically. */
export function buildRuleset(input: RulesetInput): string {
    const host = input.host ?? HOST_ADDRESS;
    const pods = input.pods;
    if (pods.length === 0) throw new Error("network policy enforcement: no pods to police");
    const dupes = pods.map((p) => p.address).filter((a, i, all) => all.indexOf(a) !== i);
    if (dupes.length > 0) throw new Error(`network policy enforcement: address ${dupes[0]} is given to more than one pod`);
    const set = (items: string[]) => `{ ${items.join(", ")} }`;
    const isolated = (direction: "Ingress" | "Egress") =>
        pods.map((p, i) => ({ p, i })).filter(({ p }) => selecting(input, p, direction).length > 0);
    const vmap = (field: string, direction: "Ingress" | "Egress") => {
        const entries = isolated(direction).map(({ p, i }) => `${p.address} : jump ${chainName(direction, i)}`);
        return entries.length > 0 ? [`ip ${field} vmap ${set(entries)}`] : [];
    };
    const attributed = pods.map((p, i) => ({ p, mark: input.markBase + i })).filter(({ p }) => p.cgroup);
    const chain = (name: string, lines: string[], hook?: string) => [
        `  chain ${name} {`,
        ...(hook ? [`    ${hook}`] : []),
        ...lines.map((l) => `    ${l}`),
        "  }",
    ];
    const recordSet = (name: string) => [
        `  set ${name} {`,
        "    type ipv4_addr . ipv4_addr . inet_proto . inet_service",
        "    flags dynamic",
        "    size 65535",
        "  }",
    ];
    const table = [
        `table inet ${input.table} {`,
        "  set pods {",
        "    type ipv4_addr",
        `    elements = ${set(pods.map((p) => p.address))}`,
        "  }",
        "  set self {",
        "    type ipv4_addr . ipv4_addr",
        `    elements = ${set(pods.map((p) => `${p.address} . ${p.address}`))}`,
        "  }",
        ...recordSet("accepted"),
        ...recordSet("refused"),
        // A pod's processes: tag their packets by the pod's cgroup...
        ...chain(
            "attribute",
            attributed.map(
                ({ p, mark }) =>
                    `socket cgroupv2 level ${p.cgroup!.level} "${p.cgroup!.path}" meta mark set ${hex(mark)} comment "${p.name}"`,
            ),
            "type filter hook output priority mangle; policy accept;",
        ),
        // ...and what would leave from the host's address leaves from the pod's.
        ...chain(
            "source",
            attributed.map(
                ({ p, mark }) => `oifname "lo" ip saddr ${host} meta mark ${hex(mark)} snat ip to ${p.address} comment "${p.name}"`,
            ),
            "type nat hook postrouting priority srcnat; policy accept;",
        ),
        ...chain(
            "police",
            [
                'iifname != "lo" accept',
                "ct state != new accept",
                `meta l4proto != ${set(POLICED)} accept`,
                "ip saddr != @pods ip daddr != @pods accept",
                'ip saddr . ip daddr @self accept comment "a pod to itself"',
                `ip saddr ${host} add @accepted { ${tuple} } accept comment "the host: API server, port-forward, kubelet"`,
                ...vmap("saddr", "Egress"),
                ...vmap("daddr", "Ingress"),
                `add @accepted { ${tuple} } accept`,
            ],
            "type filter hook input priority filter; policy accept;",
        ),
        ...chain("refuse", [
            `add @refused { ${tuple} } counter`,
            // Real CNIs mostly drop; refusing at once keeps a forbidden call from hanging a probe.
            "meta l4proto tcp reject with tcp reset",
            "reject",
        ]),
        ...isolated("Egress").flatMap(({ p, i }) => chain(chainName("Egress", i), directionChain(input, p, "Egress"))),
        ...isolated("Ingress").flatMap(({ p, i }) => chain(chainName("Ingress", i), directionChain(input, p, "Ingress"))),
        "}",
    ];
    // Declaring the table first makes the delete safe when it does not exist yet.
    return [`table inet ${input.table}`, `delete table inet ${input.table}`, ...table, ""].join("\n");
}
