package dev.hoist.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {

  @Test
  void aHistogramQuantileNamesItsBucketsNotTheFunctionsOrTheGroupingLabels() {
    assertThat(
            PromQl.metricNames(
                "histogram_quantile(0.99, sum by (le, route)"
                    + " (rate(hoist_http_requests_seconds_bucket{instance=~\"$instance\"}"
                    + "[$__rate_interval])))"))
        .containsExactly("hoist_http_requests_seconds_bucket");
  }

  @Test
  void bothSidesOfABinaryOperatorAreNamedAndLabelValuesAreNot() {
    assertThat(
            PromQl.metricNames(
                "sum(increase(a_total{result=~\"hit|stale\", x=\"b_total\"}[$__range]))"
                    + " - sum(increase(c_bytes_total[5m])) / on(instance) group_left d"))
        .containsExactly("a_total", "c_bytes_total", "d");
  }

  @Test
  void numbersComparisonsAndTopkAreNotNames() {
    assertThat(PromQl.metricNames("topk(10, max(hoist_cache_limit_bytes > 0) * 1e3)"))
        .containsExactly("hoist_cache_limit_bytes");
  }
}
