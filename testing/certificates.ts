// Certificates for local TLS (tests, benchmarks), made with the real openssl: a CA, and a
// certificate it signs for the names and addresses given, as a TLS Secret's keys (tls.crt,
// tls.key, ca.crt), and written where local mode stands in for that Secret. A stack with an
// issuer gets its certificate the way cert-manager issues it: for exactly the names its rendered
// Certificate asks for (DNS names, no pod IPs).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TLS_FILES } from "../components/settings/spec";
import { render } from "../local/deployment";

export interface TestCertificate {
    ca: string;
    cert: string;
    key: string;
    /** The CA's key, to sign a renewal with the same CA (as cert-manager renews). */
    caKey: string;
}

const openssl = (cwd: string, ...args: string[]) => execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });

/**
 * A certificate for `dnsNames` and `ips`, usable as server and as client certificate, signed by a
 * fresh CA or by `issuer`'s.
 */
export function makeCertificate(dnsNames: string[], ips: string[], issuer?: TestCertificate): TestCertificate {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "test-certs-"));
    try {
        const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        if (issuer) {
            fs.writeFileSync(path.join(dir, "ca.crt"), issuer.ca);
            fs.writeFileSync(path.join(dir, "ca.key"), issuer.caKey, { mode: 0o600 });
        } else {
            openssl(dir, "req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=redis-test-ca", "-days", "2");
        }
        openssl(dir, "req", ...ec, "-keyout", "tls.key", "-out", "tls.csr", "-subj", "/CN=redis-test");
        const san = [...dnsNames.map((d) => `DNS:${d}`), ...ips.map((ip) => `IP:${ip}`)].join(",");
        fs.writeFileSync(path.join(dir, "ext.cnf"), `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\n`);
        openssl(
            dir,
            "x509",
            "-req",
            "-in",
            "tls.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "tls.crt",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        );
        const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
        return { ca: read("ca.crt"), cert: read("tls.crt"), key: read("tls.key"), caKey: read("ca.key") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * What cert-manager would write to the Secret of `stack`'s Certificate: a certificate for its
 * dnsNames and ipAddresses, nothing else, signed by a fresh CA or by `issuer`'s (a renewal).
 */
export async function issueLikeCertManager(stack: string, issuer?: TestCertificate): Promise<TestCertificate> {
    const certificate = (await render(stack)).objects.find(
        (o) => o.kind === "Certificate" && o.apiVersion.startsWith("cert-manager.io/") && !(o as any).spec.isCA,
    );
    if (!certificate) throw new Error(`stack ${stack} renders no cert-manager Certificate: set tls.issuerRef`);
    const spec = certificate.spec as { dnsNames?: string[]; ipAddresses?: string[] };
    return makeCertificate(spec.dnsNames ?? [], spec.ipAddresses ?? [], issuer);
}

/** Writes `c` where local mode stands in for the TLS Secret: `<state dir>/secrets/<key>`. */
export function installLocalTlsSecret(stateDir: string, c: TestCertificate): void {
    const dir = path.join(stateDir, "secrets");
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const [key, value] of [
        [TLS_FILES.ca, c.ca],
        [TLS_FILES.cert, c.cert],
        [TLS_FILES.key, c.key],
    ]) {
        fs.writeFileSync(path.join(dir, key), value, { mode: 0o600 });
    }
}
