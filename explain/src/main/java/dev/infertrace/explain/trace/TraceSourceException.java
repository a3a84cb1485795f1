package dev.infertrace.explain.trace;

import java.io.IOException;

/** A trace source could not be read; the message names the source, the URL and what went wrong. */
public final class TraceSourceException extends IOException {
  private static final long serialVersionUID = 1L;

  public TraceSourceException(String message) {
    super(message);
  }

  public TraceSourceException(String message, Throwable cause) {
    super(message, cause);
  }
}
