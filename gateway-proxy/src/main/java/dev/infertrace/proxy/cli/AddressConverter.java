package dev.infertrace.proxy.cli;

import java.net.InetSocketAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code host:port}, or {@code :port} for all interfaces (never a default: listeners stay on
 * loopback).
 */
public final class AddressConverter implements ITypeConverter<InetSocketAddress> {
  @Override
  public InetSocketAddress convert(String value) {
    int colon = value.lastIndexOf(':');
    if (colon < 0) {
      throw new TypeConversionException("'" + value + "' is not HOST:PORT");
    }
    String host = colon == 0 ? "0.0.0.0" : value.substring(0, colon);
    try {
      int port = Integer.parseInt(value.substring(colon + 1));
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return new InetSocketAddress(host, port);
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + value + "' has no valid port (0-65535)");
    }
  }
}
