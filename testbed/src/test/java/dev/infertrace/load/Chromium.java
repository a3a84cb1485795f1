package dev.infertrace.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.peers.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A page opened in headless Chromium: the DOM after its scripts ran, and what the browser logged.
 */
record Chromium(String dom, String log) {

  static Chromium open(PeerProcesses peers, Path page, Path work) throws Exception {
    Path dom = work.resolve("dom.html");
    Path log = work.resolve("chromium.log");
    Process p =
        new ProcessBuilder(
                peers.executable(Peer.CHROMIUM).toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--user-data-dir=" + work.resolve("profile"),
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                page.toUri().toString())
            .redirectOutput(dom.toFile())
            .redirectError(log.toFile())
            .start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not end in 90 s: " + Files.readString(log));
    }
    assertThat(p.exitValue()).as(Files.readString(log)).isZero();
    return new Chromium(Files.readString(dom), Files.readString(log));
  }
}
