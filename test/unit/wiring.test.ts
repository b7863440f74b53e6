import * as assert from "assert";
import { ConfigError } from "../../components/settings/errors";
import { deployStack } from "../../program/stack";
import { resolveOutput, runUnderMocks, RegisteredResource } from "../../tools/pulumi-mocks";
import { readStackConfig } from "../../tools/stack-config";
import { packageRoot } from "../../components/package-files";

// A value no real object could contain by chance: wherever it shows up, a password leaked. Each
// generated password is the canary plus its resource's name, so a test can tell them apart.
const PASSWORD = "Pw0rdCanary7f3a9c1e5b2d4f6a8c0e2b4d";
const generated = (resource: string) => `${PASSWORD}${resource.replace(/[^a-z]/g, "")}`;
const ROLES = ["admin", "app", "backup", "exporter", "replication", "sentinel"];

async function runStack(config: Record<string, string>) {
    return runUnderMocks(() => deployStack(config), {
        project: "redis-cluster",
        stack: "test",
        outputs: (type, name) => (type === "random:index/randomPassword:RandomPassword" ? { result: generated(name) } : {}),
    });
}

const byName = (resources: RegisteredResource[], name: string) => {
    const r = resources.find((x) => x.name === name);
    assert.ok(r, `no resource named ${name}; have ${resources.map((x) => x.name).join(", ")}`);
    return r;
};

