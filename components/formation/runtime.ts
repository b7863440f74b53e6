// The formation provider's work, loaded inside the dynamic provider process. Kept out of the
// serialized provider object so that the closure Pulumi stores holds no live objects.
import { promises as dns } from "dns";
import { isIP } from "net";
import type Redis from "ioredis";
import { describeChange } from "./plan/change";
import { AcceptedPasswords, applyPasswords, describeRotation, revokedUsers } from "./live/credentials";
import { drainLeaving } from "./live/drain";
import { describeCluster, FormationResult, formCluster } from "./live/formation";
import { FormationError } from "./live/formation-error";
import { connectAll, inspect } from "./live/redis-client";
import type { KubeAccess, PodPlacement } from "./live/kube-access";
import { parseRanges } from "./plan/plan";
import { isFailed } from "./plan/topology";
import { isUnknown } from "./plan/unknowns";
import type { FormationNode, NodeInput, Shape } from "./types";
import { parseRedisSize } from "../settings/formats";

export interface FormationInputs extends Shape {
    nodes: NodeInput[];
    password: string;
    connectivity: string;
    readyTimeoutSeconds: number;
    clusterNodeTimeoutMs: number;
    /** Live-changeable redis.conf directives (CONFIG SET, no restart). */
    redisConfig?: Record<string, string>;
    /** For port-forward: where to find the pods. */
    namespace: string;
    podSelector: string;
    /** Restore: each shard's slot ranges from the backup's manifest, in shard order. */
    restoreSlots?: string[];
    /** The cluster the pods run in (port-forward and the TLS CA); unset: the ambient kubeconfig. Secret. */
    kube?: KubeAccess;
    /** TLS: the Secret holding the certificate (its ca.crt is read from the cluster), or the CA itself. */
    tls?: { secretName: string; ca?: string };
}

export interface FormationOutputs extends FormationInputs {
    nodeIds: Record<string, string>;
    shardLayout: FormationResult["shards"];
    /** Master pod name to its replicas' pod names. */
    replicasByMaster: Record<string, string[]>;
}

const log = (line: string) => console.log(`redis-cluster formation: ${line}`);

/**
 * Check's rules. A rule whose values a preview does not know yet (the placeholder for a password
 * being generated, or anything computed from one) passes: the engine checks again with the real
 * values before `pulumi up` creates or updates anything.
 */
export function checkInputs(news: FormationInputs): string[] {
    const failures: string[] = [];
    const known = (...values: unknown[]) => !values.some(isUnknown);
    if (Array.isArray(news.nodes)) {
        // Unknown addresses still make a list of known length.
        const expected = news.shards * (1 + news.replicasPerShard);
        if (known(news.shards, news.replicasPerShard) && news.nodes.length !== expected)
            failures.push(`nodes: ${news.nodes.length} given, the shape needs ${expected}`);
    } else if (known(news.nodes)) {
        failures.push(`nodes: ${JSON.stringify(news.nodes)} is not a list of nodes`);
    }
    if (known(news.connectivity) && !["direct", "port-forward"].includes(news.connectivity))
        failures.push(`connectivity: "${news.connectivity}" is not direct or port-forward`);
    if (known(news.password) && !news.password) failures.push("password: empty");
    return failures;
}

interface Reach {
    nodes: FormationNode[];
    close(): Promise<void>;
}

/** The nodes as this process reaches them: directly, or through port-forwards it opens; over TLS when on. */
async function reach(inputs: FormationInputs): Promise<Reach> {
    const r: Reach =
        inputs.connectivity === "port-forward"
            ? await require("./live/kube-access").forwardToPods(inputs.namespace, inputs.podSelector, inputs.nodes, inputs.kube)
            : { nodes: await resolveNodes(inputs), close: async () => undefined };
    if (inputs.tls) {
        const ca =
            inputs.tls.ca ??
            (await require("./live/kube-access").readSecretKey(inputs.namespace, inputs.tls.secretName, "ca.crt", inputs.kube));
        for (const node of r.nodes) {
            const address = inputs.nodes.find((n) => n.name === node.name)?.address ?? node.ip;
            node.tls = { ca, ...(isIP(address) ? {} : { servername: address }) };
        }
    }
    return r;
}

async function withNodes<T>(inputs: FormationInputs, work: (nodes: FormationNode[]) => Promise<T>): Promise<T> {
    const r = await reach(inputs);
    try {
        return await work(r.nodes);
    } finally {
        await r.close();
    }
}

