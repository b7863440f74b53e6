// `pulumi refresh` after an admin password rotation, against real redis-server processes and the
// providers exactly as the component serializes them: the steps of one `pulumi up` (credentials,
// then formation) leave formation state whose read() reaches the cluster, and reading it changes
// nothing (a clean refresh). Before, the state kept the creation-time password and read() retried
// for readyTimeoutSeconds, then failed.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import { buildAllObjects } from "../../components/kubernetes";
import { resolveSpec, USER_ROLES, USERS } from "../../components/settings/spec";
import { LocalPod, startRedisPod } from "../../testing/redis-pod";
import { requireTool } from "../../local/tools";
import { engineInputs } from "../support/engine-inputs";

const requireFromString: (code: string) => any = require("require-from-string");
const OLD = "RotOldPw5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f";
const NEW = "RotNewPw2c4e6a8b0d2f4c6e8a0b2d4f6c8e0a";
const ip = (i: number) => `127.0.22.${i + 1}`;
const SETTINGS = {
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    storage: { size: "1Gi", storageClass: "" },
    redis: { maxmemory: "128mb", ioThreads: 1 },
};
const DEV = {
    ...Object.fromEntries(Object.entries(SETTINGS).map(([k, v]) => [`redis-cluster:${k}`, JSON.stringify(v)])),
    // The nodes are plain processes on loopback, reached at their addresses.
    "redis-cluster:formation": JSON.stringify({ connectivity: "direct" }),
};

function adminAuth(i: number, password: string): string {
    const r = spawnSync("redis-cli", ["-h", ip(i), "--no-auth-warning", "AUTH", USERS.admin, password], { encoding: "utf8" });
    return (r.stdout + r.stderr).trim();
}

describe("refresh after an admin password rotation", function () {
    this.timeout(180000);
    const pods: LocalPod[] = [];
    let formation: any;
    let credentials: any;
    let base: Record<string, unknown>;
    let outs: any;
    const formationInputs = (password: string) => ({ ...base, password });
    const credentialInputs = (admin: string) => ({
        ...base,
        password: admin,
        users: Object.fromEntries(USER_ROLES.map((r) => [USERS[r], [r === "admin" ? admin : OLD]])),
    });

    before(async () => {
        requireTool("redis-server");
        const providers = await engineInputs(DEV, OLD);
        const serialized = (name: string) => providers.get(`pulumi-nodejs:dynamic/redis-cluster:${name}`)!.__provider as string;
        formation = requireFromString(serialized("ClusterFormation")).handler();
        credentials = requireFromString(serialized("ClusterCredentials")).handler();
        const { __provider: _p, ...inputs } = providers.get("pulumi-nodejs:dynamic/redis-cluster:ClusterFormation")!;
        base = {
            ...inputs,
            nodes: Array.from({ length: 6 }, (_, i) => ({ name: `redis-cluster-${i}`, address: ip(i), port: 6379, host: "", zone: "" })),
            readyTimeoutSeconds: 60,
        };
        const objects = buildAllObjects(resolveSpec(SETTINGS), OLD);
        for (let i = 0; i < 6; i++) pods[i] = startRedisPod(objects, i, ip(i), OLD);
        outs = (await formation.create(formationInputs(OLD))).outs;
    });

    after(async () => {
        await Promise.all(pods.map((p) => p?.stop()));
        pods.forEach((p) => p && fs.rmSync(p.root, { recursive: true, force: true }));
    });

    it("the credentials step makes every node accept the new admin password only", async () => {
        const diff = await credentials.diff("creds", credentialInputs(OLD), credentialInputs(NEW));
        assert.deepStrictEqual([diff.changes, diff.replaces], [true, []]);
        await credentials.update("creds", credentialInputs(OLD), credentialInputs(NEW));
        for (let i = 0; i < 6; i++) {
            assert.strictEqual(adminAuth(i, NEW), "OK", `node ${i} refuses the new admin password`);
            assert.match(adminAuth(i, OLD), /WRONGPASS/, `node ${i} still takes the old admin password`);
        }
    });

    it("state holding the creation-time password cannot be refreshed (what the engine kept before)", async () => {
        // A shorter wait than the state's: the outcome is the same, a failed refresh.
        await assert.rejects(
            formation.read("id", { ...outs, readyTimeoutSeconds: 2 }),
            /6 of 6 Redis nodes did not answer an authenticated PING/,
        );
    });

    it("formation previews the new password as an update that only stores it, and the update touches no node", async () => {
        const diff = await formation.diff("id", outs, formationInputs(NEW));
        assert.deepStrictEqual([diff.changes, diff.replaces], [true, []]);
        const pids = pods.map((p) => p.process.pid);
        const updated = (await formation.update("id", outs, formationInputs(NEW))).outs;
        assert.strictEqual(updated.password, NEW);
        for (const key of ["nodeIds", "shardLayout", "replicasByMaster"]) assert.deepStrictEqual(updated[key], outs[key], key);
        assert.deepStrictEqual(
            pods.map((p) => p.process.pid),
            pids,
        );
        outs = updated;
    });

    it("refresh then reads the cluster and finds nothing changed", async () => {
        const read = await formation.read("id", outs);
        assert.deepStrictEqual(read.props, outs);
        const after = await formation.diff("id", read.props, formationInputs(NEW));
        assert.strictEqual(after.changes, false);
    });
});
