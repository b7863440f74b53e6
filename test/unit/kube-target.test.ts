// Under mocks: the formation, drain and credentials resources are told the cluster the component's
// objects go to (the `kubeconfig` arg, else the kubernetes:kubeconfig / kubernetes:context stack
// config), as a secret; an explicit Kubernetes provider without a `kubeconfig` arg is an error.
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RedisCluster } from "../../components/redis-cluster";
import { REDACTED, runUnderMocks } from "../../tools/pulumi-mocks";

const SMALL = {
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    storage: { size: "1Gi", storageClass: "" },
    redis: { maxmemory: "128mb", ioThreads: 1 },
    formation: { connectivity: "port-forward" },
};
const STEPS = ["redis-formation", "redis-drain", "redis-credentials"];
const KUBECONFIG = "apiVersion: v1\nkind: Config\n# Kubeconfig-Canary-8d1e\n";

async function steps(program: () => unknown, config: Record<string, string> = {}) {
    const run = await runUnderMocks(program, { project: "redis-cluster", stack: "test", config });
    return STEPS.map((name) => run.resources.find((r) => r.name === name)!);
}

describe("kube target wiring under mocks", function () {
    this.timeout(30000);

    it("passes the component's kubeconfig and context to every step, as a secret", async () => {
        for (const step of await steps(() => new RedisCluster("redis", { ...SMALL, kubeconfig: KUBECONFIG, kubeContext: "eks" }))) {
            assert.deepStrictEqual(step.inputs.kube, { kubeconfig: KUBECONFIG, context: "eks" }, step.name);
            assert.deepStrictEqual(step.redactedInputs.kube, { kubeconfig: REDACTED, context: REDACTED }, step.name);
        }
    });

    it("defaults to the kubernetes:kubeconfig and kubernetes:context stack config the default provider uses", async () => {
        for (const step of await steps(() => new RedisCluster("redis", SMALL), {
            "kubernetes:kubeconfig": KUBECONFIG,
            "kubernetes:context": "kind",
        })) {
            assert.deepStrictEqual(step.inputs.kube, { kubeconfig: KUBECONFIG, context: "kind" }, step.name);
            assert.deepStrictEqual(step.redactedInputs.kube, { kubeconfig: REDACTED, context: REDACTED }, step.name);
        }
    });

    it("passes nothing (the ambient kubeconfig) when neither is given", async () => {
        for (const step of await steps(() => new RedisCluster("redis", SMALL))) assert.strictEqual(step.inputs.kube, undefined, step.name);
    });

    it("refuses an explicit Kubernetes provider without a kubeconfig arg, saying to pass one", async () => {
        const cases: [string, () => pulumi.ComponentResourceOptions][] = [
            ["opts.provider", () => ({ provider: new k8s.Provider("eks", { kubeconfig: KUBECONFIG }) })],
            ["opts.providers", () => ({ providers: [new k8s.Provider("eks", { kubeconfig: KUBECONFIG })] })],
            [
                "a parent's",
                () => ({
                    parent: new pulumi.ComponentResource("x:y:Z", "p", {}, { providers: { kubernetes: new k8s.Provider("eks", {}) } }),
                }),
            ],
        ];
        for (const [label, opts] of cases) {
            await assert.rejects(
                steps(() => new RedisCluster("redis", SMALL, opts()), { "kubernetes:kubeconfig": "ignored by explicit providers" }),
                /explicit Kubernetes provider.*pass the same kubeconfig as the component's `kubeconfig` arg/,
                label,
            );
        }
        // With the kubeconfig given alongside the provider, it is used.
        const [formation] = await steps(
            () =>
                new RedisCluster(
                    "redis",
                    { ...SMALL, kubeconfig: KUBECONFIG },
                    { providers: [new k8s.Provider("eks", { kubeconfig: KUBECONFIG })] },
                ),
        );
        assert.deepStrictEqual(formation.inputs.kube, { kubeconfig: KUBECONFIG });
    });

    it("does not ask for a kubeconfig when the steps never use the API (direct connectivity, no TLS)", async () => {
        const direct = { ...SMALL, formation: { connectivity: "direct" } };
        const [formation] = await steps(() => new RedisCluster("redis", direct, { provider: new k8s.Provider("eks", {}) }));
        assert.strictEqual(formation.inputs.kube, undefined);
    });
});
