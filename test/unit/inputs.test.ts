// Settings given as Pulumi Outputs, the way a program passes another resource's outputs (an EKS
// cluster's OIDC provider ARN, a namespace made by a Namespace resource): the registered objects
// hold the resolved values; an invalid resolved value fails with key, value and what is allowed
// before any child registers; an Output where only a plain value works fails at once.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { INPUT_SETTINGS } from "../../components/inputs";
import { RedisCluster } from "../../components/redis-cluster";
import type { RedisClusterArgs } from "../../components/settings/args";
import { buildSchema } from "../../tools/package-schema";
import { runUnderMocks } from "../../tools/pulumi-mocks";

const ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC";
const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/ABC";
const mocks = { project: "p", stack: "s" };

/** Runs the component in a process of its own (test/support/component-child.ts): a failed program leaves the runtime waiting. */
function runChild(c: { name: string; args: object; outputs: string[] }): { error: string | null; registered: string[] } {
    // Its exit status is the runtime's complaint about the registrations left waiting; the line is the result.
    const r = spawnSync(process.execPath, [path.join(__dirname, "..", "support", "component-child.js"), JSON.stringify(c)], {
        encoding: "utf8",
        timeout: 120000,
    });
    const line = r.stdout.trim().split("\n").pop();
    assert.ok(line?.startsWith("{"), `the child printed no result: ${r.stdout}${r.stderr}`);
    return JSON.parse(line!);
}

