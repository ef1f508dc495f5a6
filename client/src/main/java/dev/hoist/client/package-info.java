/**
 * The OCI Distribution HTTP client, shared by the CLI ({@code hoist pull/push}) and the mirror
 * (Hoist fetching from its upstreams), on {@code java.net.http} alone.
 *
 * <p>Public face: {@link dev.hoist.client.RegistryClient} (one per registry, thread-safe, built
 * from a {@link dev.hoist.client.RegistryEndpoint}), its answers ({@link
 * dev.hoist.client.ManifestResponse}, {@link dev.hoist.client.BlobResponse}, {@link
 * dev.hoist.client.UploadSession}, {@link dev.hoist.client.MountResult}), its policies ({@link
 * dev.hoist.client.RetryPolicy}, {@link dev.hoist.client.CircuitBreaker}), {@link
 * dev.hoist.client.Credentials}, a hook for metrics ({@link dev.hoist.client.RequestObserver}), and
 * one failure type, {@link dev.hoist.client.RegistryException}.
 *
 * <p>Inside, as in go-containerregistry's transport, the layers are:
 *
 * <pre>
 * RegistryClient   the public face: one method per endpoint, handed to a piece by job
 * ManifestReads,   one small method per endpoint: builds a Call, reads the Response;
 *  BlobReads,        Requests holds what they share (URIs, actions, common answers)
 *  Listings, Pushes
 * Transport        circuit breaker, retries of GET/HEAD (backoff, Retry-After), redirects
 * Authenticator    anonymous first; on 401 Bearer (token per scope, cached) or Basic
 * TokenClient      GET/POST to the token realm; credentials only to trusted realm hosts
 * Wire             one HttpClient exchange; idle read timeout on the body; the RequestObserver
 * </pre>
 *
 * <p>Credentials rules: the registry's {@code Authorization} goes only to the registry's own origin
 * (never across a redirect to object storage or any other origin); the username and password go to
 * a token realm only when its host is the registry's host or one of the endpoint's {@code
 * authHosts}, and never from an https registry to an http realm. Nothing logs or prints a secret.
 */
package dev.hoist.client;
