// Runs formation in a separate process, so a test can kill it with SIGKILL at a step boundary.
// argv[2]: JSON {nodes, shape, password}
import { formCluster } from "../../components/formation/live/formation";

const { nodes, shape, password } = JSON.parse(process.argv[2]);
formCluster(nodes, shape, { password, readyTimeoutMs: 10000, nodeTimeoutMs: 5000, log: (l) => console.log(l) })
    .then(() => console.log("FORMED"))
    .catch((e) => {
        console.log(`FAILED ${e.message}`);
        process.exit(1);
    });
