package dev.infertrace.proxy.http;

import dev.infertrace.core.openai.OpenAiRequest;
import dev.infertrace.core.openai.OpenAiRequestSniffer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import javax.annotation.Nullable;

/**
 * The request body held by the proxy until an upstream connection can carry it: gathered without
 * copying, sniffed for the request's shape once whole, then handed to the upstream leg in one
 * write. Knows whether the client has sent all of it. One event loop.
 */
final class RequestBody {
  private final ByteBufAllocator alloc;
  @Nullable private CompositeByteBuf held;
  private boolean complete;

  RequestBody(ByteBufAllocator alloc) {
    this.alloc = alloc;
    this.held = alloc.compositeBuffer(64);
  }

  /** True once the client has sent the last part of the body. */
  boolean complete() {
    return complete;
  }

  void markComplete() {
    complete = true;
  }

  /** Keeps {@code part} (retained here; the caller releases its own reference). */
  void add(ByteBuf part) {
    if (held != null && part.isReadable()) {
      held.addComponent(true, part.retain());
    }
  }

  /** Bytes held. */
  int size() {
    return held == null ? 0 : held.readableBytes();
  }

  /** The held bytes, for reading in place (the EPP's copy); null once taken or released. */
  @Nullable
  ByteBuf view() {
    return held;
  }

  /** The request's shape, when the body is whole and an LLM operation's; null otherwise. */
  @Nullable
  OpenAiRequest sniff(@Nullable String operation) {
    if (operation == null || !complete || held == null || !held.isReadable()) {
      return null;
    }
    // Read through the event loop's copy buffer when the body fits it (the sniffer keeps nothing
    // of the array): most chat requests do, and then sniffing allocates no copy of the body.
    int n = held.readableBytes();
    byte[] scratch = LoopScratch.get();
    byte[] bytes = n <= scratch.length ? scratch : new byte[n];
    held.getBytes(held.readerIndex(), bytes, 0, n);
    return OpenAiRequestSniffer.sniff(operation, bytes, 0, n);
  }

  /** Holds {@code body} instead of what was held (the EPP's echo of the body is what goes on). */
  void replace(ByteBuf body) {
    release();
    held = alloc.compositeBuffer(64);
    held.addComponent(true, body);
  }

  /** Hands the held bytes over (the caller owns them now). */
  ByteBuf take() {
    ByteBuf b = held;
    held = null;
    return b == null ? alloc.buffer(0) : b;
  }

  void release() {
    if (held != null) {
      held.release();
      held = null;
    }
  }
}
