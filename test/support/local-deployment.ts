// A local-mode deployment of the dev stack (or another) for one test file: its own state directory and address
// range, so files can run one after another without meeting each other's pods.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { down, up, UpResult } from "../../local/deployment";
import { passwordKey } from "../../components/settings/spec";
import { engineUnderTest, writeStackForEngine } from "./test-engine";

export interface TestDeployment {
    deployment: UpResult;
    /** The app user (what `up` hands clients) and its password. */
    user: string;
    password: string;
    /** The admin user's password, for operator commands (CLUSTER FAILOVER, DEBUG, CONFIG ...). */
    adminPassword: string;
    root: string;
    stop(): Promise<void>;
}

/** The admin password of a local-mode deployment: beside the app user's, in the state's secrets. */
export function adminPasswordOf(deployment: UpResult): string {
    return fs.readFileSync(path.join(path.dirname(deployment.passwordFile), passwordKey("admin")), "utf8");
}

/**
 * The last lines of every container log of a local-mode deployment: printed by a test that
 * failed, so a failure on CI explains itself (the state directory is gone afterwards).
 */
export function podLogTails(root: string, stack: string, lines = 80): string {
    const pods = path.join(root, stack, "pods");
    if (!fs.existsSync(pods)) return "";
    const out: string[] = [];
    for (const pod of fs.readdirSync(pods).sort()) {
        for (const file of fs
            .readdirSync(path.join(pods, pod))
            .filter((f) => f.endsWith(".log"))
            .sort()) {
            const text = fs
                .readFileSync(path.join(pods, pod, file), "utf8")
                .trimEnd()
                .split("\n")
                .slice(-lines);
            out.push(`--- ${pod}/${file}`, ...text);
        }
    }
    return out.join("\n");
}

/**
 * What the kubelet does when a mounted Secret changes: writes `files` into volume `volume` of
 * every pod of the deployment in `stateDir`, in place (undefined removes a file).
 */
export function updateMountedSecret(stateDir: string, volume: string, files: Record<string, string | undefined>): void {
    const pods = path.join(stateDir, "pods");
    for (const pod of fs.readdirSync(pods)) {
        const dir = path.join(pods, pod, volume);
        if (!fs.existsSync(dir)) continue;
        for (const [name, content] of Object.entries(files)) {
            const file = path.join(dir, name);
            if (content === undefined) fs.rmSync(file, { force: true });
            else fs.writeFileSync(file, content, { mode: 0o600 });
        }
    }
}

/** A fresh state directory for a test deployment. */
export function newStateRoot(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "local-dev-"));
}

/** An afterEach hook body: the pods' log tails when the test just run failed. */
export function printLogsOnFailure(ctx: Mocha.Context, t: TestDeployment | undefined, stack: string): void {
    if (t && ctx.currentTest?.state === "failed") console.log(podLogTails(t.root, stack));
}

/** `root`: the state directory to use (made before, e.g. for a leak sampler to watch it from the start). */
export async function startDevDeployment(addressBase: string, stack = "dev", root = newStateRoot()): Promise<TestDeployment> {
    const saved = {
        dir: process.env.REDIS_LOCAL_STATE_DIR,
        base: process.env.REDIS_LOCAL_ADDRESS_BASE,
        project: process.env.REDIS_LOCAL_PROJECT_DIR,
    };
    process.env.REDIS_LOCAL_STATE_DIR = root;
    process.env.REDIS_LOCAL_ADDRESS_BASE = addressBase;
    if (Object.keys(engineUnderTest()).length > 0) {
        // Another engine than the stack file's: a project copy whose stack file names it.
        const project = fs.mkdtempSync(path.join(root, "project-"));
        const from = saved.project ?? process.cwd();
        fs.copyFileSync(path.join(from, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
        writeStackForEngine(path.join(from, `Pulumi.${stack}.yaml`), project, stack);
        process.env.REDIS_LOCAL_PROJECT_DIR = project;
    }
    const stop = async () => {
        await down(stack).catch(() => undefined);
        for (const [k, v] of [
            ["REDIS_LOCAL_STATE_DIR", saved.dir],
            ["REDIS_LOCAL_ADDRESS_BASE", saved.base],
            ["REDIS_LOCAL_PROJECT_DIR", saved.project],
        ] as const) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
        fs.rmSync(root, { recursive: true, force: true });
    };
    let deployment: UpResult;
    try {
        deployment = await up(stack);
    } catch (e) {
        // Whatever started must not outlive the failed test, or it holds the addresses.
        await stop();
        throw e;
    }
    return {
        deployment,
        user: deployment.user!,
        password: fs.readFileSync(deployment.passwordFile, "utf8"),
        adminPassword: adminPasswordOf(deployment),
        root,
        stop,
    };
}
