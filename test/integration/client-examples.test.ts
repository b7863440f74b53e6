// The client examples of examples/clients, run as a user would run them, against a local-mode dev
// deployment (3 shards x 1 replica, the rendered pods as processes): each writes keys over every
// shard and reads them back, and each reads what the other wrote. Their TLS variants (REDIS_CA_FILE,
// host names checked) run against the TLS deployment in tls.test.ts.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { packageRoot } from "../../components/package-files";
import { printLogsOnFailure, startDevDeployment, TestDeployment } from "../support/local-deployment";

const ADDRESS_BASE = "127.0.14.11";
const COUNT = 300;
const examples = path.join(packageRoot, "examples", "clients");

describe("client examples against local mode", function () {
    this.timeout(180000);
    let dev: TestDeployment;
    let env: NodeJS.ProcessEnv;

    before(async () => {
        dev = await startDevDeployment(ADDRESS_BASE);
        env = { ...process.env, REDIS_SEEDS: dev.deployment.seeds.join(","), REDIS_USER: dev.user, REDIS_PASSWORD: dev.password };
    });

    afterEach(function () {
        printLogsOnFailure(this, dev, "dev");
    });

    after(async () => dev?.stop());

    const run = (cmd: string, args: string[]) =>
        JSON.parse(execFileSync(cmd, args, { env, encoding: "utf8", timeout: 60000 }).trim().split("\n").pop()!);

    it("ioredis Cluster writes keys over every shard and reads them back", () => {
        const out = run(process.execPath, [path.join(examples, "ioredis-cluster.js"), "ioredis", String(COUNT)]);
        assert.deepStrictEqual(
            { ...out, keysPerMaster: undefined },
            { client: "ioredis", written: COUNT, readBack: COUNT, checked: null, masters: 3, keysPerMaster: undefined },
        );
        assert.strictEqual(
            out.keysPerMaster.reduce((a: number, b: number) => a + b, 0),
            COUNT,
        );
        for (const n of out.keysPerMaster) assert.ok(n > 0, `a master holds no key: ${out.keysPerMaster}`);
    });

    it("redis-py RedisCluster writes its own keys and reads every key ioredis wrote", () => {
        // Debian's python3-redis is importable only from /usr/bin/python3.
        const out = run("/usr/bin/python3", [path.join(examples, "redis-py-cluster.py"), "redis-py", String(COUNT), "ioredis"]);
        assert.deepStrictEqual(
            { ...out, keysPerMaster: undefined },
            { client: "redis-py", written: COUNT, readBack: COUNT, checked: COUNT, masters: 3, keysPerMaster: undefined },
        );
        assert.strictEqual(
            out.keysPerMaster.reduce((a: number, b: number) => a + b, 0),
            2 * COUNT,
        );
    });

    it("ioredis reads every key redis-py wrote", () => {
        const out = run(process.execPath, [path.join(examples, "ioredis-cluster.js"), "ioredis", String(COUNT), "redis-py"]);
        assert.strictEqual(out.checked, COUNT);
    });
});