describe("component wiring under Pulumi mocks", function () {
    this.timeout(30000);
    let run: Awaited<ReturnType<typeof runStack>>;

    before(async () => {
        run = await runStack(readStackConfig(packageRoot, "prod").config);
    });

    it("registers exactly the expected resources, by type and name", () => {
        const got = run.resources.map((r) => `${r.type} ${r.name}`).sort();
        assert.deepStrictEqual(got, [
            // IRSA (the prod stack's): a writer and a reader role, no user, no key.
            "aws:iam/role:Role redis-backup-reader-role",
            "aws:iam/role:Role redis-backup-role",
            "aws:iam/rolePolicy:RolePolicy redis-backup-access",
            "aws:iam/rolePolicy:RolePolicy redis-backup-reader-access",
            "aws:s3/bucket:Bucket redis-backups",
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration redis-backups-lifecycle",
            "aws:s3/bucketPolicy:BucketPolicy redis-backups-tls-only",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock redis-backups-public-access",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration redis-backups-encryption",
            "aws:s3/bucketVersioning:BucketVersioning redis-backups-versioning",
            "kubernetes:apps/v1:StatefulSet redis-statefulset-redis-cluster",
            "kubernetes:batch/v1:CronJob redis-cronjob-redis-cluster-backup-daily",
            "kubernetes:batch/v1:CronJob redis-cronjob-redis-cluster-backup-hourly",
            "kubernetes:batch/v1:CronJob redis-cronjob-redis-cluster-backup-verify",
            "kubernetes:cert-manager.io/v1:Certificate redis-certificate-redis-cluster-tls",
            "kubernetes:core/v1:ConfigMap redis-configmap-redis-cluster-backup-scripts",
            "kubernetes:core/v1:ConfigMap redis-configmap-redis-cluster-config",
            "kubernetes:core/v1:ConfigMap redis-configmap-redis-cluster-dashboard",
            "kubernetes:core/v1:ConfigMap redis-configmap-redis-cluster-scripts",
            "kubernetes:core/v1:Namespace redis-namespace",
            "kubernetes:core/v1:PersistentVolumeClaim redis-persistentvolumeclaim-redis-cluster-backup-daily",
            "kubernetes:core/v1:PersistentVolumeClaim redis-persistentvolumeclaim-redis-cluster-backup-hourly",
            "kubernetes:core/v1:Secret redis-secret",
            "kubernetes:core/v1:Service redis-service-redis-cluster",
            "kubernetes:core/v1:Service redis-service-redis-cluster-headless",
            "kubernetes:core/v1:ServiceAccount redis-serviceaccount-redis-cluster-backup",
            "kubernetes:core/v1:ServiceAccount redis-serviceaccount-redis-cluster-backup-reader",
            "kubernetes:monitoring.coreos.com/v1:PrometheusRule redis-prometheusrule-redis-cluster",
            "kubernetes:monitoring.coreos.com/v1:ServiceMonitor redis-servicemonitor-redis-cluster",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy redis-networkpolicy-redis-cluster-backup",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy redis-networkpolicy-redis-cluster-default-deny",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy redis-networkpolicy-redis-cluster-dns",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy redis-networkpolicy-redis-cluster-metrics",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy redis-networkpolicy-redis-cluster-redis-clients",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy redis-networkpolicy-redis-cluster-redis-peers",
            "kubernetes:policy/v1:PodDisruptionBudget redis-poddisruptionbudget-redis-cluster",
            "pulumi-nodejs:dynamic/redis-cluster:ClusterCredentials redis-credentials",
            "pulumi-nodejs:dynamic/redis-cluster:ClusterDrain redis-drain",
            "pulumi-nodejs:dynamic/redis-cluster:ClusterFormation redis-formation",
            ...ROLES.flatMap((r) => ["a", "b"].map((s) => `random:index/randomPassword:RandomPassword redis-${r}-password-${s}`)),
            "redis-cluster:index:RedisCluster redis",
        ]);
    });

    it("parents every resource to the component", () => {
        const component = byName(run.resources, "redis");
        assert.ok(component.urn.endsWith("redis-cluster:index:RedisCluster::redis"));
        for (const r of run.resources.filter((x) => x !== component)) {
            assert.strictEqual(r.parent, component.urn, `${r.name} is not a child of the component`);
        }
    });

    it("orders creation: namespace first, the StatefulSet after its Secret, ConfigMaps, Services and NetworkPolicies", () => {
        const ns = byName(run.resources, "redis-namespace");
        const secret = byName(run.resources, "redis-secret");
        for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:") && x !== ns)) {
            assert.ok(r.dependencies.includes(ns.urn), `${r.name} does not wait for the namespace`);
        }
        const sts = byName(run.resources, "redis-statefulset-redis-cluster");
        for (const dep of [
            "redis-secret",
            "redis-configmap-redis-cluster-config",
            "redis-configmap-redis-cluster-scripts",
            "redis-service-redis-cluster-headless",
            "redis-networkpolicy-redis-cluster-default-deny",
            "redis-networkpolicy-redis-cluster-redis-peers",
        ]) {
            assert.ok(sts.dependencies.includes(byName(run.resources, dep).urn), `StatefulSet does not wait for ${dep}`);
        }
        assert.ok(secret.dependencies.includes(ns.urn));
        // Scale-in: the leaving pods are drained before the StatefulSet may shrink.
        const drain = byName(run.resources, "redis-drain");
        assert.ok(sts.dependencies.includes(drain.urn), "StatefulSet does not wait for the drain");
        assert.ok(!drain.dependencies.includes(sts.urn));
        // Rotation: every running node accepts the new passwords before the drain and the roll.
        const credentials = byName(run.resources, "redis-credentials");
        assert.ok(credentials.dependencies.includes(secret.urn), "credentials do not wait for the Secret");
        assert.ok(drain.dependencies.includes(credentials.urn), "drain does not wait for the credentials");
        assert.ok(!credentials.dependencies.includes(sts.urn));
        const formation = byName(run.resources, "redis-formation");
        // Backups do not hold up formation (only a restore makes the Redis pods wait for them).
        const isBackup = (x: RegisteredResource) => x.name.includes("backup");
        for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:") && x !== ns && x !== secret && !isBackup(x))) {
            assert.ok(formation.dependencies.includes(r.urn), `formation does not wait for ${r.name}`);
            assert.ok(!drain.dependencies.includes(r.urn) || r.type === "kubernetes:core/v1:Secret", `drain waits for ${r.name}`);
        }
    });

    it("serializes the formation provider into the resource (serialization errors surface here)", () => {
        const code = byName(run.resources, "redis-formation").inputs.__provider;
        assert.strictEqual(typeof code, "string");
        assert.match(code as string, /exports\.handler/);
        assert.match(code as string, /formation-runtime/);
        assert.ok(!(code as string).includes(PASSWORD));
    });

    it("generates alphanumeric passwords of the configured length, two slots per user keyed to the rotation", () => {
        for (const role of ROLES) {
            for (const slot of ["a", "b"]) {
                assert.deepStrictEqual(byName(run.resources, `redis-${role}-password-${slot}`).inputs, {
                    length: 32,
                    special: false,
                    keepers: { rotation: "0" },
                });
            }
        }
    });

    it("hands clients the app user's password only, secret", async () => {
        const outputs = run.result as unknown as Record<string, any>;
        assert.strictEqual((await resolveOutput(outputs.username)).value, "app");
        assert.strictEqual((await resolveOutput(outputs.password)).value, generated("redis-app-password-a"));
        const url = await resolveOutput(outputs.connectionUrl);
        // The prod stack has TLS on: clients connect with rediss://.
        assert.strictEqual(
            url.value,
            `rediss://app:${generated("redis-app-password-a")}@redis-cluster.redis-system.svc.cluster.local:6379`,
        );
        // Formation reaches the pods over TLS, verifying them with the CA in the certificate's Secret.
        for (const resource of ["redis-formation", "redis-drain", "redis-credentials"]) {
            assert.deepStrictEqual(byName(run.resources, resource).inputs.tls, { secretName: "redis-cluster-tls" });
        }
        for (const key of ["password", "connectionUrl"]) {
            const o = await resolveOutput(outputs[key]);
            assert.strictEqual(o.secret, true, `${key} is not secret`);
            assert.ok(String(o.value).includes(PASSWORD));
        }
        for (const [key, out] of Object.entries(outputs).filter(([k]) => !["password", "connectionUrl"].includes(k))) {
            const o = await resolveOutput(out);
            assert.ok(!String(JSON.stringify(o.value)).includes(PASSWORD), `${key} leaks the password`);
        }
    });

    it("gives the passwords to the Secret and the provider resources only, marked secret in each; formation and drain get admin's alone", () => {
        const secret = (byName(run.resources, "redis-secret").inputs as any).stringData;
        assert.deepStrictEqual(
            Object.keys(secret).sort(),
            ROLES.map((r) => `${r}-password`),
        );
        for (const role of ROLES) assert.strictEqual(secret[`${role}-password`], generated(`redis-${role}-password-a`));
        for (const name of ["redis-formation", "redis-drain"]) {
            const text = JSON.stringify(byName(run.resources, name).inputs);
            assert.ok(text.includes(generated("redis-admin-password-a")));
            for (const role of ROLES.filter((r) => r !== "admin"))
                assert.ok(!text.includes(generated(`redis-${role}-password-a`)), `${name} holds ${role}'s password`);
        }
        for (const r of run.resources) {
            const text = JSON.stringify(r.inputs);
            if (["redis-secret", "redis-formation", "redis-drain", "redis-credentials"].includes(r.name)) {
                assert.ok(text.includes(PASSWORD));
                assert.ok(!JSON.stringify(r.redactedInputs).includes(PASSWORD), `${r.name}'s password is not marked secret`);
            } else {
                assert.ok(!text.includes(PASSWORD), `${r.type} ${r.name} contains the password`);
            }
        }
    });

    it("exports connection outputs", async () => {
        const outputs = run.result;
        assert.strictEqual((await resolveOutput(outputs.namespace)).value, "redis-system");
        assert.strictEqual((await resolveOutput(outputs.clientHost)).value, "redis-cluster.redis-system.svc.cluster.local");
        assert.strictEqual((await resolveOutput(outputs.clientPort)).value, 6379);
        assert.strictEqual((await resolveOutput(outputs.secretName)).value, "redis-cluster-auth");
        const seeds = (await resolveOutput(outputs.seedAddresses)).value;
        assert.strictEqual(seeds.length, 6);
        assert.strictEqual(seeds[0], "redis-cluster-0.redis-cluster-headless.redis-system.svc.cluster.local:6379");
    });

    it("rotates: one slot per user regenerates, the pods roll, the Secret keeps the previous passwords while asked to", async () => {
        const rotated = await runStack({ "redis-cluster:auth": JSON.stringify({ rotation: 1, acceptPrevious: true }) });
        for (const role of ROLES) {
            assert.deepStrictEqual((byName(rotated.resources, `redis-${role}-password-a`).inputs as any).keepers, { rotation: "0" });
            assert.deepStrictEqual((byName(rotated.resources, `redis-${role}-password-b`).inputs as any).keepers, { rotation: "1" });
        }
        const secret = (byName(rotated.resources, "redis-secret").inputs as any).stringData;
        for (const role of ROLES) {
            assert.strictEqual(secret[`${role}-password`], generated(`redis-${role}-password-b`));
            assert.strictEqual(secret[`${role}-password-previous`], generated(`redis-${role}-password-a`));
        }
        const users = (byName(rotated.resources, "redis-credentials").inputs as any).users;
        assert.deepStrictEqual(users.app, [generated("redis-app-password-b"), generated("redis-app-password-a")]);
        assert.strictEqual((await resolveOutput((rotated.result as any).password)).value, generated("redis-app-password-b"));
        const template = (byName(rotated.resources, "redis-statefulset-redis-cluster").inputs as any).spec.template.metadata.annotations;
        assert.strictEqual(template["redis-cluster.llm-analytics-hub/credentials-rotation"], "1");
        const done = await runStack({ "redis-cluster:auth": JSON.stringify({ rotation: 1 }) });
        const after = (byName(done.resources, "redis-secret").inputs as any).stringData;
        assert.deepStrictEqual(
            Object.keys(after).sort(),
            ROLES.map((r) => `${r}-password`),
        );
        assert.deepStrictEqual((byName(done.resources, "redis-credentials").inputs as any).users.app, [generated("redis-app-password-b")]);
    });

    it("uses an existing namespace without creating one", async () => {
        const other = await runStack({ "redis-cluster:createNamespace": "false", "redis-cluster:namespace": "shared" });
        assert.ok(!other.resources.some((r) => r.type === "kubernetes:core/v1:Namespace"));
        const sts = byName(other.resources, "redis-statefulset-redis-cluster");
        assert.strictEqual((sts.inputs as any).metadata.namespace, "shared");
    });

    it("fails on bad config before registering any resource, naming the stack keys", async () => {
        let error: unknown;
        const bad = await runUnderMocks(
            () => {
                try {
                    return deployStack({ "redis-cluster:shardz": "4", "redis-cluster:redis": JSON.stringify({ maxmemory: "20gb" }) });
                } catch (e) {
                    error = e;
                    return undefined;
                }
            },
            { project: "redis-cluster", stack: "bad" },
        );
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /redis-cluster:shardz: got 4; no such setting/);
        assert.deepStrictEqual(bad.resources, []);
    });
});

