package dev.infertrace.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.ProxyMain;
import dev.infertrace.testbed.TestbedMain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Every command's {@code --help} as an operator reads it. picocli wraps each element of a
 * description to the usage width and starts every element on a line of its own, so a sentence cut
 * into elements by hand comes out as a short line in the middle of a paragraph (as {@code ingress
 * --help} did: "a SERVER span per" / "request with" / "the client's view ..."). Elements are
 * paragraphs or list items; picocli does the wrapping.
 */
class HelpTextTest {
  private static List<CommandLine> all() {
    List<CommandLine> out = new ArrayList<>();
    for (CommandLine root : List.of(ProxyMain.commandLine(), TestbedMain.commandLine())) {
      collect(root, out);
    }
    return out;
  }

  private static void collect(CommandLine c, List<CommandLine> out) {
    out.add(c);
    for (Map.Entry<String, CommandLine> e : c.getSubcommands().entrySet()) {
      if (e.getKey().equals(e.getValue().getCommandName())) {
        collect(e.getValue(), out);
      }
    }
  }

  /**
   * Element {@code next} goes on with the sentence that {@code prev} left unfinished: {@code prev}
   * ends without a full stop, question or exclamation mark and {@code next} is not an item of a
   * list (indented, or "- ", "* ", "• ", "1. "), or {@code prev} ends with a colon and {@code next}
   * goes on in lower case.
   */
  private static boolean cutMidSentence(String prev, String next) {
    String p = prev.stripTrailing();
    if (p.isEmpty() || next.isBlank() || ".!?".indexOf(p.charAt(p.length() - 1)) >= 0) {
      return false;
    }
    if (p.endsWith(":")) {
      return Character.isLowerCase(next.charAt(0));
    }
    return !(Character.isWhitespace(next.charAt(0)) || LIST_ITEM.matcher(next).lookingAt());
  }

  private static final java.util.regex.Pattern LIST_ITEM =
      java.util.regex.Pattern.compile("(- |\\* |• |\\d+[.)] )");

  private static void check(String where, String[] lines, List<String> problems) {
    for (int i = 1; i < lines.length; i++) {
      if (cutMidSentence(lines[i - 1], lines[i])) {
        problems.add(where + ": \"" + lines[i - 1] + "\" / \"" + lines[i] + "\"");
      }
    }
  }

  @Test
  void noDescriptionIsASentenceCutIntoLinesByHand() {
    List<String> problems = new ArrayList<>();
    for (CommandLine c : all()) {
      CommandSpec spec = c.getCommandSpec();
      String name = spec.qualifiedName();
      check(name, spec.usageMessage().description(), problems);
      check(name + " (footer)", spec.usageMessage().footer(), problems);
      List<ArgSpec> args = new ArrayList<>(spec.options());
      args.addAll(spec.positionalParameters());
      for (ArgSpec a : args) {
        check(name + " " + a.paramLabel() + a, a.description(), problems);
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyCommandIsLaidOutAtOneWidth() {
    // The descriptions are written for 100 columns; at picocli's default 80 the usage synopsis
    // and the option column leave them half the room.
    List<String> narrow = new ArrayList<>();
    for (CommandLine c : all()) {
      if (c.getCommandSpec().usageMessage().width() != 100) {
        narrow.add(
            c.getCommandSpec().qualifiedName() + " " + c.getCommandSpec().usageMessage().width());
      }
    }
    assertThat(narrow).isEmpty();
  }
}
