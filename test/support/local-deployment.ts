// A local-mode deployment of the dev stack (or another) for one test file: its own state directory and address
// range, so files can run one after another without meeting each other's pods.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { down, up, UpResult } from "../../local/deployment";

export interface TestDeployment {
    deployment: UpResult;
    password: string;
    root: string;
    stop(): Promise<void>;
}

export async function startDevDeployment(addressBase: string, stack = "dev"): Promise<TestDeployment> {
    const saved = { dir: process.env.REDIS_LOCAL_STATE_DIR, base: process.env.REDIS_LOCAL_ADDRESS_BASE };
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "local-dev-"));
    process.env.REDIS_LOCAL_STATE_DIR = root;
    process.env.REDIS_LOCAL_ADDRESS_BASE = addressBase;
    const stop = async () => {
        await down(stack).catch(() => undefined);
        for (const [k, v] of [["REDIS_LOCAL_STATE_DIR", saved.dir], ["REDIS_LOCAL_ADDRESS_BASE", saved.base]] as const) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
        fs.rmSync(root, { recursive: true, force: true });
    };
    let deployment: UpResult;
    try {
        deployment = await up(stack);
    } catch (e) {
        // A deployment that never became healthy still has processes and names to clean up.
        await stop();
        throw e;
    }
    return { deployment, password: fs.readFileSync(deployment.passwordFile, "utf8"), root, stop };
}
