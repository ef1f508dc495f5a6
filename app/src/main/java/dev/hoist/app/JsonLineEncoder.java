package dev.hoist.app;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * One JSON object per event, on one line, for log collectors:
 *
 * <pre>{@code
 * {"time":"2026-12-08T10:15:30.123Z","level":"WARN","thread":"hoist-mirror-3",
 *  "logger":"dev.hoist.mirror.UpstreamHealth","message":"upstream failing: upstream=docker.io ..."}
 * }</pre>
 *
 * with {@code "error"} (the stack trace as text) when the event has one, and the key-value pairs of
 * SLF4J's fluent API as fields of their own. Smaller than Logback's {@code JsonEncoder}, which
 * writes the logger context and sequence numbers with every event.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
  private static final byte[] NEWLINE = {'\n'};

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
      g.writeStringField("level", event.getLevel().toString());
      g.writeStringField("thread", event.getThreadName());
      g.writeStringField("logger", event.getLoggerName());
      g.writeStringField("message", event.getFormattedMessage());
      List<KeyValuePair> pairs = event.getKeyValuePairs();
      if (pairs != null) {
        for (KeyValuePair pair : pairs) {
          g.writeStringField(pair.key, String.valueOf(pair.value));
        }
      }
      IThrowableProxy error = event.getThrowableProxy();
      if (error != null) {
        g.writeStringField("error", ThrowableProxyUtil.asString(error));
      }
      g.writeEndObject();
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
    out.writeBytes(NEWLINE);
    return out.toByteArray();
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }
}
