package dev.infertrace.agent.apps;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * The same with OkHttp 4: {@code OkApp URL MODE BODY}; MODE is stream (source read to the end),
 * plain (string()), async (enqueue), abandon (one event, then close).
 */
public final class OkApp {
  private OkApp() {}

  public static void main(String[] args) throws Exception {
    OkHttpClient client = new OkHttpClient();
    Request request =
        new Request.Builder()
            .url(args[0] + "/v1/chat/completions")
            .post(RequestBody.create(args[2], MediaType.get("application/json")))
            .build();
    String mode = args[1];
    byte[] got;
    int status;
    if (mode.equals("async")) {
      CompletableFuture<byte[]> done = new CompletableFuture<>();
      int[] code = new int[1];
      client
          .newCall(request)
          .enqueue(
              new Callback() {
                @Override
                public void onFailure(Call call, java.io.IOException e) {
                  done.completeExceptionally(e);
                }

                @Override
                public void onResponse(Call call, Response response) throws java.io.IOException {
                  code[0] = response.code();
                  try (response) {
                    done.complete(response.body().bytes());
                  }
                }
              });
      got = done.get();
      status = code[0];
    } else {
      try (Response r = client.newCall(request).execute()) {
        status = r.code();
        if (mode.equals("plain")) {
          got = r.body().string().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } else if (mode.equals("abandon")) {
          BufferedSource source = r.body().source();
          StringBuilder seen = new StringBuilder();
          String line;
          while ((line = source.readUtf8Line()) != null) {
            seen.append(line).append('\n');
            if (line.isEmpty()) {
              break;
            }
          }
          got = seen.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } else {
          got = r.body().source().readByteArray();
        }
      }
    }
    System.out.println("STATUS " + status);
    System.out.println("BYTES " + got.length);
    System.out.println(
        "SHA256 " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(got)));
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
