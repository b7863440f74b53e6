import * as assert from "assert";
import { ConfigError } from "../../components/spec/errors";
import { deployStack } from "../../program/stack";
import { resolveOutput, runUnderMocks, RegisteredResource } from "../../tools/pulumi-mocks";
import { readStackConfig } from "../../tools/stack-config";
import { packageRoot } from "../../components/package-files";

// A value no real object could contain by chance: wherever it shows up, the password leaked.
const PASSWORD = "Pw0rdCanary7f3a9c1e5b2d4f6a8c0e2b4d";

async function runStack(config: Record<string, string>) {
    return runUnderMocks(() => deployStack(config), {
        project: "redis-cluster",
        stack: "test",
        outputs: (type) => (type === "random:index/randomPassword:RandomPassword" ? { result: PASSWORD } : {}),
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
            "kubernetes:apps/v1:StatefulSet redis-statefulset-redis-cluster",
            "kubernetes:core/v1:ConfigMap redis-configmap-redis-cluster-config",
            "kubernetes:core/v1:ConfigMap redis-configmap-redis-cluster-dashboard",
            "kubernetes:core/v1:ConfigMap redis-configmap-redis-cluster-scripts",
            "kubernetes:core/v1:Namespace redis-namespace",
            "kubernetes:core/v1:Secret redis-secret",
            "kubernetes:core/v1:Service redis-service-redis-cluster",
            "kubernetes:core/v1:Service redis-service-redis-cluster-headless",
            "kubernetes:monitoring.coreos.com/v1:PrometheusRule redis-prometheusrule-redis-cluster",
            "kubernetes:monitoring.coreos.com/v1:ServiceMonitor redis-servicemonitor-redis-cluster",
            "kubernetes:policy/v1:PodDisruptionBudget redis-poddisruptionbudget-redis-cluster",
            "pulumi-nodejs:dynamic/redis-cluster:ClusterFormation redis-formation",
            "random:index/randomPassword:RandomPassword redis-password",
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

    it("orders creation: namespace first, the StatefulSet after its Secret, ConfigMaps and Services", () => {
        const ns = byName(run.resources, "redis-namespace");
        const secret = byName(run.resources, "redis-secret");
        for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:") && x !== ns)) {
            assert.ok(r.dependencies.includes(ns.urn), `${r.name} does not wait for the namespace`);
        }
        const sts = byName(run.resources, "redis-statefulset-redis-cluster");
        for (const dep of ["redis-secret", "redis-configmap-redis-cluster-config", "redis-configmap-redis-cluster-scripts",
            "redis-service-redis-cluster-headless"]) {
            assert.ok(sts.dependencies.includes(byName(run.resources, dep).urn), `StatefulSet does not wait for ${dep}`);
        }
        assert.ok(secret.dependencies.includes(ns.urn));
        const formation = byName(run.resources, "redis-formation");
        for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:") && x !== ns && x !== secret)) {
            assert.ok(formation.dependencies.includes(r.urn), `formation does not wait for ${r.name}`);
        }
    });

    it("serializes the formation provider into the resource (serialization errors surface here)", () => {
        const code = byName(run.resources, "redis-formation").inputs.__provider;
        assert.strictEqual(typeof code, "string");
        assert.match(code as string, /exports\.handler/);
        assert.match(code as string, /formation-runtime/);
        assert.ok(!(code as string).includes(PASSWORD));
    });

    it("generates an alphanumeric password of the configured length", () => {
        const pw = byName(run.resources, "redis-password");
        assert.deepStrictEqual(pw.inputs, { length: 32, special: false });
    });

    it("keeps the password secret in every output", async () => {
        const outputs = run.result as unknown as Record<string, any>;
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

    it("gives the password to the Secret and the formation resource only, marked secret in both", () => {
        for (const r of run.resources) {
            const text = JSON.stringify(r.inputs);
            if (r.name === "redis-secret" || r.name === "redis-formation") {
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

    it("uses an existing namespace without creating one", async () => {
        const other = await runStack({ "redis-cluster:createNamespace": "false", "redis-cluster:namespace": "shared" });
        assert.ok(!other.resources.some((r) => r.type === "kubernetes:core/v1:Namespace"));
        const sts = byName(other.resources, "redis-statefulset-redis-cluster");
        assert.strictEqual((sts.inputs as any).metadata.namespace, "shared");
    });

    it("fails on bad config before registering any resource, naming the stack keys", async () => {
        let error: unknown;
        const bad = await runUnderMocks(() => {
            try {
                return deployStack({ "redis-cluster:shardz": "4", "redis-cluster:redis": JSON.stringify({ maxmemory: "20gb" }) });
            } catch (e) {
                error = e;
                return undefined;
            }
        }, { project: "redis-cluster", stack: "bad" });
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
            "kubernetes:policy/v1:PodDisruptionBudget redis-poddisruptionbudget-redis-cluster",
            "kubernetes:policy/v1:PodDisruptionBudget redis-poddisruptionbudget-redis-cluster-sentinel",
            "random:index/randomPassword:RandomPassword redis-password",
            "redis-cluster:index:RedisCluster redis",
        ]);
    });

    it("exports the Sentinel addresses and the master name for Sentinel-aware clients", async () => {
        const outputs = run.result;
        assert.deepStrictEqual((await resolveOutput(outputs.sentinelAddresses)).value, [0, 1, 2].map((i) =>
            `redis-cluster-sentinel-${i}.redis-cluster-sentinel-headless.redis-sentinel-dev.svc.cluster.local:26379`));
        assert.strictEqual((await resolveOutput(outputs.masterName)).value, "redis-cluster");
        assert.deepStrictEqual((await resolveOutput(outputs.shardLayout)).value, []);
    });

    it("gives the password to the Secret only, marked secret", () => {
        for (const r of run.resources) {
            const text = JSON.stringify(r.inputs);
            if (r.name === "redis-secret") assert.ok(!JSON.stringify(r.redactedInputs).includes(PASSWORD));
            else assert.ok(!text.includes(PASSWORD), `${r.type} ${r.name} contains the password`);
        }
    });
});
