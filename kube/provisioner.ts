// The local PV provisioner, a small controller run by `up` as its own detached process:
//   node dist/kube/provisioner.js --kubeconfig <file> --state <dir>
// Every second it lists claims, volumes and classes (each call bounded), plans with
// provisioner-plan.ts and carries the actions out: hostPath PVs under <state>/volumes/<pv-name>,
// their removal on release, and expansion. Polling rather than watches: a handful of objects,
// and nothing to resume after an API server restart. Stops on SIGTERM.
import * as fs from "fs";
import * as path from "path";
import { PROVISIONER_NAME } from "./bootstrap";
import { Action, plan } from "./provisioner-plan";
import { layout } from "./state";

const PASS_TIMEOUT_MS = 20000;
const INTERVAL_MS = 1000;

function log(msg: string): void {
    console.log(`${new Date().toISOString()} ${msg}`);
}

function bounded<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout;
    return Promise.race([
        p,
        new Promise<T>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
        }),
    ]).finally(() => clearTimeout(timer));
}

type Apis = { core: any; storage: any };

async function apply(apis: Apis, action: Action): Promise<void> {
    switch (action.kind) {
        case "create":
            fs.mkdirSync(action.dir, { recursive: true, mode: 0o755 });
            await apis.core.createPersistentVolume({ body: action.pv });
            log(
                `created ${action.pv.metadata.name} (${action.pv.spec.capacity.storage}) for ${action.pv.spec.claimRef.namespace}/${action.pv.spec.claimRef.name}` +
                    ` at ${action.dir}`,
            );
            return;
        case "delete":
            if (action.dir) fs.rmSync(action.dir, { recursive: true, force: true });
            await apis.core.deletePersistentVolume({ name: action.name });
            log(`deleted released ${action.name}${action.dir ? ` and ${action.dir}` : ""}`);
            return;
        case "resize-pv": {
            // Read-modify-write: a conflict (someone else wrote meanwhile) is retried on the next pass.
            const pv = await apis.core.readPersistentVolume({ name: action.name });
            pv.spec.capacity = { ...pv.spec.capacity, storage: action.size };
            await apis.core.replacePersistentVolume({ name: action.name, body: pv });
            log(`expanded ${action.name} to ${action.size}`);
            return;
        }
        case "resize-claim": {
            const pvc = await apis.core.readNamespacedPersistentVolumeClaimStatus({ name: action.name, namespace: action.namespace });
            pvc.status = {
                ...pvc.status,
                capacity: { ...pvc.status?.capacity, storage: action.size },
                allocatedResources: { ...pvc.status?.allocatedResources, storage: action.size },
                allocatedResourceStatuses: undefined,
                conditions: (pvc.status?.conditions ?? []).filter((c: any) => !["Resizing", "FileSystemResizePending"].includes(c.type)),
            };
            await apis.core.replaceNamespacedPersistentVolumeClaimStatus({ name: action.name, namespace: action.namespace, body: pvc });
            log(`claim ${action.namespace}/${action.name} now reports ${action.size}`);
        }
    }
}

async function pass(apis: Apis, volumesRoot: string): Promise<void> {
    const [pvcs, pvs, classes] = await Promise.all([
        apis.core.listPersistentVolumeClaimForAllNamespaces(),
        apis.core.listPersistentVolume(),
        apis.storage.listStorageClass(),
    ]);
    for (const action of plan(pvcs.items, pvs.items, classes.items, PROVISIONER_NAME, volumesRoot)) {
        try {
            await bounded(action.kind, apply(apis, action), PASS_TIMEOUT_MS);
        } catch (e) {
            log(`${action.kind} failed (retried next pass): ${e instanceof Error ? e.message : e}`);
        }
    }
}

async function main(argv: string[]): Promise<void> {
    const arg = (name: string) => {
        const i = argv.indexOf(name);
        if (i < 0 || !argv[i + 1]) throw new Error(`usage: provisioner.js --kubeconfig <file> --state <dir> (missing ${name})`);
        return argv[i + 1];
    };
    const volumesRoot = layout(path.resolve(arg("--state"))).volumes;
    const k8s = await import("@kubernetes/client-node");
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(arg("--kubeconfig"));
    const apis = { core: kc.makeApiClient(k8s.CoreV1Api), storage: kc.makeApiClient(k8s.StorageV1Api) };
    fs.mkdirSync(volumesRoot, { recursive: true, mode: 0o755 });
    log(`provisioner ${PROVISIONER_NAME} serving ${volumesRoot}`);
    let lastError = "";
    for (;;) {
        try {
            await bounded("list", pass(apis, volumesRoot), PASS_TIMEOUT_MS);
            lastError = "";
        } catch (e) {
            // Logged once per distinct error: an API server restart must not flood the log.
            const msg = e instanceof Error ? e.message : String(e);
            if (msg !== lastError) log(`pass failed (retrying): ${msg}`);
            lastError = msg;
        }
        await new Promise((r) => setTimeout(r, INTERVAL_MS));
    }
}

if (require.main === module) {
    process.on("SIGTERM", () => process.exit(0));
    main(process.argv.slice(2)).catch((e) => {
        console.error(`provisioner: ${e instanceof Error ? e.stack : e}`);
        process.exit(1);
    });
}
