// Two deployments in one namespace, in local mode: two stacks of one project, the dev stack's
// settings with their own `name` and a shared `namespace`, each on its own addresses. Each forms
// a cluster of its own six nodes (not one of twelve), and neither sees the other's keys.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis, { Cluster } from "ioredis";
import * as YAML from "yaml";
import { packageRoot } from "../../components/package-files";
import { requireTool } from "../../local/tools";

const project = fs.mkdtempSync(path.join(os.tmpdir(), "two-instances-"));
const NAMESPACE = "shared-redis";
const INSTANCES = [
    { stack: "sessions", base: "127.0.23.11" },
    { stack: "cache", base: "127.0.24.11" },
] as const;

function local(base: string, ...args: string[]) {
    const env = {
        ...process.env,
        REDIS_LOCAL_PROJECT_DIR: project,
        REDIS_LOCAL_STATE_DIR: path.join(project, "state"),
        REDIS_LOCAL_ADDRESS_BASE: base,
    };
    return spawnSync(process.execPath, [path.join(packageRoot, "dist", "local", "cli.js"), ...args], {
        cwd: packageRoot,
        env,
        encoding: "utf8",
    });
}

/** The dev stack with its own name and the shared namespace. */
function writeStack(stack: string): void {
    const dev = YAML.parse(fs.readFileSync(path.join(packageRoot, "Pulumi.dev.yaml"), "utf8"));
    dev.config["redis-cluster:name"] = stack;
    dev.config["redis-cluster:namespace"] = NAMESPACE;
    fs.writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), YAML.stringify(dev));
}

const seedOf = (s: string) => ({ host: s.split(":")[0], port: Number(s.split(":")[1]) });

describe("two deployments in one namespace (local mode)", function () {
    this.timeout(300000);
    const up: Record<string, any> = {};
    const passwords: Record<string, string> = {};
    const clients: Cluster[] = [];

    before(() => {
        requireTool("redis-server");
        fs.copyFileSync(path.join(packageRoot, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
        for (const { stack, base } of INSTANCES) {
            writeStack(stack);
            const r = local(base, "up", "--stack", stack);
            assert.strictEqual(r.status, 0, `${stack}: ${r.stderr}`);
            up[stack] = JSON.parse(r.stdout.trim().split("\n").pop()!);
            passwords[stack] = fs.readFileSync(up[stack].passwordFile, "utf8");
        }
    });

    after(async () => {
        for (const c of clients) c.disconnect();
        for (const { stack, base } of INSTANCES) if (up[stack]) local(base, "down", "--stack", stack);
        fs.rmSync(project, { recursive: true, force: true });
    });

    const client = (stack: string) => {
        const c = new Cluster(up[stack].seeds.map(seedOf), { redisOptions: { username: up[stack].user, password: passwords[stack] } });
        clients.push(c);
        return c;
    };

    it("names each one's pods after its own name, in the shared namespace", () => {
        for (const { stack } of INSTANCES) {
            assert.deepStrictEqual(
                up[stack].pods.map((p: any) => p.name),
                Array.from({ length: 6 }, (_, i) => `${stack}-${i}`),
            );
        }
    });

    it("forms two clusters of six nodes each, every node one of its own", async () => {
        for (const { stack, base } of INSTANCES) {
            const prefix = base.split(".").slice(0, 3).join(".") + ".";
            const node = new Redis({
                ...seedOf(up[stack].seeds[0]),
                username: up[stack].user,
                password: passwords[stack],
                lazyConnect: true,
            });
            await node.connect();
            const nodes = ((await node.call("CLUSTER", "NODES")) as string).trim().split("\n");
            const info = (await node.call("CLUSTER", "INFO")) as string;
            node.disconnect();
            assert.strictEqual(nodes.length, 6, `${stack}:\n${nodes.join("\n")}`);
            for (const line of nodes) assert.ok(line.split(" ")[1].startsWith(prefix), `${stack} knows a node not its own: ${line}`);
            assert.match(info, /cluster_state:ok/);
            assert.match(info, /cluster_slots_assigned:16384/);
            assert.match(info, /cluster_known_nodes:6\r?\n/);
        }
    });

    it("keeps each one's keys to itself", async () => {
        const sessions = client("sessions");
        const cache = client("cache");
        const keys = Array.from({ length: 200 }, (_, i) => `two-instances:${i}`);
        for (const k of keys) await sessions.set(k, `sessions:${k}`);
        for (const k of keys.slice(0, 50)) await cache.set(k, `cache:${k}`);
        for (const k of keys) {
            assert.strictEqual(await sessions.get(k), `sessions:${k}`);
            assert.strictEqual(await cache.get(k), keys.indexOf(k) < 50 ? `cache:${k}` : null);
        }
        const count = async (c: Cluster) => (await Promise.all(c.nodes("master").map((n) => n.dbsize()))).reduce((a, b) => a + b, 0);
        assert.strictEqual(await count(sessions), 200);
        assert.strictEqual(await count(cache), 50);
    });

    it("each one's password opens only its own cluster", async () => {
        // Connect without credentials, then AUTH explicitly: the server's own answer is asserted,
        // not how the client reports a handshake that failed (no ready check: INFO needs a login).
        const node = new Redis({
            ...seedOf(up.cache.seeds[0]),
            lazyConnect: true,
            enableReadyCheck: false,
            maxRetriesPerRequest: 0,
            retryStrategy: () => null,
        });
        try {
            await node.connect();
            await assert.rejects(node.auth(up.sessions.user, passwords.sessions), /WRONGPASS|invalid username-password/);
            assert.strictEqual(await node.auth(up.cache.user, passwords.cache), "OK");
        } finally {
            node.disconnect();
        }
    });
});
