// Rendered Redis pods started one by one (testing/redis-pod.ts), and the admin connections the
// integration tests open to them: the hooks and clients several test files share.
import * as fs from "fs";
import Redis from "ioredis";
import type { KubeObject } from "../../components/kubernetes/object";
import { requireTool } from "../../local/tools";
import { LocalPod, startRedisPod } from "../../testing/redis-pod";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One admin connection to `ip`:6379, without retries: the test decides what a failure means. */
export async function adminClient(ip: string, password: string): Promise<Redis> {
    const client = new Redis({
        host: ip,
        port: 6379,
        username: "admin",
        password,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
    });
    try {
        await client.connect();
    } catch (e) {
        client.disconnect();
        throw e;
    }
    return client;
}

/** An admin connection once the server on `ip` answers PING, tried every 100 ms for `timeoutMs`. */
export async function connectWhenUp(ip: string, password: string, timeoutMs = 15000): Promise<Redis> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        let client: Redis | undefined;
        try {
            client = await adminClient(ip, password);
            await client.ping();
            return client;
        } catch (e) {
            client?.disconnect();
            if (Date.now() > deadline) throw new Error(`the server on ${ip} did not answer: ${e}`, { cause: e });
            await sleep(100);
        }
    }
}

/** Stops the pods and removes their directories. */
export async function removePods(pods: LocalPod[]): Promise<void> {
    await Promise.all(pods.map((p) => p.stop()));
    pods.forEach((p) => fs.rmSync(p.root, { recursive: true, force: true }));
}

/**
 * Pods for a whole suite: a `before` hook checks the tools, starts the rendered pod `i` of
 * `objects` on `ips[i]` and waits until each answers; an `after` hook stops and removes them.
 */
export function suitePods(objects: KubeObject[], ips: string[], password: string, tools: string[]): LocalPod[] {
    const pods: LocalPod[] = [];
    before(async () => {
        tools.forEach((tool) => requireTool(tool));
        ips.forEach((ip, i) => pods.push(startRedisPod(objects, i, ip, password)));
        await Promise.all(ips.map(async (ip) => (await connectWhenUp(ip, password)).disconnect()));
    });
    after(() => removePods(pods));
    return pods;
}

/** Test-only: every node back to empty and unjoined (formation itself never does this). */
export async function resetNodes(ips: string[], password: string): Promise<void> {
    for (const ip of ips) {
        const c = await adminClient(ip, password);
        await c.call("FLUSHALL").catch(() => undefined);
        await c.call("CLUSTER", "RESET", "HARD");
        c.disconnect();
    }
}

/** Pods and clients that a suite's tests start one by one: an `after` hook disconnects the clients, then stops and removes the pods. */
export function podsAndClients(): { pods: LocalPod[]; clients: Redis[] } {
    const held = { pods: [] as LocalPod[], clients: [] as Redis[] };
    after(async () => {
        held.clients.forEach((c) => c.disconnect());
        await removePods(held.pods);
    });
    return held;
}
