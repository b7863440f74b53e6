// NetworkPolicies: deny every connection of the deployment's pods by default, then allow exactly
// what each pod group needs. Policies only add permissions, so each one below is one reason for a
// connection and can be reviewed on its own; docs/security.md's "who may reach what" table mirrors
// them.
import { ClusterSpec, PORTS } from "../settings/spec";
import { KubeObject, meta } from "./object";

/** Set by Kubernetes (1.21+) on every namespace: the only namespace label one can rely on. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values: string[] }[] };
type Peer = { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: { cidr: string } };
type Port = { protocol: "TCP" | "UDP"; port: number };
type Rule = { peers?: Peer[]; ports: Port[] };

const tcp = (...ports: number[]): Port[] => ports.map((port) => ({ protocol: "TCP", port }));
const pods = (labels: Record<string, string>): Peer => ({ podSelector: { matchLabels: { ...labels } } });

/**
 * One selector for several label sets: keys they share with one value become matchLabels, keys
 * whose values differ become an `In` expression. Built from the spec's selector labels, so the
 * label values stay spelled in one place.
 */
export function selectorForAny(labelSets: Record<string, string>[]): Selector {
    const keys = Object.keys(labelSets[0]).filter((k) => labelSets.every((l) => k in l));
    const matchLabels: Record<string, string> = {};
    const matchExpressions: NonNullable<Selector["matchExpressions"]> = [];
    for (const key of keys) {
        const values = [...new Set(labelSets.map((l) => l[key]))];
        if (values.length === 1) matchLabels[key] = values[0];
        else matchExpressions.push({ key, operator: "In", values });
    }
    return { matchLabels, ...(matchExpressions.length > 0 ? { matchExpressions } : {}) };
}

/** Every pod group of this deployment: Redis, Sentinel and the backup Jobs. */
function ownPods(spec: ClusterSpec): Selector {
    return selectorForAny([spec.selectorLabels, spec.sentinelSelectorLabels, spec.backupSelectorLabels]);
}

/**
 * The applications' pods: whole allowed namespaces, or, when pod labels are given, only pods with
 * those labels (in the allowed namespaces or this one); plus the allowed address ranges.
 */
export function clientPeers(spec: ClusterSpec): Peer[] {
    const np = spec.settings.networkPolicy;
    const labels = np.allowedPodLabels;
    const byLabels = Object.keys(labels).length > 0;
    const peers: Peer[] = [];
    if (byLabels) peers.push(pods(labels));
    if (np.allowedNamespaces.length > 0) {
        peers.push({
            namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "In", values: [...np.allowedNamespaces] }] },
            // In one peer both selectors must match (AND): labelled pods of the allowed namespaces.
            ...(byLabels ? { podSelector: { matchLabels: { ...labels } } } : {}),
        });
    }
    for (const cidr of np.allowedCidrs) peers.push({ ipBlock: { cidr } });
    return peers;
}

const toKube = (rules: Rule[], direction: "from" | "to") =>
    rules.map((r) => ({ ...(r.peers ? { [direction]: r.peers } : {}), ports: r.ports }));

function policy(
    spec: ClusterSpec,
    suffix: string,
    podSelector: Selector,
    rules: { ingress?: Rule[]; egress?: Rule[]; deny?: boolean },
): KubeObject {
    for (const r of [...(rules.ingress ?? []), ...(rules.egress ?? [])]) {
        // A rule with an empty peer list would allow every peer: never emit one by accident.
        if (r.peers && r.peers.length === 0) throw new Error(`NetworkPolicy ${suffix}: a rule with no peers would allow everyone`);
    }
    const types = rules.deny ? ["Ingress", "Egress"] : [...(rules.ingress ? ["Ingress"] : []), ...(rules.egress ? ["Egress"] : [])];
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta(spec, `${spec.names.statefulSet}-${suffix}`, "network-policy"),
        // A deep copy through JSON: peers are shared between rules, and shared objects (which
        // structuredClone keeps shared) would print as YAML anchors.
        spec: JSON.parse(
            JSON.stringify({
                podSelector,
                policyTypes: types,
                ...(rules.ingress ? { ingress: toKube(rules.ingress, "from") } : {}),
                ...(rules.egress ? { egress: toKube(rules.egress, "to") } : {}),
            }),
        ),
    };
}

