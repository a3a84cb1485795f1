package dev.infertrace.proxy.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOutboundHandlerAdapter;

/**
 * A place in the client's pipeline between the socket and the HTTP codec; it does nothing itself.
 * Body bytes the proxy frames on its own ({@link ReadBatch}) are written from its context, so they
 * pass the encoder by, which would queue three writes and four promises for each part it frames.
 * Heads and last parts still go through the encoder, which keeps its state (chunked or not, the end
 * of a message) from them.
 */
@ChannelHandler.Sharable
final class RawWrites extends ChannelOutboundHandlerAdapter {
  static final RawWrites INSTANCE = new RawWrites();

  private RawWrites() {}
}
