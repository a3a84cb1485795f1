package dev.infertrace.proxy.epp;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A marshaller that passes gRPC messages through as the bytes they are: the relay never re-encodes.
 */
public final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
  public static final RawBytes INSTANCE = new RawBytes();

  /** The ext_proc method, as bytes both ways. */
  public static final MethodDescriptor<byte[], byte[]> PROCESS =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName("envoy.service.ext_proc.v3.ExternalProcessor/Process")
          .setRequestMarshaller(INSTANCE)
          .setResponseMarshaller(INSTANCE)
          .build();

  @Override
  public InputStream stream(byte[] value) {
    return new ByteArrayInputStream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