/** The NetworkPolicies of the deployment, or none when `networkPolicy.enabled` is false. */
export function buildNetworkPolicies(spec: ClusterSpec): KubeObject[] {
    const s = spec.settings;
    if (!s.networkPolicy.enabled) return [];
    const redis = { matchLabels: { ...spec.selectorLabels } };
    const redisPods = pods(spec.selectorLabels);
    const sentinelPods = pods(spec.sentinelSelectorLabels);
    const backupPods = pods(spec.backupSelectorLabels);
    const sentinel = s.topology === "sentinel";
    const clients = clientPeers(spec);
    const redisClients = [...clients, ...(sentinel ? [sentinelPods] : []), ...(s.backup.enabled ? [backupPods] : [])];
    const np = s.networkPolicy;
    const inNamespace = (namespace: string, podLabels: Record<string, string>) => ({
        namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
        ...(Object.keys(podLabels).length > 0 ? { podSelector: { matchLabels: { ...podLabels } } } : {}),
    });
    const monitoring = inNamespace(np.monitoringNamespace, np.monitoringPodLabels);
    const dnsServers = [inNamespace(np.dnsNamespace, np.dnsPodLabels), ...np.dnsCidrs.map((cidr) => ({ ipBlock: { cidr } }))];
    // S3 (and STS with IRSA, KMS with a key) over HTTPS: the configured endpoints' ranges, else anywhere.
    const aws: Peer[] = np.awsCidrs.length > 0 ? np.awsCidrs.map((cidr) => ({ ipBlock: { cidr } })) : ANY_ADDRESS;

    return [
        // In a namespace of its own the deployment denies everything; in a shared one, only its own pods.
        policy(spec, "default-deny", s.createNamespace ? {} : ownPods(spec), { deny: true }),
        // Name lookups (peers' stable names, the S3 endpoint), to the cluster DNS pods only (and
        // a node-local cache's address when given): port 53 open to any address would be a way
        // out for anything that can make a pod send it data. Policies see the DNS pods' own
        // addresses, after kube-proxy has translated the kube-dns Service's.
        policy(spec, "dns", ownPods(spec), {
            egress: [
                {
                    peers: dnsServers,
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
            ],
        }),
        // Replication and cluster membership use the client port, gossip the bus port.
        policy(spec, "redis-peers", redis, {
            ingress: [{ peers: [redisPods], ports: tcp(PORTS.redis, PORTS.bus) }],
            egress: [{ peers: [redisPods], ports: tcp(PORTS.redis, PORTS.bus) }],
        }),
        ...(redisClients.length > 0
            ? [
                  policy(spec, "redis-clients", redis, {
                      ingress: [{ peers: redisClients, ports: tcp(PORTS.redis) }],
                  }),
              ]
            : []),
        // The exporter sidecars (Redis pods, and Sentinel pods should they carry one), for Prometheus.
        policy(spec, "metrics", selectorForAny([spec.selectorLabels, spec.sentinelSelectorLabels]), {
            ingress: [{ peers: [monitoring], ports: tcp(PORTS.exporter) }],
        }),
        ...(sentinel
            ? [
                  policy(
                      spec,
                      "sentinel",
                      { matchLabels: { ...spec.sentinelSelectorLabels } },
                      {
                          // Sentinels find each other and answer clients on the Sentinel port; they watch Redis
                          // on its client port. The Redis pods' scripts ask them too (next policy).
                          ingress: [{ peers: [sentinelPods, redisPods, ...clients], ports: tcp(PORTS.sentinel) }],
                          egress: [
                              { peers: [sentinelPods], ports: tcp(PORTS.sentinel) },
                              { peers: [redisPods], ports: tcp(PORTS.redis) },
                          ],
                      },
                  ),
                  // A Redis pod asks the Sentinels for the master before it starts (sentinel-role.sh), when
                  // its master link stays down (sentinel-follow.sh), and for a failover when it stops as
                  // master (sentinel-prestop.sh). Without this a starting pod 0 would find no Sentinel and
                  // could promote itself, and a planned stop would cost the full down-after wait.
                  policy(spec, "redis-to-sentinel", redis, {
                      egress: [{ peers: [sentinelPods], ports: tcp(PORTS.sentinel) }],
                  }),
              ]
            : []),
        ...(s.backup.enabled
            ? [
                  policy(
                      spec,
                      "backup",
                      { matchLabels: { ...spec.backupSelectorLabels } },
                      {
                          // Jobs pull a snapshot from Redis and upload it to S3 over HTTPS; nothing reaches them.
                          egress: [
                              { peers: [redisPods], ports: tcp(PORTS.redis) },
                              { peers: aws, ports: tcp(443) },
                          ],
                      },
                  ),
              ]
            : []),
        // A restoring deployment's Redis pods fetch their shard from S3 in an init container. A
        // policy cannot single out a container: while restore.from is set, the pods' other
        // containers could reach these addresses too (they hold no AWS credentials).
        ...(s.restore.from ? [policy(spec, "restore", redis, { egress: [{ peers: aws, ports: tcp(443) }] })] : []),
    ];
}

const ANY_ADDRESS: Peer[] = [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }];
