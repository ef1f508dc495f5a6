/** Shared test fixtures: random content, real peers, contract suites. */
package dev.hoist.testkit;