async function lookup(address: string): Promise<string> {
    if (/^\d+\.\d+\.\d+\.\d+$/.test(address)) return address;
    try {
        return (await dns.lookup(address, { family: 4 })).address;
    } catch (e) {
        throw new FormationError(
            `cannot resolve ${address} (${e instanceof Error ? e.message : e}). With formation.connectivity ` +
                '"direct" the machine running `pulumi up` must resolve and reach the pods (run it inside the cluster); from ' +
                'outside, set formation.connectivity to "port-forward"',
        );
    }
}

/**
 * `direct`: the pods at their addresses, placed on the Kubernetes nodes and zones the API reports
 * where it answers (the program cannot know them: pods are scheduled after it runs).
 */
export async function resolveNodes(inputs: FormationInputs): Promise<FormationNode[]> {
    const unplaced = inputs.nodes.some((n) => !n.host || !n.zone);
    let placement: Map<string, PodPlacement> = unplaced
        ? await require("./live/kube-access").podPlacement(inputs.namespace, inputs.podSelector, inputs.kube)
        : new Map();
    const nodes = await Promise.all(
        inputs.nodes.map(async (n) => ({ name: n.name, ip: await lookup(n.address), port: n.port, host: n.host, zone: n.zone })),
    );
    // The ambient API may be another cluster's (an explicit provider, no kubeconfig given): its
    // pods are believed only where they sit at the very addresses formation reaches.
    const strangers = nodes.filter((n) => placement.has(n.name) && placement.get(n.name)!.ip !== n.ip);
    if (strangers.length > 0) {
        log(
            `warning: the Kubernetes API's pods ${strangers.map((n) => `${n.name} (${placement.get(n.name)!.ip}, not ${n.ip})`).join(", ")} ` +
                "are not the pods formation reaches, so its nodes and zones are ignored; pass the component's `kubeconfig` for the cluster it deploys to",
        );
        placement = new Map();
    }
    return nodes.map((n) => ({
        ...n,
        host: n.host || (placement.get(n.name)?.host ?? ""),
        zone: n.zone || (placement.get(n.name)?.zone ?? ""),
    }));
}

function withTopology(inputs: FormationInputs, result: Omit<FormationResult, "changes">): FormationOutputs {
    return {
        ...inputs,
        nodeIds: result.nodeIds,
        shardLayout: result.shards,
        replicasByMaster: Object.fromEntries(result.shards.map((s) => [s.master, s.replicas])),
    };
}

export async function create(inputs: FormationInputs): Promise<FormationOutputs> {
    return withNodes(inputs, (nodes) => formOn(nodes, inputs));
}

async function formOn(nodes: FormationNode[], inputs: FormationInputs): Promise<FormationOutputs> {
    const result = await formCluster(nodes, inputs, {
        password: inputs.password,
        readyTimeoutMs: inputs.readyTimeoutSeconds * 1000,
        nodeTimeoutMs: inputs.clusterNodeTimeoutMs,
        liveConfig: inputs.redisConfig,
        log,
        restoreSlots: inputs.restoreSlots?.map(parseRanges),
    });
    return withTopology(inputs, result);
}

export async function update(olds: FormationOutputs, news: FormationInputs): Promise<FormationOutputs> {
    const change = describeChange(olds, news);
    log(change.summary);
    // Nothing for the nodes to do (e.g. the admin password rotated, which the credentials step
    // already applied): keep the topology and store the inputs, so that refresh reads the cluster
    // with the current password rather than the one it was created with.
    if (change.kind === "settings")
        return { ...news, nodeIds: olds.nodeIds, shardLayout: olds.shardLayout, replicasByMaster: olds.replicasByMaster };
    // One discovery (and, with port-forward, one set of forwards) for both steps.
    return withNodes(news, async (nodes) => {
        await forgetDeparted(olds, nodes, news.password, news.readyTimeoutSeconds * 1000);
        return formOn(nodes, news);
    });
}

/**
 * The drain resource's update, run before the StatefulSet changes: when pods leave the shape,
 * reached at their old addresses while they still run, they give up their slots and roles.
 */
