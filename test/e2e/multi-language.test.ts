// End to end with the real engines, from other languages: a Pulumi YAML program and a Python
// program (the real pulumi-language-yaml and pulumi-language-python, built from their Go modules;
// the Python SDK from PyPI) name this package's provider folder in their Pulumi.yaml `packages`,
// deploy a dev-shaped RedisCluster onto the local control plane and read its outputs. The
// component runs in the package's own provider plugin (provider/), whose formation steps are its
// own custom resources: the dynamic provider a TypeScript program uses cannot load there.
// `pulumi package add` cannot be used here: the language hosts that build from the served modules
// lack what it calls (Link for YAML 1.25.0, GeneratePackage for Python 3.68), so the Python
// program declares the remote component as a generated SDK would (docs/multi-language.md).
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import * as YAML from "yaml";
import { KUBELET_PORT } from "../../kube/node/kubelet-server";
import { kubectlJson } from "./support/local-cluster";
import { committedStackConfig, LocalStack, useLocalStack } from "./support/local-stack";
import { tail } from "./support/pulumi-cli";
import { accessOf, clusterCheck, runExample } from "./support/stack-checks";

const REPO = path.resolve(__dirname, "../../..");
const PROVIDER_DIR = path.join(REPO, "provider");
/** The Python SDK of the same release as the CLI and the Node SDK. */
const PYTHON_SDK = "pulumi==3.248.0";
const execFileAsync = promisify(execFile);
const OUTPUTS = ["seedAddresses", "username", "password", "connectionUrl", "shardLayout", "namespace"];

/**
 * The dev stack's settings in a namespace of their own. The YAML program keeps the dev stack's
 * `port-forward` (formation reaches each pod through the API server and the node agent's kubelet
 * API, and has no other way in); the Python one reaches the pods directly at their addresses.
 */
const settings = (namespace: string, connectivity: "direct" | "port-forward") => ({
    ...committedStackConfig("Pulumi.dev.yaml", namespace),
    formation: { connectivity },
});

/** A consumer's project folder: Pulumi.yaml with the package by its provider folder, and `files`. */
function consumer(name: string, project: Record<string, unknown>, files: Record<string, string> = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify({ name, ...project, packages: { "redis-cluster": PROVIDER_DIR } }));
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
    return dir;
}

/** The YAML program: one RedisCluster, its outputs exported. */
function yamlConsumer(namespace: string): string {
    return consumer("redis-yaml-consumer", {
        runtime: "yaml",
        resources: { cache: { type: "redis-cluster:index:RedisCluster", properties: settings(namespace, "port-forward") } },
        outputs: Object.fromEntries(OUTPUTS.map((key) => [key, `\${cache.${key}}`])),
    });
}

/**
 * The Python program, with the class `pulumi package add` would generate (a remote component of
 * the package's type) written out, and a virtualenv with the Python SDK from PyPI.
 */
function pythonConsumer(namespace: string): { dir: string; ready: Promise<void> } {
    const program = `import json
import pulumi

class RedisCluster(pulumi.ComponentResource):
    def __init__(self, name, props, opts=None):
        # Outputs that are also inputs (namespace) keep the input's value, as a generated SDK does.
        outputs = {key: None for key in ${JSON.stringify(OUTPUTS)} if key not in props}
        super().__init__("redis-cluster:index:RedisCluster", name, {**props, **outputs}, opts, remote=True)

cache = RedisCluster("cache", json.loads(${JSON.stringify(JSON.stringify(settings(namespace, "direct")))}))
for key in ${JSON.stringify(OUTPUTS)}:
    pulumi.export(key, getattr(cache, key))
`;
    const dir = consumer("redis-python-consumer", { runtime: "python" }, { "__main__.py": program });
    const ready = (async () => {
        await execFileAsync("python3", ["-m", "venv", path.join(dir, "venv")]);
        await execFileAsync(path.join(dir, "venv", "bin", "pip"), ["install", "--quiet", PYTHON_SDK], { timeout: 600_000 });
    })();
    // Awaited by the Python scenario's hook; a failure must not surface earlier as an unhandled rejection.
    ready.catch(() => undefined);
    return { dir, ready };
}

/**
 * The Python consumer, started once: its virtualenv and the SDK from PyPI are made while the YAML
 * program deploys, instead of on their own between the two deployments.
 */
let python: ReturnType<typeof pythonConsumer> | undefined;
const pythonStarted = () => (python ??= pythonConsumer("redis-e2e-python"));

