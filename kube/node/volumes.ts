// A pod's volumes as the kubelet mounts them, each a directory of the pod's: ConfigMaps and
// Secrets (and projected sources) as files, kept current while the pod runs the way the kubelet
// refreshes mounted Secrets (an atomic swap of the files, so a reader never sees half a file);
// emptyDirs fresh; claims as the directory of the PersistentVolume bound to them.
import * as fs from "fs";
import * as path from "path";
import { KubeApi } from "./api";

/** Files of one volume source: name -> content. Undefined: the object is not there (yet). */
type Files = Record<string, string> | undefined;

const decode = (data: Record<string, string> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));

/** Pure: the keys of `data` a source selects (`items` renames and picks; none takes every key). */
export function selectItems(data: Record<string, string>, items?: { key: string; path: string }[]): Record<string, string> {
    if (!items) return data;
    return Object.fromEntries(items.filter((i) => i.key in data).map((i) => [i.path, data[i.key]]));
}

async function configMapFiles(api: KubeApi, ns: string, name: string, items?: any[]): Promise<Files> {
    const cm = await api.get(`/api/v1/namespaces/${ns}/configmaps/${name}`);
    return cm ? selectItems(cm.data ?? {}, items) : undefined;
}

async function secretFiles(api: KubeApi, ns: string, name: string, items?: any[]): Promise<Files> {
    const s = await api.get(`/api/v1/namespaces/${ns}/secrets/${name}`);
    return s ? selectItems(decode(s.data), items) : undefined;
}

/** What a volume holds right now: files to write, a claim's directory, or an empty directory. */
export type VolumeContent = { files: Record<string, string> } | { hostDir: string } | { empty: true } | { waiting: string };

export async function volumeContent(api: KubeApi, pod: any, volume: any): Promise<VolumeContent> {
    const ns = pod.metadata.namespace;
    const optional = (src: any, files: Files, what: string): VolumeContent =>
        files ? { files } : src.optional ? { files: {} } : { waiting: `${what} not found` };
    if (volume.configMap)
        return optional(
            volume.configMap,
            await configMapFiles(api, ns, volume.configMap.name, volume.configMap.items),
            `configmap ${volume.configMap.name}`,
        );
    if (volume.secret)
        return optional(
            volume.secret,
            await secretFiles(api, ns, volume.secret.secretName, volume.secret.items),
            `secret ${volume.secret.secretName}`,
        );
    if (volume.projected) {
        const merged: Record<string, string> = {};
        for (const src of volume.projected.sources ?? []) {
            const part = src.secret
                ? await secretFiles(api, ns, src.secret.name, src.secret.items)
                : src.configMap
                  ? await configMapFiles(api, ns, src.configMap.name, src.configMap.items)
                  : {};
            if (!part && !(src.secret ?? src.configMap).optional)
                return { waiting: `projected source ${(src.secret ?? src.configMap).name} not found` };
            Object.assign(merged, part ?? {});
        }
        return { files: merged };
    }
    if (volume.persistentVolumeClaim) {
        const claim = volume.persistentVolumeClaim.claimName;
        const pvc = await api.get(`/api/v1/namespaces/${ns}/persistentvolumeclaims/${claim}`);
        if (!pvc?.spec?.volumeName || pvc.status?.phase !== "Bound") return { waiting: `persistentvolumeclaim ${claim} not bound` };
        const pv = await api.get(`/api/v1/persistentvolumes/${pvc.spec.volumeName}`);
        const dir = pv?.spec?.hostPath?.path ?? pv?.spec?.local?.path;
        return dir ? { hostDir: dir } : { waiting: `persistentvolume ${pvc.spec.volumeName} has no local path` };
    }
    if (volume.emptyDir) return { empty: true };
    return {
        waiting: `volume ${volume.name}: unsupported source ${Object.keys(volume)
            .filter((k) => k !== "name")
            .join(",")}`,
    };
}

/**
 * Writes a file volume so that the directory changes in one step: the new files go to a fresh
 * directory, which then replaces the old one. Returns whether anything changed.
 */
export function writeFiles(dir: string, files: Record<string, string>): boolean {
    const current = readFiles(dir);
    if (current && sameFiles(current, files)) return false;
    const staging = `${dir}.staging`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true, mode: 0o755 });
    for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(staging, name)), { recursive: true });
        fs.writeFileSync(path.join(staging, name), content, { mode: 0o644 });
    }
    const old = `${dir}.old`;
    fs.rmSync(old, { recursive: true, force: true });
    if (fs.existsSync(dir)) fs.renameSync(dir, old);
    fs.renameSync(staging, dir);
    fs.rmSync(old, { recursive: true, force: true });
    return true;
}

function readFiles(dir: string): Record<string, string> | undefined {
    if (!fs.existsSync(dir)) return undefined;
    const out: Record<string, string> = {};
    const walk = (d: string, prefix: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            if (e.isDirectory()) walk(path.join(d, e.name), `${prefix}${e.name}/`);
            else out[`${prefix}${e.name}`] = fs.readFileSync(path.join(d, e.name), "utf8");
        }
    };
    walk(dir, "");
    return out;
}

const sameFiles = (a: Record<string, string>, b: Record<string, string>): boolean =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);
