// Secrets stay secret: each stack runs under Pulumi's mocks with a distinct canary for every secret
// value a provider would generate (the generated password and whatever else the table below
// lists), and every rendered object, every other resource, the printed render, the stack outputs
// and everything the run wrote to the console are scanned for each canary, raw and base64.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { packageRoot } from "../../components/package-files";
import { USER_ROLES } from "../../components/settings/spec";
import { RegisteredResource, resolveOutput } from "../../tools/pulumi-mocks";
import { runStackUnderMocks, splitResources, toYamlStream } from "../../tools/render";

/** Secret outputs of the resource types a stack may use, by type token. */
const SECRET_OUTPUTS: Record<string, string[]> = {
    "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"],
    "random:index/randomString:RandomString": ["result"],
    "random:index/randomBytes:RandomBytes": ["base64", "hex"],
    "aws:iam/accessKey:AccessKey": ["secret", "sesSmtpPasswordV4", "encryptedSecret"],
    "tls:index/privateKey:PrivateKey": ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"],
};

interface Canary {
    where: string;
    value: string;
}

/** A mock output generator that hands out canaries and remembers them. */
function canaryOutputs() {
    const canaries: Canary[] = [];
    const outputs = (type: string, name: string) => {
        // Any random: resource has a `result`, even a type this table does not know yet.
        const fields = SECRET_OUTPUTS[type] ?? (type.startsWith("random:") ? ["result"] : []);
        return Object.fromEntries(
            fields.map((field) => {
                const value = `Canary${canaries.length}${Math.random().toString(36).slice(2, 14)}Zq`;
                canaries.push({ where: `${type} ${name}.${field}`, value });
                return [field, value];
            }),
        );
    };
    return { canaries, outputs };
}

/** The canaries found in `text`, each named with where it came from. */
function leaks(text: string, canaries: Canary[]): string[] {
    return canaries.filter((c) => text.includes(c.value) || text.includes(Buffer.from(c.value).toString("base64"))).map((c) => c.where);
}

/** Runs `fn` and returns what it wrote to stdout and stderr (console.log included). */
async function captureConsole<T>(fn: () => Promise<T>): Promise<{ result: T; output: string }> {
    const chunks: string[] = [];
    const original = { out: process.stdout.write, err: process.stderr.write };
    const tap = (stream: NodeJS.WriteStream, write: typeof process.stdout.write) =>
        function (this: unknown, chunk: any, ...rest: any[]) {
            chunks.push(String(chunk));
            return (write as any).call(stream, chunk, ...rest);
        };
    process.stdout.write = tap(process.stdout, original.out) as any;
    process.stderr.write = tap(process.stderr, original.err) as any;
    try {
        return { result: await fn(), output: chunks.join("") };
    } finally {
        process.stdout.write = original.out;
        process.stderr.write = original.err;
    }
}

/** A Kubernetes object without the fields a Secret is meant to hold secrets in. */
function outsideSecretData(r: RegisteredResource): unknown {
    if (r.type !== "kubernetes:core/v1:Secret") return r.inputs;
    const { data, stringData, ...rest } = r.inputs;
    return rest;
}

/**
 * A project directory with the prod stack in the middle of a password rotation: both generations
 * of every user's password are in use, so both are scanned for.
 */
function rotationProject(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secret-scan-"));
    fs.copyFileSync(path.join(packageRoot, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(
        path.join(dir, "Pulumi.rotation.yaml"),
        fs.readFileSync(path.join(packageRoot, "Pulumi.prod.yaml"), "utf8") +
            "  redis-cluster:auth:\n    rotation: 3\n    acceptPrevious: true\n    defaultUser: true\n",
    );
    return dir;
}

describe("secret scan of a whole stack run", function () {
    this.timeout(60000);

    for (const stack of ["prod", "dev", "rotation"]) {
        it(`${stack}: no generated secret outside Secret data, unmarked inputs, outputs, the render or the console`, async () => {
            const { canaries, outputs } = canaryOutputs();
            const dir = stack === "rotation" ? rotationProject() : packageRoot;
            const { result: run, output: consoleText } = await captureConsole(() => runStackUnderMocks(stack, dir, outputs));
            if (dir !== packageRoot) fs.rmSync(dir, { recursive: true, force: true });
            // Every user's password (and during the rotation the previous ones too) is scanned for.
            const passwords = canaries.filter(
                (c) => c.where.startsWith("random:index/randomPassword:RandomPassword") && c.where.endsWith(".result"),
            );
            assert.strictEqual(
                passwords.length,
                2 * USER_ROLES.length,
                `expected 2 password slots for each of ${USER_ROLES.length} users, got ${passwords.map((c) => c.where).join(", ")}`,
            );
            const secretText = JSON.stringify(run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret").map((r) => r.inputs));
            const inSecret = passwords.filter((c) => secretText.includes(c.value)).length;
            assert.strictEqual(
                inSecret,
                stack === "rotation" ? 2 * USER_ROLES.length : USER_ROLES.length,
                "the Secret does not hold every password in use",
            );
            assert.ok(
                canaries.some((c) => c.where.startsWith("random:index/randomPassword:RandomPassword")),
                "no password was generated",
            );

            // The scan sees a secret where it belongs: it would see one anywhere else.
            const secrets = run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
            assert.ok(
                secrets.length > 0 && secrets.every((r) => leaks(JSON.stringify(r.inputs), canaries).length > 0),
                "the canary did not reach the Secret, so the scan proves nothing",
            );

            const found: string[] = [];
            for (const r of run.resources) {
                const kube = r.type.startsWith("kubernetes:");
                // Kubernetes objects carry secrets only in Secret data; other resources only as
                // values marked secret (encrypted in the state, redacted when printed).
                const text = JSON.stringify(kube ? outsideSecretData(r) : r.redactedInputs);
                for (const where of leaks(text, canaries)) found.push(`${r.type} ${r.name} contains ${where}`);
            }
            for (const where of leaks(toYamlStream(splitResources(run.resources)), canaries)) found.push(`the render prints ${where}`);
            for (const where of leaks(consoleText, canaries)) found.push(`the console shows ${where}`);

            let secretOutputs = 0;
            for (const [key, output] of Object.entries(run.result)) {
                const { value, secret } = await resolveOutput(output as any);
                const hits = leaks(JSON.stringify(value) ?? "", canaries);
                if (hits.length > 0 && secret) secretOutputs++;
                if (hits.length > 0 && !secret) found.push(`stack output ${key} is not secret and contains ${hits.join(", ")}`);
            }
            assert.deepStrictEqual(found, []);
            // password and connectionUrl carry the password, marked secret.
            assert.strictEqual(secretOutputs, 2);
        });
    }

    it("catches a leak: a canary copied into a ConfigMap, base64-encoded", () => {
        const { canaries, outputs } = canaryOutputs();
        const { result } = outputs("random:index/randomPassword:RandomPassword", "pw") as { result: string };
        const configMap = { data: { "app.conf": `auth ${Buffer.from(result).toString("base64")}` } };
        assert.deepStrictEqual(leaks(JSON.stringify(configMap), canaries), ["random:index/randomPassword:RandomPassword pw.result"]);
        assert.deepStrictEqual(leaks(JSON.stringify({ data: { "app.conf": "auth nothing" } }), canaries), []);
    });
});
