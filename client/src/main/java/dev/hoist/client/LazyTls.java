package dev.hoist.client;

import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * TLS for an {@link HttpClient}, set up on the first HTTPS connection instead of when the client is
 * built.
 *
 * <p>{@code HttpClient.newBuilder().build()} initialises the default TLS context (the CA
 * certificates, the providers, the key-exchange groups) and asks it for its parameters, even when
 * every request will be plain HTTP: about 0.15 s of a short command's start-up, and of the
 * server's, measured with a {@code hoist pull} from a loopback registry. A registry on plain HTTP
 * (loopback, or an insecure one) never pays it now; an HTTPS one pays it at its first connection,
 * as before.
 */
final class LazyTls {
  private LazyTls() {}

  /** Sets a lazily built TLS context on {@code builder}: the default one, or one trusting any. */
  static HttpClient.Builder configure(HttpClient.Builder builder, boolean insecure) {
    Supplier<SSLContext> real = insecure ? InsecureTls::context : LazyTls::defaultContext;
    return builder.sslContext(new LazyContext(real)).sslParameters(clientParameters());
  }

  /**
   * What the default context would give the client, without building it: the protocols only (the
   * cipher suites stay the engine's defaults). HTTP/2 over TLS needs TLS 1.2 or 1.3 listed here.
   */
  static SSLParameters clientParameters() {
    SSLParameters p = new SSLParameters();
    String configured = System.getProperty("jdk.tls.client.protocols");
    p.setProtocols(
        configured == null || configured.isBlank()
            ? new String[] {"TLSv1.3", "TLSv1.2"}
            : configured.strip().split("\\s*,\\s*"));
    return p;
  }

  private static SSLContext defaultContext() {
    try {
      return SSLContext.getDefault();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the default TLS context", e);
    }
  }

  /** An initialised context whose engine is built by the first call that needs it. */
  static final class LazyContext extends SSLContext {
    LazyContext(Supplier<SSLContext> real) {
      super(new Spi(real), null, "TLS");
    }
  }

  private static final class Spi extends SSLContextSpi {
    private final Supplier<SSLContext> factory;
    private volatile SSLContext real;

    Spi(Supplier<SSLContext> factory) {
      this.factory = factory;
    }

    private SSLContext real() {
      SSLContext r = real;
      if (r == null) {
        synchronized (this) {
          r = real;
          if (r == null) {
            r = factory.get();
            real = r;
          }
        }
      }
      return r;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random)
        throws KeyManagementException {
      throw new KeyManagementException("this context is initialised already");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return real().getSocketFactory();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return real().getServerSocketFactory();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return real().createSSLEngine();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return real().createSSLEngine(host, port);
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return real().getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return real().getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return real().getDefaultSSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return real().getSupportedSSLParameters();
    }
  }
}