describe("settings given as Outputs", function () {
    this.timeout(60000);

    it("fill the objects with their resolved values, and choose IRSA for an OIDC provider ARN", async () => {
        const run = await runUnderMocks(() => {
            // A namespace another resource makes, and values of other resources as Outputs.
            const ns = new k8s.core.v1.Namespace("apps", { metadata: { name: "apps" } });
            return new RedisCluster("cache", {
                namespace: ns.metadata.name,
                createNamespace: false,
                engine: "redis",
                image: pulumi.output("registry.example.com/redis:7.2.16-alpine"),
                storage: { storageClass: pulumi.output("gp3") },
                resources: { requests: { memory: Promise.resolve("256Mi") } },
                labels: { team: pulumi.output("data") },
                backup: {
                    s3: {
                        enabled: true,
                        oidcProviderArn: pulumi.output(ARN),
                        oidcProviderUrl: pulumi.output(ISSUER),
                        bucketName: pulumi.output("cache-backups-eu"),
                    },
                },
            });
        }, mocks);
        const kube = run.resources
            .filter((r) => r.type.startsWith("kubernetes:") && r.name.startsWith("cache-"))
            .map((r) => r.inputs as any);
        assert.ok(kube.length > 10);
        for (const o of kube) assert.strictEqual(o.metadata.namespace, "apps", `${o.kind} ${o.metadata.name}`);
        for (const o of kube) assert.strictEqual(o.metadata.labels?.team, "data", `${o.kind} ${o.metadata.name}`);
        const sts = kube.find((o) => o.kind === "StatefulSet");
        assert.strictEqual(sts.spec.volumeClaimTemplates[0].spec.storageClassName, "gp3");
        assert.strictEqual(sts.spec.template.spec.containers[0].image, "registry.example.com/redis:7.2.16-alpine");
        assert.strictEqual(sts.spec.template.spec.containers[0].resources.requests.memory, "256Mi");
        const role = run.resources.find((r) => r.type === "aws:iam/role:Role");
        assert.ok(role, "an IRSA role, not an IAM user");
        assert.ok(!run.resources.some((r) => r.type === "aws:iam/user:User"));
        const trust = JSON.parse((role.inputs as any).assumeRolePolicy);
        assert.strictEqual(trust.Statement[0].Principal.Federated, ARN);
        assert.deepStrictEqual(Object.keys(trust.Statement[0].Condition.StringEquals).sort(), [`${ISSUER}:aud`, `${ISSUER}:sub`]);
        assert.strictEqual(trust.Statement[0].Condition.StringEquals[`${ISSUER}:sub`], "system:serviceaccount:apps:cache-backup");
        const bucket = run.resources.find((r) => r.type === "aws:s3/bucket:Bucket");
        assert.strictEqual((bucket!.inputs as any).bucket, "cache-backups-eu");
        const formation = run.resources.find((r) => r.name === "cache-formation")!.inputs as any;
        assert.strictEqual(formation.namespace, "apps");
        assert.match(formation.nodes[0].address, /^cache-0\.cache-headless\.apps\.svc\.cluster\.local$/);
    });

    it("an invalid resolved value fails with key, value and what is allowed, and no child registers", () => {
        const r = runChild({
            name: "cache",
            args: { namespace: "Not_A_Namespace", storage: { storageClass: "gp3" } },
            outputs: ["namespace", "storage.storageClass"],
        });
        assert.match(r.error!, /namespace: got "Not_A_Namespace"; a lowercase RFC 1123 name/);
        assert.deepStrictEqual(r.registered, []);
        // Given as an Output, an OIDC provider ARN chooses IRSA; resolving to "" contradicts that.
        const empty = runChild({
            name: "cache",
            args: { backup: { s3: { oidcProviderArn: "", oidcProviderUrl: "" } } },
            outputs: ["backup.s3.oidcProviderArn", "backup.s3.oidcProviderUrl"],
        });
        assert.match(empty.error!, /backup\.s3\.oidcProviderArn: got ""; a value that is not empty: given as an Output it counts as set/);
        assert.deepStrictEqual(empty.registered, []);
    });

    it("a resolved value that renames an object fails before anything registers", () => {
        // The node-tuning namespace is named after the namespace: its name must be known up front.
        const r = runChild({ name: "cache", args: { namespace: "apps", systemInit: { enabled: true } }, outputs: ["namespace"] });
        assert.match(
            r.error!,
            /the values of namespace \(given as Outputs\) change which Kubernetes objects exist or their names .*Namespace\/apps-node-tuning/,
        );
        assert.deepStrictEqual(r.registered, []);
    });

    it("valid Outputs, run the same way, register the whole deployment", () => {
        const r = runChild({
            name: "cache",
            args: { namespace: "apps", backup: { s3: { enabled: true, bucketName: "cache-eu" } } },
            outputs: ["namespace", "backup.s3.bucketName"],
        });
        assert.strictEqual(r.error, null);
        assert.ok(r.registered.includes("kubernetes:apps/v1:StatefulSet cache-statefulset-cache"), r.registered.join(", "));
        assert.ok(r.registered.includes("aws:s3/bucket:Bucket cache-backups"));
    });

    it("an Output where a plain value decides the resources fails at once, naming the setting", () => {
        const args = { shards: pulumi.output(6), backup: { enabled: pulumi.output(false) } } as unknown as RedisClusterArgs;
        assert.throws(
            () => new RedisCluster("cache", args),
            (e: Error) =>
                /- shards: got "a pulumi Output or Promise"; a plain value/.test(e.message) && /- backup\.enabled: got/.test(e.message),
        );
    });

    it("the engine is plain, and named outright when the image is an Output", () => {
        const engine = { engine: pulumi.output("redis") } as unknown as RedisClusterArgs;
        assert.throws(() => new RedisCluster("cache", engine), /- engine: got "a pulumi Output or Promise"; a plain value/);
        // Unset, the engine would come from the image's repository, known only once it resolves.
        assert.throws(
            () => new RedisCluster("cache", { image: pulumi.output("redis:7.2.16-alpine") }),
            /- engine: got "unset"; "valkey" or "redis", set explicitly when image is given as a pulumi Output/,
        );
    });

    it("problems of the plain values still fail at construction, beside Outputs", () => {
        assert.throws(() => new RedisCluster("cache", { namespace: pulumi.output("apps"), shards: 2 }), /- shards: got 2; at least 3/);
    });

    it("the package schema marks exactly these settings as inputs for other languages", () => {
        const schema = buildSchema();
        const inputs: string[] = [];
        const walk = (props: Record<string, any>, prefix: string) => {
            for (const [name, prop] of Object.entries<any>(props)) {
                const key = prefix + name;
                const target = prop.items ?? prop;
                if (
                    !prop.plain ||
                    (prop.additionalProperties && !prop.additionalProperties.plain) ||
                    (prop.items && !prop.items.plain && !prop.items.$ref)
                )
                    inputs.push(key);
                if (target.$ref?.startsWith("#/types/")) walk(schema.types[target.$ref.slice(8)].properties, `${key}.`);
            }
        };
        walk(schema.resources["redis-cluster:index:RedisCluster"].inputProperties, "");
        assert.deepStrictEqual(inputs.sort(), [...INPUT_SETTINGS, "kubeconfig", "kubeContext"].sort());
    });
});
