// Entry point of the provider plugin `pulumi-resource-redis-cluster` (the launcher beside this
// file runs it): the engine starts it with its address as the argument.
import * as pulumi from "@pulumi/pulumi";
import { runStepsIn } from "../components/formation/steps";
import { packageRoot } from "../components/package-files";
import { RedisClusterProvider } from "./host";

// The step provider objects load their runtime by the package's name from the working directory
// (a dynamic provider's only anchor); here that is the package itself, found by self-reference.
process.chdir(packageRoot);
runStepsIn("package-provider");
void pulumi.provider.main(new RedisClusterProvider(), process.argv.slice(2));
