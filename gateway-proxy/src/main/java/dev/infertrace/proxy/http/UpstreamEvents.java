package dev.infertrace.proxy.http;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;

/** What the upstream connection of an exchange reports, on the event loop, in order. */
interface UpstreamEvents {
  /** The response's status line and headers. */
  void onResponseHead(HttpResponse head);

  /** A part of the response body (the receiver releases it). */
  void onResponseContent(HttpContent part);

  /** Everything one read from the upstream decoded has been reported. */
  void onReadComplete();

  /** The connection closed (by the upstream, or after an error on it). */
  void onUpstreamClosed();
}
