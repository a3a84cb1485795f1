package dev.infertrace.load;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A distribution of lengths in tokens: {@code N} or {@code fixed:N}, {@code uniform:MIN,MAX}
 * (inclusive), {@code normal:MEAN,STDDEV} (rounded, clamped to at least 1).
 */
public record Lengths(Kind kind, double a, double b) {
  /** The shape of the distribution. */
  public enum Kind {
    FIXED,
    UNIFORM,
    NORMAL
  }

  public Lengths {
    if (a < 1 || (kind == Kind.UNIFORM && b < a) || (kind == Kind.NORMAL && b < 0)) {
      throw new IllegalArgumentException("bad length distribution " + describe(kind, a, b));
    }
  }

  public static Lengths fixed(int n) {
    return new Lengths(Kind.FIXED, n, 0);
  }

  /**
   * Parses a distribution given to {@code flag}.
   *
   * @throws IllegalArgumentException naming the flag and the accepted forms
   */
  public static Lengths parse(String flag, String spec) {
    String s = spec.strip().toLowerCase(Locale.ROOT);
    try {
      int colon = s.indexOf(':');
      String kind = colon < 0 ? "fixed" : s.substring(0, colon);
      String[] args = (colon < 0 ? s : s.substring(colon + 1)).split(",");
      return switch (kind) {
        case "fixed" -> new Lengths(Kind.FIXED, one(args), 0);
        case "uniform" -> new Lengths(Kind.UNIFORM, num(args, 0), num(args, 1));
        case "normal" -> new Lengths(Kind.NORMAL, num(args, 0), num(args, 1));
        default -> throw new IllegalArgumentException("unknown kind " + kind);
      };
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          flag
              + ": expected N, fixed:N, uniform:MIN,MAX or normal:MEAN,STDDEV (N >= 1), got '"
              + spec
              + "'",
          e);
    }
  }

  /** Draws one length (>= 1). */
  public int draw(SplittableRandom random) {
    return switch (kind) {
      case FIXED -> (int) a;
      case UNIFORM -> (int) a + random.nextInt((int) b - (int) a + 1);
      case NORMAL -> (int) Math.max(1, Math.round(a + b * gaussian(random)));
    };
  }

  @Override
  public String toString() {
    return describe(kind, a, b);
  }

  private static String describe(Kind kind, double a, double b) {
    return switch (kind) {
      case FIXED -> "fixed:" + fmt(a);
      case UNIFORM -> "uniform:" + fmt(a) + "," + fmt(b);
      case NORMAL -> "normal:" + fmt(a) + "," + fmt(b);
    };
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  private static double one(String[] args) {
    if (args.length != 1) {
      throw new IllegalArgumentException("one number expected");
    }
    return Integer.parseInt(args[0].strip());
  }

  private static double num(String[] args, int i) {
    if (args.length != 2) {
      throw new IllegalArgumentException("two numbers expected");
    }
    return Double.parseDouble(args[i].strip());
  }

  private static double gaussian(SplittableRandom random) {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 17
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
