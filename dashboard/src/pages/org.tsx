// The organization: members and roles, invitations, plan and usage.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { errorText, useNotify } from "../components/toast";
import { ConfirmButton, CopyButton, Field, FormError, formatTime } from "../components/ui";
import { chooseOrg, useMe, useOrgs } from "../lib/org";

type Role = Schemas["Role"];

export function useUsage(orgId?: string) {
  return useQuery({
    queryKey: ["usage", orgId],
    enabled: !!orgId,
    queryFn: async () =>
      unwrap(await api.GET("/api/usage", { params: { query: { orgId: orgId! } } })),
  });
}

export function UsageMeter({ orgId }: { orgId?: string }) {
  const usage = useUsage(orgId);
  const u = usage.data;
  if (!u) return null;
  const pct = u.requestLimit ? Math.min(100, (u.requestCount / u.requestLimit) * 100) : 0;
  return (
    <div className="usage">
      <p>
        Plan <strong>{u.plan}</strong> · {u.month}: {u.requestCount.toLocaleString()}
        {u.requestLimit ? ` of ${u.requestLimit.toLocaleString()}` : ""} requests ·{" "}
        {u.endpointCount}
        {u.endpointLimit ? ` of ${u.endpointLimit}` : ""} mocks
      </p>
      {u.requestLimit ? (
        <progress max={100} value={pct} aria-label="Requests used this month" />
      ) : (
        <p className="muted">No monthly request limit.</p>
      )}
    </div>
  );
}

export default function Organization() {
  const { current } = useOrgs();
  const me = useMe();
  const queries = useQueryClient();
  const notify = useNotify();
  const [name, setName] = useState("");
  const members = useQuery({
    queryKey: ["members", current?.id],
    enabled: !!current,
    queryFn: async () =>
      unwrap(await api.GET("/api/orgs/{id}/members", { params: { path: { id: current!.id } } })),
  });
  const myRole = members.data?.find((m) => m.user.id === me.data?.id)?.role;
  const admin = myRole === "admin" || myRole === "owner";
  const invitations = useQuery({
    queryKey: ["invitations", current?.id],
    enabled: !!current && admin,
    queryFn: async () =>
      unwrap(
        await api.GET("/api/orgs/{id}/invitations", { params: { path: { id: current!.id } } }),
      ),
  });
  const refresh = () => {
    queries.invalidateQueries({ queryKey: ["members"] });
    queries.invalidateQueries({ queryKey: ["invitations"] });
  };
  const setRole = useMutation({
    mutationFn: async (v: { userId: string; role: Role }) =>
      unwrap(
        await api.PUT("/api/orgs/{id}/members/{userId}", {
          params: { path: { id: current!.id, userId: v.userId } },
          body: { role: v.role },
        }),
      ),
    onSuccess: refresh,
    onError: (e) => notify(errorText(e), "error"),
  });
  const removeMember = useMutation({
    mutationFn: async (userId: string) =>
      unwrap(
        await api.DELETE("/api/orgs/{id}/members/{userId}", {
          params: { path: { id: current!.id, userId } },
        }),
      ),
    onSuccess: refresh,
    onError: (e) => notify(errorText(e), "error"),
  });
  const revoke = useMutation({
    mutationFn: async (invitationId: string) =>
      unwrap(
        await api.DELETE("/api/orgs/{id}/invitations/{invitationId}", {
          params: { path: { id: current!.id, invitationId } },
        }),
      ),
    onSuccess: () => {
      notify("Invitation revoked");
      refresh();
    },
    onError: (e) => notify(errorText(e), "error"),
  });
  const createOrg = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/orgs", { body: { name } })),
    onSuccess: (o) => {
      queries.invalidateQueries({ queryKey: ["orgs"] });
      chooseOrg(o.id);
      setName("");
      notify(`Created ${o.name}`);
    },
    onError: (e) => notify(errorText(e), "error"),
  });
  if (!current) return <p className="loading">Loading…</p>;
  return (
    <section>
      <h1>{current.name}</h1>
      <UsageMeter orgId={current.id} />
      <h2>Members</h2>
      <table className="table">
        <caption className="visually-hidden">Members</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(members.data ?? []).map((m) => (
            <tr key={m.user.id}>
              <td>{m.user.name}</td>
              <td>{m.user.email}</td>
              <td>
                {admin && m.user.id !== me.data?.id ? (
                  <select
                    aria-label={`Role of ${m.user.name}`}
                    value={m.role}
                    onChange={(e) =>
                      setRole.mutate({ userId: m.user.id, role: e.target.value as Role })
                    }
                  >
                    <option>member</option>
                    <option>admin</option>
                    <option>owner</option>
                  </select>
                ) : (
                  m.role
                )}
              </td>
              <td>
                {admin && m.user.id !== me.data?.id && (
                  <ConfirmButton
                    label="Remove"
                    question={`Remove ${m.user.name} from ${current.name}?`}
                    confirm="Remove"
                    onConfirm={() => removeMember.mutate(m.user.id)}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {admin && <Invite orgId={current.id} onSent={refresh} />}
      {admin && (invitations.data ?? []).length > 0 && (
        <>
          <h2>Pending invitations</h2>
          <ul className="list" aria-label="Pending invitations">
            {(invitations.data ?? []).map((i) => (
              <li key={i.id}>
                {i.email} as {i.role} · expires {formatTime(i.expiresAt)}{" "}
                <button
                  type="button"
                  className="small"
                  onClick={() => revoke.mutate(i.id)}
                  aria-label={`Revoke invitation for ${i.email}`}
                >
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>New organization</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          createOrg.mutate();
        }}
      >
        <label className="visually-hidden" htmlFor="new-org">
          Organization name
        </label>
        <input
          id="new-org"
          required
          value={name}
          placeholder="Team name"
          onChange={(e) => setName(e.target.value)}
        />
        <button>Create organization</button>
      </form>
    </section>
  );
}

function Invite({ orgId, onSent }: { orgId: string; onSent: () => void }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [link, setLink] = useState<string | null>(null);
  const invite = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/orgs/{id}/invitations", {
          params: { path: { id: orgId } },
          body: { email, role },
        }),
      ),
    onSuccess: (i) => {
      setLink(`${window.location.origin}/invitations/${i.token}`);
      setEmail("");
      onSent();
    },
  });
  return (
    <form
      className="card form"
      aria-label="Invite a teammate"
      onSubmit={(e) => {
        e.preventDefault();
        invite.mutate();
      }}
    >
      <h2>Invite a teammate</h2>
      <div className="grid">
        <Field label="Email">
          {(id) => (
            <input
              id={id}
              type="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field label="Role">
          {(id) => (
            <select id={id} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              <option>member</option>
              <option>admin</option>
              <option>owner</option>
            </select>
          )}
        </Field>
      </div>
      <FormError error={invite.error} />
      <button className="primary" disabled={invite.isPending}>
        Send invitation
      </button>
      {link && (
        <p role="status">
          Invitation sent. The link, valid for 7 days: <code>{link}</code>{" "}
          <CopyButton text={link} label="Copy link" />
        </p>
      )}
    </form>
  );
}