export async function drain(olds: FormationInputs, news: FormationInputs): Promise<FormationInputs> {
    const leaving = olds.nodes.map((n) => n.name).filter((n) => !news.nodes.some((m) => m.name === n));
    if (leaving.length === 0) return news;
    const drainLog = (line: string) => console.log(`redis-cluster drain: ${line}`);
    drainLog(
        `${leaving.join(", ")} leave the shape (${olds.shards}x${1 + olds.replicasPerShard} -> ${news.shards}x${1 + news.replicasPerShard})`,
    );
    const current = { ...news, nodes: olds.nodes };
    await withClients(current, (nodes, clients) =>
        drainLeaving(nodes, leaving, clients, {
            password: news.password,
            shards: news.shards,
            replicasPerShard: news.replicasPerShard,
            maxmemoryBytes: parseRedisSize(news.redisConfig?.maxmemory ?? "0") ?? 0,
            convergeTimeoutMs: news.readyTimeoutSeconds * 1000,
            log: drainLog,
        }),
    );
    return news;
}

/** The credentials resource's inputs: the formation's, plus every user's accepted passwords. */
export interface CredentialInputs extends FormationInputs {
    users: AcceptedPasswords;
    /** End every session of a user whose password is removed (auth.disconnectRevoked). */
    disconnectRevoked?: boolean;
}

/**
 * The credentials resource's update, run before the drain and the StatefulSet: every running node
 * (reached where it runs now) is made to accept exactly `news.users`, whichever admin password,
 * old or new, it takes. Nothing to do when no password changed.
 */
export async function rotate(olds: CredentialInputs, news: CredentialInputs): Promise<CredentialInputs> {
    const changes = describeRotation(olds.users, news.users);
    if (changes.length === 0) return news;
    const rotationLog = (line: string) => console.log(`redis-cluster credentials: ${line}`);
    changes.forEach(rotationLog);
    const admin = (i: CredentialInputs) => [...(i.users?.admin ?? []), i.password];
    const candidates = [...new Set([...admin(news), ...admin(olds)])].filter(Boolean);
    const disconnect = news.disconnectRevoked ? revokedUsers(olds.users, news.users) : [];
    await withNodes({ ...news, nodes: olds.nodes }, (nodes) =>
        applyPasswords(nodes, candidates, news.users, news.readyTimeoutSeconds * 1000, rotationLog, disconnect),
    );
    return news;
}

/** Nodes removed from the shape: forget them everywhere once they are gone (their pods are deleted first). */
async function forgetDeparted(olds: FormationOutputs, nodes: FormationNode[], password: string, readyTimeoutMs: number): Promise<void> {
    const staying = new Set(nodes.map((n) => n.name));
    const departed = Object.entries(olds.nodeIds ?? {})
        .filter(([name]) => !staying.has(name))
        .map(([, id]) => id);
    if (departed.length === 0) return;
    await onNodes(nodes, password, readyTimeoutMs, async (clients) => {
        const states = await Promise.all(nodes.map((n) => inspect(n, clients.get(n.name)!)));
        for (const id of departed) {
            const views = states.map((s) => s.view.find((v) => v.id === id)).filter((v) => v !== undefined);
            if (views.some((v) => v!.slots.length > 0)) {
                throw new FormationError(
                    `node ${id.slice(0, 8)} leaves the shape but still owns slots; fail it over to a staying replica first`,
                );
            }
            if (views.length === 0) continue;
            log(
                `forgetting node ${id.slice(0, 8)}, whose pod left the shape${views.some((v) => !isFailed(v!)) ? " (not yet marked failed)" : ""}`,
            );
            await Promise.all(
                nodes.map((n) =>
                    clients
                        .get(n.name)!
                        .call("CLUSTER", "FORGET", id)
                        .catch(() => undefined),
                ),
            );
        }
    });
}

/** The topology as the nodes report it now (for `pulumi refresh`). */
export async function read(props: FormationOutputs): Promise<FormationOutputs> {
    return withClients(props, async (nodes, clients) => {
        const states = await Promise.all(nodes.map((n) => inspect(n, clients.get(n.name)!)));
        return withTopology(props, describeCluster(states));
    });
}

async function withClients<T>(
    inputs: FormationInputs,
    work: (nodes: FormationNode[], clients: Map<string, Redis>) => Promise<T>,
): Promise<T> {
    return withNodes(inputs, (nodes) =>
        onNodes(nodes, inputs.password, inputs.readyTimeoutSeconds * 1000, (clients) => work(nodes, clients)),
    );
}

/** One connection per node for the length of `work`. */
async function onNodes<T>(
    nodes: FormationNode[],
    password: string,
    readyTimeoutMs: number,
    work: (clients: Map<string, Redis>) => Promise<T>,
): Promise<T> {
    const clients = await connectAll(nodes, password, readyTimeoutMs);
    try {
        return await work(clients);
    } finally {
        for (const c of clients.values()) c.disconnect();
    }
}
