/**
 * Auth for the registry itself: a built-in Docker token service and its verification on {@code
 * /v2/}, users, and access rules. {@link dev.hoist.auth.AuthService} is the facade the composition
 * root wires; it plugs into the registry as a {@link dev.hoist.registry.AccessController}.
 *
 * <h2>The flow</h2>
 *
 * <pre>
 * client                          Hoist
 *   GET /v2/alice/app/manifests/1 -&gt; 401 UNAUTHORIZED
 *        WWW-Authenticate: Bearer realm="http://HOST/token",service="hoist",
 *                                 scope="repository:alice/app:pull"
 *   GET /token?service=hoist&amp;scope=repository:alice/app:pull   (Authorization: Basic, or none)
 *                                 -&gt; {token, access_token, expires_in, issued_at}
 *   GET /v2/alice/app/manifests/1 (Authorization: Bearer TOKEN) -&gt; 200
 * </pre>
 *
 * <ul>
 *   <li><b>Needed access</b> comes from the method: GET/HEAD pull; PUT/POST/PATCH pull,push; DELETE
 *       delete; {@code /v2/_catalog} needs {@code registry:catalog:*}; {@code /v2/} needs any valid
 *       token. A cross-repository mount whose source the token cannot pull becomes a plain upload.
 *   <li><b>Tokens</b> are RS256 JWTs in Distribution's format ({@code access} claim, libtrust
 *       {@code kid}), signed by {@code <data-dir>/auth/token-key.pem} (PKCS#8, 0600, generated on
 *       first start) or {@code auth.tokenKey}. Their {@code aud} is the host the client used
 *       ({@code Host}, or {@code X-Forwarded-Host} from {@code auth.trustedProxies} only),
 *       normalised, followed by the path prefix of a registry reached under one (an accelerator
 *       tenant's {@code /m/<id>}, whose realm is {@code /m/<id>/token}); a token minted at one
 *       address is refused at any other. Clock leeway: 60 s.
 *   <li><b>Errors</b>: no token, 401 {@code UNAUTHORIZED} with the challenge; a bad token
 *       (signature, expiry, issuer, audience, kind), 401 with {@code error="invalid_token"}; a
 *       token without the needed scope, 403 {@code DENIED} with {@code error="insufficient_scope"}
 *       (401 for an anonymous token, so that clients sign in).
 *   <li><b>Users</b> come from {@link dev.hoist.auth.UserDirectory}s asked in turn: an htpasswd
 *       file of bcrypt entries ({@link dev.hoist.auth.HtpasswdDirectory}) and the accelerator's
 *       accounts, which sign in by username or email. A {@link dev.hoist.auth.User}'s name is the
 *       token's subject (an account's username); its aliases (an account's email) are matched by
 *       {@code auth.rules} users and {@code auth.admins}, so rules written with emails keep
 *       working, but own no namespace.
 *   <li><b>Reserved names</b> ({@link dev.hoist.auth.AuthService#reservedNames()}): htpasswd users,
 *       {@code auth.admins}, rule users and the first component of rule prefixes. A user with such
 *       a name would get its meaning, so the composition root passes them (with the mirror's
 *       upstream names and hosted prefixes) to the accelerator, which refuses them as usernames.
 *   <li><b>Rules</b> ({@code AccessPolicy}): admins do everything; a user pulls, pushes and deletes
 *       under {@code <username>/}; {@code auth.rules} add actions per prefix for users and groups;
 *       mirrored repositories are pull-only (anyone signed in; anonymous per {@code
 *       auth.anonymousPull}); {@code anonymousPull: all} opens every pull.
 *   <li><b>OAuth2</b>: {@code POST /token} takes {@code grant_type=password} ({@code
 *       access_type=offline} adds a 30-day refresh token) and {@code grant_type=refresh_token}. A
 *       refresh token carries the user's name and a stamp of their password hash; each refresh
 *       looks the user up again ({@link dev.hoist.auth.UserDirectory#find}), so a removed or
 *       disabled user, or a new password, ends it (400 {@code invalid_grant}).
 *   <li><b>Failed passwords</b> are counted by one {@link dev.hoist.auth.LoginLimiter} shared with
 *       the accelerator's console and API: 5 per name and 30 per client address in 15 minutes, then
 *       429 {@code TOOMANYREQUESTS} with {@code Retry-After}. The failures are kept in the metadata
 *       store, so the nodes of a cluster count them together.
 *   <li><b>Logs</b> name users and hosts, never passwords, tokens or Authorization headers.
 * </ul>
 */
package dev.hoist.auth;
