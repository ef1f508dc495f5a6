package dev.hoist.server;

import java.net.BindException;
import java.util.Locale;

/**
 * A listener that cannot bind is a setting to change, said in one line (exit status 2): the address
 * in use, not on this machine, or a port this user may not open. Anything else stays an error.
 */
final class ListenFailure {
  private ListenFailure() {}

  static RuntimeException of(String address, Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException bind) {
        String reason =
            bind.getMessage() == null ? "cannot bind" : bind.getMessage().toLowerCase(Locale.ROOT);
        String hint = reason.contains("in use") ? "another process listens there; " : "";
        return new ConfigException(
            "listen",
            "cannot listen on "
                + address
                + ": "
                + reason
                + " ("
                + hint
                + "choose another address with --listen, HOIST_LISTEN or listen: in the file)");
      }
    }
    return new IllegalStateException("cannot listen on " + address + ": " + e, e);
  }
}
