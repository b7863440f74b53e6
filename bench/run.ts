// npm run bench [-- --quick]: runs the benchmarks, prints tables, writes JSON under bench/results/.
import { benchFormation, printFormation } from "./formation";
import { writeResult } from "./stats";

async function main(): Promise<void> {
    const quick = process.argv.includes("--quick");
    const runs = quick ? 3 : 5;
    const formation = [];
    for (const nodes of quick ? [6] : [6, 30]) formation.push(await benchFormation(nodes, runs));
    printFormation(formation);
    console.log(`\nwrote ${writeResult("formation", { quick, formation })}`);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
}).then(() => process.exit(0));