describe("component wiring of the sentinel topology", function () {
    this.timeout(30000);
    let run: Awaited<ReturnType<typeof runStack>>;

    before(async () => {
        run = await runStack(readStackConfig(packageRoot, "sentinel-dev").config);
    });

    it("registers the Sentinel objects and no formation resource (the pods take their roles from the Sentinels)", () => {
        const got = run.resources.map((r) => `${r.type} ${r.name}`).sort();
        assert.deepStrictEqual(got, [
            "kubernetes:apps/v1:StatefulSet redis-statefulset-redis-cluster",
            "kubernetes:apps/v1:StatefulSet redis-statefulset-redis-cluster-sentinel",
            "kubernetes:core/v1:ConfigMap redis-configmap-redis-cluster-config",
            "kubernetes:core/v1:ConfigMap redis-configmap-redis-cluster-scripts",
            "kubernetes:core/v1:ConfigMap redis-configmap-redis-cluster-sentinel-config",
            "kubernetes:core/v1:Namespace redis-namespace",
            "kubernetes:core/v1:Secret redis-secret",
            "kubernetes:core/v1:Service redis-service-redis-cluster",
            "kubernetes:core/v1:Service redis-service-redis-cluster-headless",
            "kubernetes:core/v1:Service redis-service-redis-cluster-sentinel",
            "kubernetes:core/v1:Service redis-service-redis-cluster-sentinel-headless",
            ...["default-deny", "dns", "metrics", "redis-clients", "redis-peers", "redis-to-sentinel", "sentinel"].map(
                (p) => `kubernetes:networking.k8s.io/v1:NetworkPolicy redis-networkpolicy-redis-cluster-${p}`,
            ),
            "kubernetes:policy/v1:PodDisruptionBudget redis-poddisruptionbudget-redis-cluster",
            "kubernetes:policy/v1:PodDisruptionBudget redis-poddisruptionbudget-redis-cluster-sentinel",
            ...ROLES.flatMap((u) => ["a", "b"].map((slot) => `random:index/randomPassword:RandomPassword redis-${u}-password-${slot}`)),
            "redis-cluster:index:RedisCluster redis",
        ]);
    });

    it("exports the Sentinel addresses and the master name for Sentinel-aware clients", async () => {
        const outputs = run.result;
        assert.deepStrictEqual(
            (await resolveOutput(outputs.sentinelAddresses)).value,
            [0, 1, 2].map((i) => `redis-cluster-sentinel-${i}.redis-cluster-sentinel-headless.redis-sentinel-dev.svc.cluster.local:26379`),
        );
        assert.strictEqual((await resolveOutput(outputs.masterName)).value, "redis-cluster");
        assert.deepStrictEqual((await resolveOutput(outputs.shardLayout)).value, []);
    });

    it("gives no connectionUrl: the client Service reaches replicas too, so only the Sentinels lead to the master", async () => {
        const url = await resolveOutput(run.result.connectionUrl);
        assert.strictEqual(url.value, "");
        assert.strictEqual(url.secret, true);
    });

    it("gives the password to the Secret only, marked secret", () => {
        for (const r of run.resources) {
            const text = JSON.stringify(r.inputs);
            if (r.name === "redis-secret") assert.ok(!JSON.stringify(r.redactedInputs).includes(PASSWORD));
            else assert.ok(!text.includes(PASSWORD), `${r.type} ${r.name} contains the password`);
        }
    });
});