/** Deploys the consumer's stack and checks what a user of the outputs would. */
async function deployAndUse(stack: LocalStack, name: string, namespace: string) {
    const { pulumi } = stack;
    await pulumi.initStack(name, {});
    const up = await pulumi.ok(["up", "--yes", "--skip-preview", "--non-interactive", "-s", name]);
    // The steps are the package provider's own resources, not dynamic ones.
    assert.match(up.stdout, /redis-cluster:index:ClusterFormation/, tail(up.stdout));
    assert.doesNotMatch(up.stdout, /pulumi-nodejs:dynamic/);
    const outputs = await pulumi.outputs(name);
    // The component went where the program asked, not to the default namespace.
    assert.strictEqual(outputs.namespace, namespace);
    const sets = kubectlJson(stack.cluster, ["get", "statefulsets", "-n", namespace]).items;
    assert.deepStrictEqual(
        sets.map((set: any) => set.status.readyReplicas),
        [6],
        `StatefulSets in ${namespace}: ${sets.map((set: any) => set.metadata.name)}`,
    );
    const access = accessOf(outputs);
    assert.strictEqual(access.seeds.length, 6);
    assert.strictEqual(outputs.shardLayout.length, 3);
    const written = runExample(access, "ioredis", `e2e-${name}`, 1000);
    assert.deepStrictEqual([written.written, written.readBack, written.masters], [1000, 1000, 3]);
    const check = clusterCheck(access);
    assert.ok(check.ok, check.output);
    const shown = await pulumi.ok(["stack", "output", "--json", "-s", name]);
    const plain = JSON.parse(shown.stdout);
    assert.strictEqual(plain.password, "[secret]");
    assert.strictEqual(plain.connectionUrl, "[secret]");
    assert.ok(!shown.stdout.includes(access.password));
}

describe("e2e: a YAML program deploys the component through the package's provider", function () {
    this.timeout(1_200_000);
    const STACK = "test-e2e-yaml";
    let dir: string;
    const stack = useLocalStack(STACK, "redis-e2e-yaml", () => (dir = yamlConsumer("redis-e2e-yaml")));
    before(() => void pythonStarted());
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it("`pulumi up` forms the cluster: the outputs reach a client, all slots are covered, the password stays secret", async () => {
        await deployAndUse(stack, STACK, "redis-e2e-yaml");
    });

    it("the port-forward went through the kubelet API, which answers the API server's certificate only", async () => {
        const pki = path.join(path.dirname(stack.cluster.kubeconfig), "pki");
        const ask = (cert?: string) =>
            new Promise<string>((resolve) => {
                const options = cert
                    ? { cert: fs.readFileSync(path.join(pki, `${cert}.crt`)), key: fs.readFileSync(path.join(pki, `${cert}.key`)) }
                    : {};
                https
                    .get(
                        {
                            host: "198.19.1.1",
                            port: KUBELET_PORT,
                            path: "/portForward/redis-e2e-yaml/redis-cluster-0?port=6379",
                            ca: fs.readFileSync(path.join(pki, "ca.crt")),
                            headers: {
                                Connection: "Upgrade",
                                Upgrade: "websocket",
                                "Sec-WebSocket-Version": "13",
                                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                            },
                            ...options,
                        },
                        (res) => {
                            res.resume();
                            resolve(`HTTP ${res.statusCode}`);
                        },
                    )
                    .on("upgrade", (res, socket) => {
                        socket.destroy();
                        resolve(`HTTP ${res.statusCode}`);
                    })
                    .on("error", (e) => resolve(e.message));
            });
        // The cluster admin is not the API server: refused, as a kubelet refuses an unauthorized client.
        assert.strictEqual(await ask("admin"), "HTTP 403");
        assert.match(await ask(), /certificate required|socket hang up|ECONNRESET/);
        // Formation reached the pods only through forwards (port-forward has no direct fallback),
        // so the deploy above already crossed the API server and this node API end to end.
        const log = fs.readFileSync(path.join(path.dirname(stack.cluster.kubeconfig), "logs", "node-agent.log"), "utf8");
        assert.doesNotMatch(log, /error forwarding port/);
    });

    it("a preview right after changes nothing, and refresh reads the formed cluster back", async () => {
        const preview = await stack.pulumi.run(["preview", "--expect-no-changes", "--non-interactive", "-s", STACK]);
        assert.strictEqual(preview.code, 0, tail(preview.stdout));
        const refresh = await stack.pulumi.run(["refresh", "--yes", "--expect-no-changes", "--non-interactive", "-s", STACK]);
        assert.strictEqual(refresh.code, 0, tail(refresh.stdout));
    });
});

describe("e2e: a Python program deploys the component through the package's provider", function () {
    this.timeout(1_200_000);
    const STACK = "test-e2e-python";
    let dir: string;
    const stack = useLocalStack(STACK, "redis-e2e-python", () => (dir = pythonStarted().dir));
    before(async () => {
        await pythonStarted().ready;
        // The project's virtualenv, as an activated one: the Python host (3.68) takes python3 from PATH.
        stack.pulumi.env.PATH = `${path.join(dir, "venv", "bin")}:${stack.pulumi.env.PATH}`;
        stack.pulumi.env.VIRTUAL_ENV = path.join(dir, "venv");
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it("`pulumi up` forms the cluster: the outputs reach a client, all slots are covered, the password stays secret", async () => {
        await deployAndUse(stack, STACK, "redis-e2e-python");
    });
});
