// Which Kubernetes cluster the formation, drain and credentials steps reach: the one the
// component's Kubernetes objects go to. Those objects use the provider Pulumi picks (an explicit
// one from opts.provider/opts.providers or a parent, else the default provider configured by the
// `kubernetes:kubeconfig` / `kubernetes:context` stack config, else the ambient kubeconfig). The
// dynamic providers cannot ask a Kubernetes provider for its kubeconfig (it exposes none), so
// they are told the same thing here, in the same order.
import * as pulumi from "@pulumi/pulumi";
import type { KubeAccess } from "./formation/live/kube-access";

/** How the component reaches the cluster's API itself (port-forward formation, the TLS CA). */
export interface KubeAccessArgs {
    /**
     * The kubeconfig of the cluster the component deploys to (contents or a file path), as given to
     * the Kubernetes provider, e.g. a pulumi-eks cluster's `kubeconfig`. Kept secret. Required with
     * an explicit Kubernetes provider when formation reaches the pods through the API
     * (`formation.connectivity: port-forward`) or reads the TLS CA. Default: the
     * `kubernetes:kubeconfig` stack config, else the ambient kubeconfig.
     */
    kubeconfig?: pulumi.Input<string>;
    /** A context of that kubeconfig. Default: the `kubernetes:context` stack config, else its current-context. */
    kubeContext?: pulumi.Input<string>;
}

export const KUBE_ACCESS_KEYS = ["kubeconfig", "kubeContext"] as const;

/**
 * The access for the dynamic providers (a secret: a kubeconfig carries credentials), or undefined
 * for the ambient kubeconfig. `needed`: whether they use the API at all; only then is an explicit
 * provider without a `kubeconfig` an error.
 */
export function kubeTarget(component: pulumi.Resource, args: KubeAccessArgs, needed: boolean): pulumi.Output<KubeAccess> | undefined {
    if (args.kubeconfig !== undefined || args.kubeContext !== undefined) return secretAccess(args.kubeconfig, args.kubeContext);
    if (component.getProvider("kubernetes:index:Provider")) {
        if (!needed) return undefined;
        throw new Error(
            "RedisCluster: an explicit Kubernetes provider is set (opts.provider, opts.providers or a parent's), " +
                'and formation must reach that cluster\'s API (formation.connectivity "port-forward" or TLS), but a ' +
                "Kubernetes provider does not expose its kubeconfig: pass the same kubeconfig as the component's " +
                "`kubeconfig` arg (and `kubeContext` if the provider sets a context), e.g. `kubeconfig: cluster.kubeconfigJson` " +
                "for a pulumi-eks cluster.",
        );
    }
    const config = new pulumi.Config("kubernetes");
    const kubeconfig = config.getSecret("kubeconfig");
    const context = config.get("context");
    if (kubeconfig === undefined && context === undefined) return undefined;
    return secretAccess(kubeconfig, context);
}

function secretAccess(kubeconfig: pulumi.Input<string> | undefined, context: pulumi.Input<string> | undefined): pulumi.Output<KubeAccess> {
    return pulumi.secret(
        pulumi.all([kubeconfig, context]).apply(([k, c]) => ({
            ...(k ? { kubeconfig: k } : {}),
            ...(c ? { context: c } : {}),
        })),
    );
}
