package dev.hoist.bench;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * sha256 of 64 KiB buffers through {@link Digester}, the way a blob is verified while it streams:
 * one running digester fed buffer after buffer (heap array, and the direct buffer a network or file
 * channel hands over), a whole digest per buffer, and the bare JDK {@link MessageDigest} as the
 * floor. Divide 64 KiB by the time per operation for the hashing rate in bytes per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DigestBenchmark {
  static final int SIZE = 64 * 1024;

  private byte[] heap;
  private ByteBuffer direct;
  private Digester running;
  private MessageDigest jdk;

  @Setup(Level.Trial)
  public void data() throws NoSuchAlgorithmException {
    heap = new byte[SIZE];
    new Random(64).nextBytes(heap);
    direct = ByteBuffer.allocateDirect(SIZE);
    direct.put(heap).flip();
    jdk = MessageDigest.getInstance("SHA-256");
  }

  /** A fresh digester per iteration: a running one cannot be reset, and it must not finish. */
  @Setup(Level.Iteration)
  public void digester() {
    running = Digester.forAlgorithm(Digest.SHA256);
  }

  /** One 64 KiB buffer into a running digest (the streaming-verify hot path). */
  @Benchmark
  public long updateHeap64KiB() {
    running.update(heap, 0, SIZE);
    return running.bytes();
  }

  /** The same from a direct buffer, as a channel read hands it over. */
  @Benchmark
  public long updateDirect64KiB() {
    direct.rewind();
    running.update(direct);
    return running.bytes();
  }

  /** A whole digest of one 64 KiB buffer: new digester, update, finish, hex. */
  @Benchmark
  public Digest digest64KiB() {
    Digester d = Digester.forAlgorithm(Digest.SHA256);
    d.update(heap);
    return d.digest();
  }

  /** The floor: the JDK's SHA-256 over the same bytes, no Hoist code. */
  @Benchmark
  public byte[] jdkSha256_64KiB() {
    jdk.update(heap, 0, SIZE);
    return jdk.digest();
  }
}
