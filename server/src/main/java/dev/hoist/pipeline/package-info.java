/**
 * Every request's way through the server: an ordered list of named {@link
 * dev.hoist.pipeline.Stage}s, ending in the registry, built in one place by the composition root.
 * What a stage learns about a request (the tenant, the address prefix, the transfer gate) travels
 * in the {@link dev.hoist.pipeline.Call}'s {@link dev.hoist.pipeline.RequestContext}, never in the
 * runtime type of the request; work to do once the response is over is registered with {@link
 * dev.hoist.pipeline.Call#atEnd}.
 */
package dev.hoist.pipeline;
