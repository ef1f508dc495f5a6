/**
 * The OCI Distribution v1.1 {@code /v2/} HTTP API, on Vert.x core.
 *
 * <p>The public face is few types: {@link dev.hoist.registry.RegistryOptions}, {@link
 * dev.hoist.registry.RegistryApi}, {@link dev.hoist.registry.AccessController} (what auth plugs in)
 * and {@link dev.hoist.registry.RegistryErrors} (the one writer of {@code /v2/} errors). The
 * handlers know only the {@link dev.hoist.repository.Repository} facade: whether a repository is
 * hosted, mirrored or metered is the namespace's business. The composition root builds the
 * namespace, then:
 *
 * <pre>{@code
 * RegistryApi api = RegistryApi.create(vertx, namespace, local.uploadJanitor(),
 *     RegistryOptions.defaults().withDeleteEnabled(false), InstantSource.system(), access);
 * Pipeline pipeline = Pipeline.builder()...endpoint("registry", api.endpoint());
 * }</pre>
 *
 * Leave {@code HttpServerOptions.handle100ContinueAutomatically} off (the default): the API sends
 * {@code 100 Continue} itself once it has accepted a request, so an oversized manifest or an
 * out-of-order chunk is refused before its body is sent. Keep compression off so that blobs go out
 * with zero-copy {@code sendFile}.
 *
 * <h2>Endpoints</h2>
 *
 * <table>
 *   <caption>Every response carries {@code Docker-Distribution-API-Version: registry/2.0}</caption>
 *   <tr><th>method and path</th><th>success</th><th>notes</th></tr>
 *   <tr><td>GET, HEAD /v2/</td><td>200 {@code {}}</td><td>version check</td></tr>
 *   <tr><td>GET, HEAD /v2/&lt;name&gt;/manifests/&lt;ref&gt;</td><td>200</td>
 *       <td>by tag or digest; bytes as pushed, stored media type, Docker-Content-Digest</td></tr>
 *   <tr><td>PUT /v2/&lt;name&gt;/manifests/&lt;ref&gt;</td><td>201</td>
 *       <td>Content-Type required; at most {@code maxManifestBytes} (413); blobs and child
 *       manifests must be in the repository; Location, Docker-Content-Digest, OCI-Subject</td></tr>
 *   <tr><td>DELETE /v2/&lt;name&gt;/manifests/&lt;ref&gt;</td><td>202</td>
 *       <td>by digest: the manifest and its tags; by tag: the tag only</td></tr>
 *   <tr><td>GET, HEAD /v2/&lt;name&gt;/blobs/&lt;digest&gt;</td><td>200, 206</td>
 *       <td>only when linked in the repository; one {@code Range} (several ranges or a malformed
 *       header: the whole blob, 200; unsatisfiable: 416 with {@code Content-Range: bytes
 *       *}{@code /size})</td></tr>
 *   <tr><td>DELETE /v2/&lt;name&gt;/blobs/&lt;digest&gt;</td><td>202</td>
 *       <td>unlinks the blob from this repository only</td></tr>
 *   <tr><td>POST /v2/&lt;name&gt;/blobs/uploads/</td><td>202, 201</td>
 *       <td>new session (Location, Docker-Upload-UUID, OCI-Chunk-Min-Length when set);
 *       {@code ?digest=} with the body: monolithic upload (201); {@code ?mount=&from=}: 201 when
 *       {@code from} has the blob, else a new session (202)</td></tr>
 *   <tr><td>GET /v2/&lt;name&gt;/blobs/uploads/&lt;id&gt;</td><td>204</td>
 *       <td>progress: Location, Range {@code 0-<last>} (absent while empty)</td></tr>
 *   <tr><td>PATCH /v2/&lt;name&gt;/blobs/uploads/&lt;id&gt;</td><td>202</td>
 *       <td>a chunk; with Content-Range it must start at the current size (else 416)</td></tr>
 *   <tr><td>PUT /v2/&lt;name&gt;/blobs/uploads/&lt;id&gt;?digest=</td><td>201</td>
 *       <td>optional last chunk, then verify: a mismatch is 400 DIGEST_INVALID, stores
 *       nothing and ends the session</td></tr>
 *   <tr><td>DELETE /v2/&lt;name&gt;/blobs/uploads/&lt;id&gt;</td><td>204</td>
 *       <td>cancels the session</td></tr>
 *   <tr><td>GET /v2/&lt;name&gt;/tags/list</td><td>200</td>
 *       <td>{@code n} and {@code last}; {@code Link} to the next page</td></tr>
 *   <tr><td>GET /v2/_catalog</td><td>200</td><td>{@code n} and {@code last}; {@code Link}</td></tr>
 *   <tr><td>GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;</td><td>200</td>
 *       <td>an image index, {@code ?artifactType=} filter with OCI-Filters-Applied</td></tr>
 * </table>
 *
 * <p>Errors are the spec's JSON {@code {"errors":[{"code","message","detail"}]}}, with the status
 * {@link dev.hoist.oci.ErrorCode} gives the code. A repository name is validated as it appears in
 * the path, never percent-decoded ({@code %2e%2e/x} is NAME_INVALID, like {@code ../x}). An unknown
 * path is 404 NAME_UNKNOWN; a method a resource lacks is 405 UNSUPPORTED with {@code Allow}; with
 * deletes disabled, every DELETE of a tag, manifest or blob is 405 UNSUPPORTED.
 *
 * <h2>Threads and memory</h2>
 *
 * Handlers run on the event loop; every storage call runs on a virtual thread ({@code Blocking}).
 * An upload body streams into the store in batches, one write in flight, the request paused while
 * the next batch is full (about 1 MiB per upload whatever the blob's size). Requests to one upload
 * session run one at a time. Stored files go out in zero-copy netty file regions ({@code
 * RegionPump}, the one use of Vert.x internals being in {@code VertxInternals}). A blob still
 * arriving from a mirror's upstream ({@code BlobContent.Growing}) is sent from its spool file the
 * same way, one region per stretch the fill has released. Other content (object storage, HTTP/2,
 * metered requests) is copied in 256 KiB chunks ({@code StreamPump}), waiting for the socket to
 * drain.
 */
package dev.hoist.registry;
