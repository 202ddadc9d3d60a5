// Plans, upgrade (checkout), cancel, invoices; in mock billing mode an
// honest notice, and never invented figures.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { errorText, useNotify } from "../components/toast";
import { ConfirmButton, Empty, formatTime } from "../components/ui";
import { useOrgs } from "../lib/org";
import { UsageMeter } from "./org";

const money = (cents: number, currency = "usd") =>
  new Intl.NumberFormat(undefined, { style: "currency", currency: currency.toUpperCase() }).format(
    cents / 100,
  );

export default function Billing({ outcome }: { outcome?: string }) {
  const { current } = useOrgs();
  const queries = useQueryClient();
  const notify = useNotify();
  const orgId = current?.id;
  const plans = useQuery({
    queryKey: ["plans"],
    queryFn: async () => unwrap(await api.GET("/api/billing/plans")),
  });
  const sub = useQuery({
    queryKey: ["subscription", orgId],
    enabled: !!orgId,
    queryFn: async () =>
      unwrap(await api.GET("/api/billing/subscription", { params: { query: { orgId: orgId! } } })),
  });
  const invoices = useQuery({
    queryKey: ["invoices", orgId],
    enabled: !!orgId,
    queryFn: async () =>
      unwrap(await api.GET("/api/billing/invoices", { params: { query: { orgId: orgId! } } })),
  });
  const changed = () =>
    ["subscription", "invoices", "orgs", "usage"].forEach((k) =>
      queries.invalidateQueries({ queryKey: [k] }),
    );
  const checkout = useMutation({
    mutationFn: async (tier: string) =>
      unwrap(
        await api.POST("/api/billing/create-checkout", {
          body: { tier: tier as Schemas["Checkout"]["tier"], orgId },
        }),
      ),
    onSuccess: (r) => {
      if (r.mockMode) {
        changed();
        notify("Plan changed (mock billing: no payment taken)");
      } else window.location.assign(r.url);
    },
    onError: (e) => notify(errorText(e), "error"),
  });
  const cancel = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/billing/cancel", { body: { orgId } })),
    onSuccess: () => {
      changed();
      notify("The subscription ends at the end of the period");
    },
    onError: (e) => notify(errorText(e), "error"),
  });
  const s = sub.data;
  return (
    <section>
      <h1>Billing</h1>
      {outcome === "success" && <p role="status">Thank you: your plan is being updated.</p>}
      {outcome === "cancel" && <p role="status">Checkout cancelled; nothing changed.</p>}
      {s?.mockMode && (
        <p className="banner" role="note">
          Billing is in mock mode: upgrades take effect at once and no payment is taken. Invoices
          below are only those the mock recorded.
        </p>
      )}
      <UsageMeter orgId={orgId} />
      {s && (
        <p>
          Current plan: <strong>{s.tier}</strong> ({s.status})
          {s.currentPeriodEnd ? ` · period ends ${formatTime(s.currentPeriodEnd)}` : ""}
          {s.cancelAtPeriodEnd ? " · cancels at period end" : ""}
        </p>
      )}
      <ul className="cards" aria-label="Plans">
        {(plans.data ?? []).map((p) => (
          <li key={p.tier} className={`card ${p.tier === s?.tier ? "current" : ""}`}>
            <h2>{p.tier}</h2>
            <p className="price">
              {p.priceMonthlyCents ? `${money(p.priceMonthlyCents)}/month` : "Free"}
            </p>
            <ul>
              <li>
                {p.requestLimit
                  ? `${p.requestLimit.toLocaleString()} requests/month`
                  : "Unlimited requests"}
              </li>
              <li>{p.endpointLimit ? `${p.endpointLimit} mocks` : "Unlimited mocks"}</li>
              {p.logRetentionDays && <li>{p.logRetentionDays} days of logs</li>}
            </ul>
            {p.tier === s?.tier ? (
              <p>Your plan</p>
            ) : p.priceMonthlyCents > 0 ? (
              <button
                type="button"
                className="primary"
                onClick={() => checkout.mutate(p.tier)}
                disabled={checkout.isPending}
              >
                Upgrade to {p.tier}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {s && s.tier !== "free" && !s.cancelAtPeriodEnd && (
        <ConfirmButton
          label="Cancel subscription"
          danger
          question="Cancel at the end of the current period?"
          confirm="Cancel subscription"
          onConfirm={() => cancel.mutate()}
        />
      )}
      <h2>Invoices</h2>
      {(invoices.data ?? []).length === 0 ? (
        <Empty title="No invoices" />
      ) : (
        <table className="table">
          <caption className="visually-hidden">Invoices</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Amount</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {(invoices.data ?? []).map((i) => (
              <tr key={i.id}>
                <td>{formatTime(i.createdAt)}</td>
                <td>{money(i.amountCents, i.currency)}</td>
                <td>{i.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
