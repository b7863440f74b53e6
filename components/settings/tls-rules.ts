// Cross-field rules of TLS: where the certificate comes from.
import { type CrossFieldRule, when } from "./rule-kit";

/** The TLS rules, in the order their problems are listed. */
export const TLS_RULES: readonly CrossFieldRule[] = [
    {
        name: "tlsHasOneCertificateSource",
        check(s, given) {
            const tls = s.tls;
            const sources = (tls.issuerRef ? 1 : 0) + (tls.secretName ? 1 : 0) + (tls.namespacedCa ? 1 : 0);
            return [
                ...when(
                    tls.enabled && sources !== 1,
                    "tls",
                    given.tls,
                    () =>
                        "exactly one of tls.issuerRef (cert-manager), tls.secretName (an existing Secret) or tls.namespacedCa: true (a CA of its own in the namespace) when tls.enabled is true",
                ),
                ...when(
                    !tls.enabled && sources > 0,
                    "tls.enabled",
                    tls.enabled,
                    () => "true when tls.issuerRef, tls.secretName or tls.namespacedCa is set (otherwise they would be ignored)",
                ),
            ];
        },
    },
];
