package dev.hoist.logging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Writes an {@link AccessEntry} as one line, in either format. Every value a client chooses (path,
 * user agent, user name) is escaped, so that a line never holds a line break or an unescaped quote
 * and no request can forge a second line or shift the fields of its own.
 *
 * <pre>
 * common: 127.0.0.1 - alice [08/Dec/2026:10:15:30 +0000] "GET /v2/library/alpine/manifests/3.20
 *         HTTP/1.1" 200 1638 ms=2.315 cache=HIT upstream=docker.io tenant=- agent="skopeo/1.13.3"
 * json:   {"time":"2026-12-08T10:15:30.123Z","client":"127.0.0.1","method":"GET",
 *         "path":"/v2/library/alpine/manifests/3.20","protocol":"HTTP/1.1","status":200,
 *         "bytes":1638,"durationMs":2.315,"cache":"HIT","upstream":"docker.io","tenant":null,
 *         "user":"alice","userAgent":"skopeo/1.13.3","aborted":false}
 * </pre>
 *
 * (each one line). In the common format a value that is absent is {@code -}, and {@code aborted} is
 * added only when the connection closed before the response was complete.
 */
final class AccessLine {
  // Non-ASCII escaped too: no reader splits a line on U+2028 or NEL inside a string.
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
  private static final DateTimeFormatter CLF_TIME =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private AccessLine() {}

  static String format(AccessEntry e, AccessLogConfig.Format format) {
    return switch (format) {
      case COMMON -> common(e);
      case JSON -> json(e);
    };
  }

  static String common(AccessEntry e) {
    StringBuilder line = new StringBuilder(256);
    word(line, e.client()).append(" - ");
    word(line, e.user()).append(" [");
    line.append(CLF_TIME.format(e.time())).append("] \"");
    escaped(line, e.method(), false).append(' ');
    escaped(line, e.target(), false).append(' ');
    escaped(line, e.protocol(), false).append("\" ");
    line.append(e.status()).append(' ').append(e.bytes());
    line.append(" ms=").append(millis(e.durationNanos()));
    word(line.append(" cache="), e.cache());
    word(line.append(" upstream="), e.upstream());
    word(line.append(" tenant="), e.tenant());
    line.append(" agent=");
    quoted(line, e.userAgent());
    if (e.aborted()) {
      line.append(" aborted");
    }
    return line.toString();
  }

  static String json(AccessEntry e) {
    StringWriter out = new StringWriter(320);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", e.time().toString());
      g.writeStringField("client", e.client());
      g.writeStringField("method", e.method());
      g.writeStringField("path", e.target());
      g.writeStringField("protocol", e.protocol());
      g.writeNumberField("status", e.status());
      g.writeNumberField("bytes", e.bytes());
      g.writeFieldName("durationMs");
      g.writeRawValue(millis(e.durationNanos()));
      g.writeStringField("cache", e.cache());
      g.writeStringField("upstream", e.upstream());
      g.writeStringField("tenant", e.tenant());
      g.writeStringField("user", e.user());
      g.writeStringField("userAgent", e.userAgent());
      g.writeBooleanField("aborted", e.aborted());
      g.writeEndObject();
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
    return out.toString();
  }

  /** Milliseconds with three decimals: {@code 2.315}. */
  static String millis(long nanos) {
    long micros = Math.max(0, nanos) / 1_000;
    long fraction = micros % 1_000;
    return micros / 1_000 + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction;
  }

  /** An unquoted field: {@code -} when absent or empty; spaces escaped too. */
  private static StringBuilder word(StringBuilder line, @Nullable String value) {
    if (value == null || value.isEmpty()) {
      return line.append('-');
    }
    return escaped(line, value, true);
  }

  private static void quoted(StringBuilder line, @Nullable String value) {
    if (value == null || value.isEmpty()) {
      line.append('-');
      return;
    }
    escaped(line.append('"'), value, false).append('"');
  }

  /**
   * {@code value} with every character that could end a field or a line written {@code \xHH}, as
   * nginx does: quotes, backslashes, control characters (C0, DEL, C1), the Unicode line and
   * paragraph separators, and, in an unquoted field, spaces.
   */
  static StringBuilder escaped(StringBuilder line, String value, boolean unquoted) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\' || Character.isISOControl(c) || (unquoted && c == ' ')) {
        line.append("\\x").append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
      } else if (c == '\u2028' || c == '\u2029') {
        line.append(c == '\u2028' ? "\\u2028" : "\\u2029");
      } else {
        line.append(c);
      }
    }
    return line;
  }
}
