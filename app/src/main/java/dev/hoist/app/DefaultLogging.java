package dev.hoist.app;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * How the {@code hoist} command logs before anything else is said: Logback finds this through
 * {@code META-INF/services} when the first logger is asked for, instead of its own default (every
 * event at debug on standard output). {@code serve} then applies its configuration over it.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class DefaultLogging extends ContextAwareBase implements Configurator {
  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (Logging.userConfigured()) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    Logging.commands(context);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
