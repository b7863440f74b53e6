// The exporter's password reaches it only as a map keyed by its own address (issue #16, finding 5):
// redis_exporter sends REDIS_PASSWORD to whatever target /scrape?target= names, while a password
// from its password file goes only to the address it is keyed by. The key forms come from the
// exporter's source: exporter/redis.go looks up the bare address up to v1.69, and
// `<scheme>://<user>@<host:port>` from v1.70 (commit 7c63842, "Support usernames in password file").
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildAllObjects } from "../../components/kubernetes";
import { ACL_RULES } from "../../components/redis/acl";
import { resolveSpec } from "../../components/settings/spec";
import { materializeVolumes, planPod, runToCompletion } from "../../local/pod";

const statefulSets = (spec: ReturnType<typeof resolveSpec>) =>
    (buildAllObjects(spec, "x") as any[]).filter((o) => o.kind === "StatefulSet").map((s) => s.spec.template.spec);

describe("exporter password", () => {
    for (const topology of ["cluster", "sentinel"] as const) {
        it(`${topology}: no exporter has REDIS_PASSWORD; each reads the map its init container writes to a memory volume`, () => {
            const pods = statefulSets(resolveSpec({ topology, ...(topology === "sentinel" ? { replicasPerShard: 2 } : {}) }));
            assert.strictEqual(pods.length, topology === "sentinel" ? 2 : 1);
            for (const pod of pods) {
                const exporter = pod.containers.find((c: any) => c.name === "exporter");
                const names = exporter.env.map((e: any) => e.name);
                assert.ok(!names.includes("REDIS_PASSWORD"), "REDIS_PASSWORD would go to any /scrape target");
                const file = exporter.env.find((e: any) => e.name === "REDIS_PASSWORD_FILE").value;
                const init = pod.initContainers.find((c: any) => c.name === "exporter-auth");
                const initEnv = Object.fromEntries(init.env.filter((e: any) => e.value).map((e: any) => [e.name, e.value]));
                assert.strictEqual(initEnv.PASSWORD_MAP_FILE, file);
                // The map is keyed by the exporter's own address, whatever the kubelet resolves it to.
                assert.strictEqual(initEnv.REDIS_ADDR, exporter.env.find((e: any) => e.name === "REDIS_ADDR").value);
                const mount = exporter.volumeMounts.find((m: any) => file.startsWith(m.mountPath + "/"));
                assert.deepStrictEqual(pod.volumes.find((v: any) => v.name === mount.name).emptyDir, {
                    medium: "Memory",
                    sizeLimit: "1Mi",
                });
                assert.strictEqual(mount.readOnly, true);
            }
        });
    }

    it("the init container writes a map with the bare and the user-qualified address, escaping the password", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "exporter-auth-"));
        try {
            const password = 'pa"ss\\word';
            const objects = buildAllObjects(resolveSpec({}), "x");
            const plan = planPod(objects, 0, "127.0.61.11", root, password);
            materializeVolumes(objects, plan, password);
            const init = plan.initContainers.find((c) => c.name === "exporter-auth")!;
            const r = runToCompletion(init);
            assert.strictEqual(r.status, 0, r.output);
            assert.ok(!r.output.includes(password), "the script prints no password");
            const exporter = plan.containers.find((c) => c.name === "exporter")!;
            const file = exporter.env.REDIS_PASSWORD_FILE;
            assert.deepStrictEqual(JSON.parse(fs.readFileSync(file, "utf8")), {
                "redis://127.0.61.11:6379": password,
                "redis://exporter@127.0.61.11:6379": password,
            });
            assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("the exporter user may count the slow log but not read it (entries carry keys and values)", () => {
        assert.match(ACL_RULES.exporter, /\+slowlog\|len\b/);
        assert.doesNotMatch(ACL_RULES.exporter, /slowlog\|get|\+slowlog(\s|$)|\+@slow/);
    });
});
