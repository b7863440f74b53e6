// Which resources carry the formation steps (credentials, drain, formation). A TypeScript program
// runs them as dynamic resources (provider.ts). When the package's own provider (provider/) hosts
// the component for another language, dynamic resources cannot work: the engine starts their host
// in the consumer's program directory, where this package's runtime is not installed
// (pulumi/pulumi#5455). There they are custom resources of the package's provider, which runs
// the same provider objects; the component does not know which it gets.
import * as pulumi from "@pulumi/pulumi";
import {
    ClusterCredentials,
    ClusterDrain,
    ClusterFormation,
    ClusterFormationArgs,
    credentialsProvider,
    drainProvider,
    formationProvider,
} from "./provider";
import { readPackageFile } from "../package-files";

/** The steps by type name: the provider object that runs each, its secret inputs and the outputs it adds. */
export const STEPS = {
    ClusterFormation: {
        provider: formationProvider,
        secrets: ["password", "kube"],
        outputs: ["nodeIds", "shardLayout", "replicasByMaster"],
    },
    ClusterDrain: { provider: drainProvider, secrets: ["password", "kube"], outputs: [] },
    ClusterCredentials: { provider: credentialsProvider, secrets: ["password", "users", "kube"], outputs: [] },
} as const;
export type StepKind = keyof typeof STEPS;

export const PACKAGE_NAME = "redis-cluster";
/** A step's type token in the package provider's schema. */
export const stepToken = (kind: StepKind) => `${PACKAGE_NAME}:index:${kind}`;

export type StepHost = "dynamic-resources" | "package-provider";
let host: StepHost = "dynamic-resources";
/** The package provider's process sets "package-provider" once, before it constructs any component. */
export function runStepsIn(where: StepHost): void {
    host = where;
}

/** A step as a custom resource of the package provider; the secrets are wrapped as the dynamic classes wrap them. */
class PackageStep extends pulumi.CustomResource {
    constructor(kind: StepKind, name: string, args: object, opts: pulumi.CustomResourceOptions) {
        const props: Record<string, unknown> = { ...args };
        for (const key of STEPS[kind].secrets) if (key !== "kube" && props[key] !== undefined) props[key] = pulumi.secret(props[key]);
        for (const key of STEPS[kind].outputs) props[key] = undefined;
        // The version names this package's provider plugin, so the engine asks it and no other.
        super(stepToken(kind), name, props, { ...opts, additionalSecretOutputs: [...STEPS[kind].secrets], version: packageVersion() });
    }
}

class PackageFormation extends PackageStep {
    declare public readonly nodeIds: ClusterFormation["nodeIds"];
    declare public readonly shardLayout: ClusterFormation["shardLayout"];
    declare public readonly replicasByMaster: ClusterFormation["replicasByMaster"];
}

export type FormationStep = Pick<ClusterFormation, "nodeIds" | "shardLayout" | "replicasByMaster"> & pulumi.CustomResource;
type CredentialArgs = ClusterFormationArgs & { users: pulumi.Input<Record<string, pulumi.Input<string>[]>>; disconnectRevoked?: boolean };

export function credentialsStep(name: string, args: CredentialArgs, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    return host === "package-provider" ? new PackageStep("ClusterCredentials", name, args, opts) : new ClusterCredentials(name, args, opts);
}

export function drainStep(name: string, args: ClusterFormationArgs, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    return host === "package-provider" ? new PackageStep("ClusterDrain", name, args, opts) : new ClusterDrain(name, args, opts);
}

export function formationStep(name: string, args: ClusterFormationArgs, opts: pulumi.CustomResourceOptions): FormationStep {
    return host === "package-provider"
        ? new PackageFormation("ClusterFormation", name, args, opts)
        : new ClusterFormation(name, args, opts);
}

/** The package's version, which its provider plugin reports. */
export function packageVersion(): string {
    return JSON.parse(readPackageFile("package.json")).version;
}
