package dev.hoist.bench;

import dev.hoist.oci.ImageReference;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link ImageReference#parse} over a realistic mix of what users type and what the mirror sees:
 * short Docker Hub names, tags, other registries, ports, path-prefix mirror names and digests.
 * Reported per reference.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReferenceParseBenchmark {
  private static final String DIGEST =
      "sha256:4f5f1c1b2b8d9e8c7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f";

  static final String[] MIX = {
    "ubuntu",
    "ubuntu:22.04",
    "nginx:1.27-alpine",
    "library/redis:7",
    "alice/app:1",
    "postgres@" + DIGEST,
    "docker.io/library/busybox:latest",
    "index.docker.io/library/python:3.12-slim",
    "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:0.111.0",
    "quay.io/prometheus/node-exporter:v1.8.2",
    "registry.k8s.io/pause:3.10",
    "gcr.io/distroless/static-debian12:nonroot",
    "mcr.microsoft.com/dotnet/aspnet:8.0",
    "localhost:5000/team/app:1.0",
    "127.0.0.1:5000/bench/big:1",
    "ghcr.io/org/app:v1.2.3@" + DIGEST,
  };

  @Benchmark
  @OperationsPerInvocation(16)
  public void parseMix(Blackhole bh) {
    for (String s : MIX) {
      bh.consume(ImageReference.parse(s));
    }
  }

  /** The most common input: a bare official image name (normalised to docker.io/library). */
  @Benchmark
  public ImageReference parseShortName() {
    return ImageReference.parse("ubuntu");
  }
}
