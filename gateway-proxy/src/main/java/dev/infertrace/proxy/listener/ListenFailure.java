package dev.infertrace.proxy.listener;

import java.net.InetSocketAddress;

/**
 * A listener that could not be opened, naming its address and the flag that sets it: a process has
 * several (proxy, admin, OTLP receivers), and "Address already in use" alone does not say which one
 * collided.
 */
public final class ListenFailure extends RuntimeException {
  private ListenFailure(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * @param what the listener, with its flag: {@code "vLLM's spans over OTLP/HTTP
   *     (--otlp-receiver-http)"}
   */
  public static ListenFailure of(String what, InetSocketAddress address, Throwable cause) {
    return new ListenFailure(
        "cannot listen on "
            + address.getHostString()
            + ":"
            + address.getPort()
            + " for "
            + what
            + ": "
            + cause.getMessage(),
        cause);
  }
}
