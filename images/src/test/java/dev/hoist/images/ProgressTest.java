package dev.hoist.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private final StringWriter buffer = new StringWriter();
  private final PrintWriter out = new PrintWriter(buffer);
  private final AtomicLong nanos = new AtomicLong();

  @Test
  void barIsDockersFiftyCharacterBarWithSizes() {
    assertThat(Progress.bar(50, 100))
        .isEqualTo("[=========================>                         ]      50B/100B");
    assertThat(Progress.bar(0, 29_540_000))
        .isEqualTo("[>                                                  ]       0B/29.54MB");
    assertThat(Progress.bar(29_540_000, 29_540_000))
        .isEqualTo("[==================================================>]  29.54MB/29.54MB");
  }

  @Test
  void barWithoutTotalOrOverTotalShowsTheCurrentSizeOnly() {
    assertThat(Progress.bar(0, 0)).isEmpty();
    assertThat(Progress.bar(1500, -1)).isEqualTo("   1.5kB");
    assertThat(Progress.bar(200, 100)).endsWith("]     200B");
  }

  @Test
  void shortIdIsTwelveHexCharacters() {
    assertThat(
            Progress.shortId(
                "sha256:8a1e25ce7c4f75e372e9884f8f7b1bedcfe4a7a7d7a6f0f5cc1b1e2a2e9b7a33"))
        .isEqualTo("8a1e25ce7c4f");
  }

  @Test
  void plainOutputPrintsEachStatusChangeOnceWithoutBars() {
    Progress p = new Progress(out, false, false, nanos::get);
    Progress.Line l = p.line("sha256:0123456789abcdef", "Pulling fs layer");
    l.progress("Downloading", 10, 100);
    l.progress("Downloading", 50, 100);
    l.status("Verifying Checksum");
    l.status("Download complete", "from docker.io");

    assertThat(buffer.toString())
        .isEqualTo(
            "0123456789ab: Pulling fs layer\n"
                + "0123456789ab: Downloading\n"
                + "0123456789ab: Verifying Checksum\n"
                + "0123456789ab: Download complete from docker.io\n");
  }

  @Test
  void terminalOutputRedrawsTheLineInPlace() {
    Progress p = new Progress(out, true, false, nanos::get);
    Progress.Line a = p.line("aaaaaaaaaaaaaaaa", "Pulling fs layer");
    p.line("bbbbbbbbbbbbbbbb", "Waiting");
    buffer.getBuffer().setLength(0);

    a.progress("Downloading", 50, 100);

    // Up two lines, clear, rewrite, back down.
    assertThat(buffer.toString())
        .isEqualTo(
            "\u001b[2A\r\u001b[2Kaaaaaaaaaaaa: Downloading "
                + Progress.bar(50, 100)
                + "\r\u001b[2B");
  }

  @Test
  void terminalRedrawsOfTheBarAreThrottled() {
    Progress p = new Progress(out, true, false, nanos::get);
    Progress.Line a = p.line("aaaaaaaaaaaa", "Pulling fs layer");
    a.progress("Downloading", 1, 100);
    buffer.getBuffer().setLength(0);

    nanos.addAndGet(10_000_000); // 10 ms later
    a.progress("Downloading", 2, 100);
    assertThat(buffer.toString()).isEmpty();

    nanos.addAndGet(100_000_000);
    a.progress("Downloading", 3, 100);
    assertThat(buffer.toString()).contains("3B/100B");

    buffer.getBuffer().setLength(0);
    a.progress("Downloading", 100, 100); // the end is always drawn
    assertThat(buffer.toString()).contains("100B/100B");
  }

  @Test
  void quietProgressPrintsNothing() {
    Progress p = new Progress(out, true, true, nanos::get);
    p.println("hello");
    p.line("abc", "Waiting").status("Download complete");

    assertThat(buffer.toString()).isEmpty();
  }
}
