// npm run kube -- up [--nodes N] | status | down
// A real Kubernetes control plane on this machine (see docs/kube.md). State: .local/kube/ or $REDIS_KUBE_STATE.
import { locateBin } from "./binaries";
import { down, status, up } from "./cluster";
import { stateDir } from "./state";

const USAGE = "usage: npm run kube -- up [--nodes N] | status | down";

async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    let nodes = 3;
    for (let i = 0; i < rest.length; i++) {
        if (rest[i] === "--nodes") nodes = Number(rest[++i]);
        else throw new Error(`unknown argument ${rest[i]}\n${USAGE}`);
    }
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > 26)
        throw new Error(`--nodes must be a whole number from 1 to 26 (one zone letter each), not ${rest.join(" ")}`);
    const dir = stateDir();
    switch (command) {
        case "up": {
            const started = Date.now();
            // Progress goes to stderr: stdout's last line is the JSON a script reads.
            const say = (msg: string) => console.error(`kube: [${((Date.now() - started) / 1000).toFixed(1)} s] ${msg}`);
            const result = await up(dir, locateBin(), nodes, say);
            say("up");
            console.log(JSON.stringify(result));
            return 0;
        }
        case "status": {
            const s = await status(dir);
            console.log(s.lines.join("\n"));
            console.log(s.healthy ? "healthy" : "NOT HEALTHY");
            return s.healthy ? 0 : 1;
        }
        case "down":
            console.log(JSON.stringify({ state: dir, ...(await down(dir)) }));
            return 0;
        default:
            throw new Error(USAGE);
    }
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
        console.error(`kube: ${e instanceof Error ? e.message : e}`);
        process.exit(1);
    },
);
