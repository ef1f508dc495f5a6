package dev.hoist.ui;

import dev.hoist.pipeline.Call;
import dev.hoist.web.Viewer;
import java.util.Map;

/**
 * One page (or a family of pages under one path prefix) of the web UI. Runs on the event loop:
 * blocking work (the metadata store, password hashing) goes to a worker ({@link Pages#blocking}).
 */
@FunctionalInterface
public interface Page {
  /**
   * Answers {@code call}, whose viewer is already known.
   *
   * @param form the fields of a POST's urlencoded body (read before the viewer was looked up, so
   *     that no byte of it is lost while that waits); empty for other requests
   */
  void handle(Call call, Viewer viewer, Map<String, String> form);
}
