package dev.infertrace.testbed.sim.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import javax.annotation.Nullable;

/**
 * An error answered in the OpenAI form vLLM uses: {@code {"error": {"message", "type", "param",
 * "code"}}} with the HTTP status as {@code code}.
 */
public final class OpenAiError extends Exception {
  private final HttpResponseStatus status;
  private final String type;
  @Nullable private final String param;

  private OpenAiError(HttpResponseStatus status, String type, @Nullable String param, String msg) {
    super(msg, null, false, false);
    this.status = status;
    this.type = type;
    this.param = param;
  }

  /** 400: the request is malformed or a field is invalid; {@code param} names the field. */
  public static OpenAiError badRequest(@Nullable String param, String message) {
    return new OpenAiError(HttpResponseStatus.BAD_REQUEST, "BadRequestError", param, message);
  }

  /** 404: unknown model or path. */
  public static OpenAiError notFound(@Nullable String param, String message) {
    return new OpenAiError(HttpResponseStatus.NOT_FOUND, "NotFoundError", param, message);
  }

  /** 405: the path exists, the method does not. */
  public static OpenAiError methodNotAllowed(String message) {
    return new OpenAiError(
        HttpResponseStatus.METHOD_NOT_ALLOWED, "MethodNotAllowedError", null, message);
  }

  /** 413: the body is larger than the server accepts. */
  public static OpenAiError tooLarge(String message) {
    return new OpenAiError(
        HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "RequestTooLargeError", null, message);
  }

  /** 503: the engine cannot take the request now. */
  public static OpenAiError unavailable(String message) {
    return new OpenAiError(
        HttpResponseStatus.SERVICE_UNAVAILABLE, "ServiceUnavailableError", null, message);
  }

  /** An injected engine failure: {@code status} (5xx: {@code InternalServerError}). */
  public static OpenAiError injected(int status) {
    return new OpenAiError(
        HttpResponseStatus.valueOf(status),
        status >= 500 ? "InternalServerError" : "BadRequestError",
        null,
        "EngineCore encountered an issue (injected fault engine-error)");
  }

  public HttpResponseStatus status() {
    return status;
  }

  /** The JSON body. */
  public String toJson() {
    return "{\"error\":{\"message\":"
        + Json.quote(getMessage())
        + ",\"type\":"
        + Json.quote(type)
        + ",\"param\":"
        + (param == null ? "null" : Json.quote(param))
        + ",\"code\":"
        + status.code()
        + "}}";
  }
}
