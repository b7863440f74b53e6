// npm run local -- up|status|down|pod ... [--stack <name>]
// Runs a stack's rendered pods as local processes, each on its own loopback address.
import { ConfigError } from "../components/settings/errors";
import { down, PodAction, podAction, status, up } from "./deployment";
import { STAND_IN_ENV } from "./engines";
import { runJob } from "./jobs";

const USAGE =
    "usage: npm run local -- up|status|down [--stack <name>] [--allow-stand-in]\n" +
    "       npm run local -- run-job <cronjob> [--stack <name>]\n" +
    "       npm run local -- pod stop|kill|start|wipe <pod-name> [--address 127.0.0.x] [--stack <name>]";

async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    let stack = "dev";
    let address: string | undefined;
    const positional: string[] = [];
    for (let i = 0; i < rest.length; i++) {
        if (rest[i] === "--stack") stack = rest[++i];
        else if (rest[i] === "--address") address = rest[++i];
        // Runs another release line where the image's is not built here (engines.ts says so loudly);
        // inherited by the kubelet stand-in the command starts.
        else if (rest[i] === "--allow-stand-in") process.env[STAND_IN_ENV] = "1";
        else if (rest[i].startsWith("--")) throw new Error(`unknown argument ${rest[i]}`);
        else positional.push(rest[i]);
    }
    switch (command) {
        case "up":
            console.log(JSON.stringify(await up(stack)));
            return 0;
        case "status": {
            const s = await status(stack);
            console.log(JSON.stringify(s, null, 2));
            return s.healthy ? 0 : 1;
        }
        case "down":
            console.log(JSON.stringify({ stack, ...(await down(stack)) }));
            return 0;
        case "pod": {
            const [action, name] = positional;
            if (!["stop", "kill", "start", "wipe"].includes(action) || !name) throw new Error(USAGE);
            console.log(JSON.stringify(await podAction(stack, name, action as PodAction, { address })));
            return 0;
        }
        case "run-job": {
            const [cronJob] = positional;
            if (!cronJob) throw new Error(USAGE);
            const result = await runJob(stack, cronJob);
            for (const c of result.containers) process.stderr.write(c.output);
            console.log(JSON.stringify({ ...result, containers: result.containers.map(({ output: _o, ...c }) => c) }));
            return result.succeeded ? 0 : 1;
        }
        default:
            throw new Error(USAGE);
    }
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
        console.error(e instanceof ConfigError ? e.message : `local: ${e instanceof Error ? e.message : e}`);
        process.exit(1);
    },
);
