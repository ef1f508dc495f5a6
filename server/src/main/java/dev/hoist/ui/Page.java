package dev.hoist.ui;

import dev.hoist.pipeline.Call;
import dev.hoist.web.Viewer;

/**
 * One page (or a family of pages under one path prefix) of the web UI. Runs on the event loop:
 * blocking work (the metadata store, password hashing) goes to a worker ({@link Pages#blocking}).
 */
@FunctionalInterface
public interface Page {
  /** Answers {@code call}, whose viewer is already known. */
  void handle(Call call, Viewer viewer);
}
