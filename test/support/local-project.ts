// A scratch project for local-mode tests that edit their stack file between `up`s, the way a
// user edits Pulumi.<stack>.yaml: the repository's Pulumi.yaml, a stack file derived from the dev
// stack, and its own state directory and address range.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { down, up, UpResult } from "../../local/deployment";
import { Workload } from "../../testing/workload";
import { adminPasswordOf } from "./local-deployment";
import { engineUnderTest } from "./test-engine";

export const REPO_ROOT = path.join(__dirname, "..", "..", "..");
const ENV_KEYS = ["REDIS_LOCAL_PROJECT_DIR", "REDIS_LOCAL_STATE_DIR", "REDIS_LOCAL_ADDRESS_BASE"] as const;

export class LocalProject {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-project-"));
    private readonly saved = ENV_KEYS.map((k) => [k, process.env[k]] as const);
    private workload?: Workload;

    constructor(
        readonly stack: string,
        addressBase: string,
    ) {
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(this.dir, "Pulumi.yaml"));
        process.env.REDIS_LOCAL_PROJECT_DIR = this.dir;
        process.env.REDIS_LOCAL_STATE_DIR = path.join(this.dir, "state");
        process.env.REDIS_LOCAL_ADDRESS_BASE = addressBase;
    }

    /** The state directory of the stack's deployment. */
    get stateDir(): string {
        return path.join(this.dir, "state", this.stack);
    }

    /** Writes the stack file: the dev stack with `config` keys (without the project prefix) replaced; null removes a key. */
    write(config: Record<string, unknown>): void {
        const dev = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8"));
        for (const [key, value] of Object.entries({ ...engineUnderTest(), ...config })) {
            if (value === null) delete dev.config[`redis-cluster:${key}`];
            else dev.config[`redis-cluster:${key}`] = value;
        }
        fs.writeFileSync(path.join(this.dir, `Pulumi.${this.stack}.yaml`), YAML.stringify(dev));
    }

    /** The dev stack's value of `key`. */
    devValue(key: string): any {
        return YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")).config[`redis-cluster:${key}`];
    }

    up(): Promise<UpResult> {
        return up(this.stack);
    }

    /** `up` in a child process, as a user's `npm run local -- up` (for tests that kill it). */
    spawnUp(): ChildProcess {
        return spawn(process.execPath, [path.join(REPO_ROOT, "dist", "local", "cli.js"), "up", "--stack", this.stack], {
            cwd: REPO_ROOT,
            env: process.env,
            stdio: ["ignore", "pipe", "pipe"],
        });
    }

    /** A write workload (SET + WAIT 1) on the deployment, stopped by destroy() at the latest. */
    async startWorkload(deployment: UpResult, password: string): Promise<Workload> {
        this.workload = new Workload(
            deployment.seeds.map((s) => ({ host: s.split(":")[0], port: Number(s.split(":")[1]) })),
            password,
            { concurrency: 4 },
        );
        await this.workload.start();
        return this.workload;
    }

    async destroy(): Promise<void> {
        await this.workload?.stop();
        this.workload?.close();
        await down(this.stack).catch(() => undefined);
        for (const [k, v] of this.saved) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** A suite's LocalProject, its deployment as the last `up` left it, and the app and admin passwords. */
export interface SuiteProject {
    project: LocalProject;
    deployment: UpResult;
    /** The app user's password. */
    password: string;
    adminPassword: string;
}

/**
 * A LocalProject for a whole suite: a `before` hook creates it, lets `write` write its stack file,
 * runs `up` and reads the passwords; an `after` hook destroys it (workload, deployment, files).
 */
export function suiteProject(stack: string, addressBase: string, write: (project: LocalProject) => void): SuiteProject {
    const suite = {} as SuiteProject;
    before(async () => {
        suite.project = new LocalProject(stack, addressBase);
        write(suite.project);
        suite.deployment = await suite.project.up();
        suite.password = fs.readFileSync(suite.deployment.passwordFile, "utf8");
        suite.adminPassword = adminPasswordOf(suite.deployment);
    });
    after(async () => {
        await suite.project?.destroy();
    });
    return suite;
}
