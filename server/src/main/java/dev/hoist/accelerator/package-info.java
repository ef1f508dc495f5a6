/**
 * The accelerator: tenants with personal mirror addresses, traffic metering and quotas, accounts,
 * invitations, the JSON API under {@code /api/v1/} and the console under {@code /console}. The
 * facade is {@link dev.hoist.accelerator.Accelerator}; the behaviour and the configuration are
 * documented in {@code docs/api.md}.
 *
 * <p>Accounts are registry users too ({@link dev.hoist.accelerator.Accelerator#users()}): each has
 * a username ({@link dev.hoist.accelerator.Username}, chosen at sign-up, derived from the email by
 * migration V5 for older accounts) that names it on the registry and is its namespace, {@code
 * <address>/<username>/...}. Sign-up refuses names the configuration reserves (409 {@code
 * USERNAME_TAKEN}); an account whose name became reserved later signs in under its email and has no
 * namespace ({@code Accounts}). The namespace is {@code <address>/<namespacePrefix>/<username>}
 * ({@code u/} by default): the prefix is hosted, so it works while Docker Hub is the default
 * upstream. The console and {@code /api/v1/me} show it with a push line and, when auth is on,
 * {@code docker login}/{@code skopeo login} lines ({@code RegistryLogin}); without auth they warn
 * instead. Personal access tokens ({@code AccessTokens}) stand in for the password on the registry
 * for their own account only; the store keeps their SHA-256.
 *
 * <pre>
 * pipeline stage "accelerator" (Accelerator.stage)
 *   /api/v1/...            ApiHandler  -> Accounts (blocking: SQL, bcrypt) -> MetadataStore.accounts()
 *   /console, /webjars/... Console     -> Accounts
 *   /v2/... of a tenant    TenantResolver (Host | X-Forwarded-Host from trusted proxies | /m/id)
 *                          -> Tenants (tenant id -> account, cached 10 s)
 *                          -> the next stage, with a RequestContext naming the tenant, the path
 *                             below /m/id, the address prefix, and a TenantTransfer as the gate
 *                          end of response (Call.atEnd): bytesWritten() settled in QuotaLedger,
 *                          written to the store every flushInterval (2 s)
 * namespace decorator QuotaNamespace
 *   a tenant's manifest or blob GET: refused (429) once over quota, before any lookup; else the
 *   content goes out through the TenantTransfer, which holds its exact length in the store first
 *   (on a worker: one write), against the transfers of every node sharing the store
 * </pre>
 *
 * <p>Several nodes on one metadata store (PostgreSQL) share everything that matters here through
 * it: accounts, usage, quota holds, console sessions ({@code Sessions}, by the SHA-256 of their
 * token) and failed logins ({@link dev.hoist.auth.LoginLimiter}). What stays per node: the tenant
 * id cache (another node's rotation or disabling reaches it within 10 s) and the traffic of
 * transfers that ended since the last flush.
 */
package dev.hoist.accelerator;
