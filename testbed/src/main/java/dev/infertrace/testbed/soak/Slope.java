package dev.infertrace.testbed.soak;

import java.util.List;

/** Least-squares slopes of resource samples. */
public final class Slope {
  private Slope() {}

  /** One sample: seconds since the start, and a value. */
  public record Point(double seconds, double value) {}

  /**
   * The least-squares slope of {@code points} per hour (value units per hour); 0 with fewer than 2
   * points or all at one time.
   */
  public static double perHour(List<Point> points) {
    int n = points.size();
    if (n < 2) {
      return 0;
    }
    double mx = 0;
    double my = 0;
    for (Point p : points) {
      mx += p.seconds();
      my += p.value();
    }
    mx /= n;
    my /= n;
    double sxy = 0;
    double sxx = 0;
    for (Point p : points) {
      sxy += (p.seconds() - mx) * (p.value() - my);
      sxx += (p.seconds() - mx) * (p.seconds() - mx);
    }
    return sxx == 0 ? 0 : sxy / sxx * 3600;
  }

  /** The points of the second half of the run: from {@code endSeconds / 2} on. */
  public static List<Point> secondHalf(List<Point> points, double endSeconds) {
    return points.stream().filter(p -> p.seconds() >= endSeconds / 2).toList();
  }
}
