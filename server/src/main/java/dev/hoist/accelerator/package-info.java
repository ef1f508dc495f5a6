/**
 * The accelerator: tenants with personal mirror addresses, traffic metering and quotas, accounts,
 * invitations, the JSON API under {@code /api/v1/} and the console under {@code /console}. The
 * facade is {@link dev.hoist.accelerator.Accelerator}; the behaviour and the configuration are
 * documented in {@code docs/api.md}.
 *
 * <pre>
 * request -> Accelerator.handle
 *   /api/v1/...            ApiHandler  -> Accounts (blocking: SQL, bcrypt) -> MetadataStore.accounts()
 *   /console, /webjars/... Console     -> Accounts
 *   /v2/... of a tenant    TenantResolver (Host | X-Forwarded-Host from trusted proxies | /m/id)
 *                          -> Tenants (usage per account, flushed every 2 s)
 *                          -> TenantRequest (path rewritten; a TransferGate the registry asks
 *                             before each manifest or blob body) -> the registry
 *                          end of response: bytesWritten() charged to TenantUsage
 * </pre>
 */
package dev.hoist.accelerator;
