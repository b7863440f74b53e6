// The engine the local-mode tests run. Unset (or "valkey"): the stack files' own, Valkey 8.1.
// REDIS_TEST_ENGINE=redis: the same tests on engine "redis" with its default image (redis:7.2.x);
// no Redis 7.2 can be built here, so local mode stands Debian's Redis 8.0 in, and says so on every
// `up` (docs/engines.md). CI runs the cross-engine subset of files both ways.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { STAND_IN_ENV } from "../../local/engines";

/** Stack config keys (without the project prefix) that select the engine under test. */
export function engineUnderTest(): Record<string, string> {
    const engine = process.env.REDIS_TEST_ENGINE ?? "valkey";
    if (engine === "valkey") return {};
    if (engine !== "redis") throw new Error(`REDIS_TEST_ENGINE=${engine}: allowed are "valkey" (default) and "redis"`);
    process.env[STAND_IN_ENV] = "1";
    return { engine: "redis" };
}

/** Writes `from`'s stack file into `dir` with the engine under test. */
export function writeStackForEngine(from: string, dir: string, stack: string): void {
    const doc = YAML.parse(fs.readFileSync(from, "utf8"));
    for (const [key, value] of Object.entries(engineUnderTest())) doc.config[`redis-cluster:${key}`] = value;
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), YAML.stringify(doc));
}
