/**
 * What the JSON APIs under {@code /api/v1/} share: {@link dev.hoist.api.ApiError}, their one error
 * shape, {@code {"errors":[{"code":"…","message":"…"}]}} with the HTTP status, and its writer.
 */
package dev.hoist.api;
