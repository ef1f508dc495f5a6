package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TableTest {
  @Test
  void columnsAreAlignedLikeDockersTabwriter() {
    String t =
        Table.format(
            List.of(
                List.of("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"),
                List.of("ubuntu", "latest", "bf3dc08bfed0", "2 weeks ago", "76.2MB")));

    assertThat(t)
        .isEqualTo(
            "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE\n"
                + "ubuntu       latest    bf3dc08bfed0   2 weeks ago   76.2MB\n");
  }
}
