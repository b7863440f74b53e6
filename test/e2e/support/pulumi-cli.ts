// The real Pulumi CLI, as a user runs it against the local cluster: `PATH=<bin>:$PATH
// KUBECONFIG=<kubeconfig> pulumi ...` in this repository (the project), with a file backend and a
// passphrase secrets provider of the test's own, and no plugin downloads (there is no network).
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import type { LocalCluster } from "./local-cluster";

const REPO = path.resolve(__dirname, "../../../..");

export interface CliResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

export class PulumiProject {
    readonly home: string;
    readonly env: NodeJS.ProcessEnv;

    constructor(
        readonly cluster: LocalCluster,
        readonly dir = REPO,
    ) {
        this.home = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-e2e-"));
        fs.mkdirSync(path.join(this.home, "backend"));
        this.env = {
            ...process.env,
            PATH: `${cluster.bin}:${process.env.PATH}`,
            KUBECONFIG: cluster.kubeconfig,
            PULUMI_HOME: path.join(this.home, "home"),
            PULUMI_BACKEND_URL: `file://${path.join(this.home, "backend")}`,
            // Not a secret: it encrypts a throw-away test state.
            PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(12).toString("hex"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            NO_COLOR: "1",
        };
    }

    /**
     * Runs `pulumi <args>`; output is kept, and echoed to the test log when REDIS_E2E_VERBOSE is set,
     * unless `quiet` (a command that prints secrets).
     */
    run(args: string[], timeoutMs = 900_000, quiet = false): Promise<CliResult> {
        return new Promise((resolve) => {
            const child = spawn("pulumi", [...args, "--color", "never"], {
                cwd: this.dir,
                env: this.env,
                stdio: ["ignore", "pipe", "pipe"],
            });
            let stdout = "";
            let stderr = "";
            const echo = process.env.REDIS_E2E_VERBOSE && !quiet ? (d: Buffer) => process.stderr.write(d) : () => undefined;
            child.stdout.on("data", (d) => {
                stdout += d;
                echo(d);
            });
            child.stderr.on("data", (d) => {
                stderr += d;
                echo(d);
            });
            const timer = setTimeout(() => child.kill("SIGINT"), timeoutMs);
            child.on("close", (code) => {
                clearTimeout(timer);
                resolve({ code, stdout, stderr });
            });
        });
    }

    /** Like run, but a non-zero exit fails with the CLI's own words. */
    async ok(args: string[], timeoutMs?: number, quiet = false): Promise<CliResult> {
        const r = await this.run(args, timeoutMs, quiet);
        if (r.code !== 0)
            throw new Error(
                `pulumi ${args.join(" ")} exited ${r.code}:\n${quiet ? "(output withheld: it holds secrets)" : failureReport(r.stdout)}\n${tail(r.stderr)}`,
            );
        return r;
    }

    stackFile(stack: string): string {
        return path.join(this.dir, `Pulumi.${stack}.yaml`);
    }

    /** `pulumi stack init`, then the stack file's config replaced by `config` (keys without the project prefix). */
    async initStack(stack: string, config: Record<string, unknown>, project = "redis-cluster"): Promise<void> {
        // A run killed before its cleanup leaves the stack file, salted for its own passphrase:
        // `stack init` would then fail with "incorrect passphrase".
        fs.rmSync(this.stackFile(stack), { force: true });
        await this.ok(["stack", "init", stack, "--non-interactive"]);
        this.setConfig(stack, config, project);
    }

    setConfig(stack: string, config: Record<string, unknown>, project = "redis-cluster"): void {
        const file = this.stackFile(stack);
        const doc = fs.existsSync(file) ? (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) : {};
        doc.config = Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `${project}:${k}`, v]));
        fs.writeFileSync(file, YAML.stringify(doc));
    }

    config(stack: string): Record<string, unknown> {
        const doc = YAML.parse(fs.readFileSync(this.stackFile(stack), "utf8"));
        return Object.fromEntries(Object.entries(doc.config ?? {}).map(([k, v]) => [k.replace(/^redis-cluster:/, ""), v]));
    }

    async outputs(stack: string): Promise<Record<string, any>> {
        const r = await this.ok(["stack", "output", "--json", "--show-secrets", "-s", stack], undefined, true);
        return JSON.parse(r.stdout);
    }

    /** Removes the stack file and every state this project wrote. */
    cleanup(stacks: string[]): void {
        for (const s of stacks) fs.rmSync(this.stackFile(s), { force: true });
        fs.rmSync(this.home, { recursive: true, force: true });
    }
}

export const tail = (text: string, lines = 40): string => text.trim().split("\n").slice(-lines).join("\n");

/**
 * The CLI prints every resource's error under "Diagnostics:", after the progress lines. A plain tail
 * cut a provider's error off when several resources failed, so the report keeps that whole section
 * (bounded) and falls back to the tail when there is none.
 */
export function failureReport(stdout: string, maxLines = 300): string {
    const at = stdout.lastIndexOf("\nDiagnostics:");
    if (at < 0) return tail(stdout);
    return tail(stdout.slice(at), maxLines);
}
