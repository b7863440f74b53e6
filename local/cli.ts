// npm run local -- up|status|down [--stack <name>]
// Runs a stack's rendered pods as local processes, each on its own loopback address.
import { ConfigError } from "../components/spec/errors";
import { down, status, up } from "./deployment";

async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    let stack = "dev";
    for (let i = 0; i < rest.length; i++) {
        if (rest[i] === "--stack") stack = rest[++i];
        else throw new Error(`unknown argument ${rest[i]}`);
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
        default:
            throw new Error("usage: npm run local -- up|status|down [--stack <name>]");
    }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    console.error(e instanceof ConfigError ? e.message : `local: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
});
