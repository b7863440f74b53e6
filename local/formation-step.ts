// up's formation steps (cluster topology), run with the same provider code Pulumi runs: before the
// pods change, the diff and the drain of pods the stack no longer has; after they run, create or
// update the formation, keeping its outputs (never the password) in the deployment's state.
import { drainProvider, formationProvider } from "../components/formation/provider";
import { PASSWORD_KEY, PORTS, TLS_FILES } from "../components/settings/spec";
import type { PodPlan } from "./pod";
import type { Rendered } from "./stack-render";
import type { LocalState } from "./state";

/** The formation provider's inputs for the stack's Redis pods; none in the sentinel topology. */
export function formationFor(r: Rendered, plans: PodPlan[], password: Record<string, string>): Record<string, any> | undefined {
    const redisPlans = plans.filter((p) => p.statefulSet === r.workloads[0].statefulSet);
    return r.formationInputs && formationInputs(r.formationInputs, redisPlans, password);
}

/**
 * Pulumi's order: the drain before the StatefulSets change. Like Pulumi's drain resource, the
 * drain keeps its own inputs from its last run (state.drain): after a scale-out whose formation
 * failed, the formation's outputs still name the smaller shape, but the pods of the larger one run.
 */
export async function drainBeforePodsChange(
    state: LocalState,
    formation: Record<string, any> | undefined,
    password: Record<string, string>,
): Promise<void> {
    if (!formation) return;
    const recorded = state.drain ?? state.formation?.outs;
    if (recorded) {
        const olds = { ...recorded, password: password[PASSWORD_KEY] };
        if (state.formation)
            await formationProvider.diff!(state.formation.id, { ...state.formation.outs, password: password[PASSWORD_KEY] }, formation);
        if ((await drainProvider.diff!("drain", olds, formation)).changes) await drainProvider.update!("drain", olds, formation);
    }
    state.drain = withoutPassword(formation);
}

/** The formation provider's inputs, as Pulumi would pass them, with local addresses for the pods. */
function formationInputs(rendered: Record<string, any>, plans: PodPlan[], password: Record<string, string>): Record<string, any> {
    const inputs = {
        ...rendered,
        // Local pods are reachable at their addresses, whatever the stack says for Kubernetes.
        connectivity: "direct",
        // The provider works as the admin user.
        password: password[PASSWORD_KEY],
        // Over TLS the provider reaches each pod by its DNS name (published in /etc/hosts), which
        // the certificate covers, as Pulumi gives them; otherwise at its local address.
        nodes: rendered.tls ? rendered.nodes : plans.map((p) => ({ name: p.name, address: p.ip, port: PORTS.redis, host: "", zone: "" })),
        // The CA comes from the Secret's stand-in, as the provider would read it from the cluster.
        ...(rendered.tls ? { tls: { ...rendered.tls, ca: password[TLS_FILES.ca] } } : {}),
    };
    delete (inputs as any).__provider;
    return inputs;
}

/** The formation provider (cluster topology): create, or update from the outputs of the last run. */
export async function form(inputs: Record<string, any>, state: LocalState, password: Record<string, string>): Promise<void> {
    const checked = await formationProvider.check!({}, inputs);
    if (checked.failures?.length) throw new Error(`formation inputs: ${checked.failures.map((f) => f.reason).join("; ")}`);
    if (state.formation) {
        const updated = await formationProvider.update!(
            state.formation.id,
            { ...state.formation.outs, password: password[PASSWORD_KEY] },
            inputs,
        );
        state.formation = { id: state.formation.id, outs: withoutPassword(updated.outs ?? {}) };
    } else {
        const created = await formationProvider.create(inputs);
        state.formation = { id: created.id, outs: withoutPassword(created.outs ?? {}) };
    }
}

function withoutPassword(outs: Record<string, unknown>): Record<string, unknown> {
    const { password: _password, ...rest } = outs;
    return rest;
}
