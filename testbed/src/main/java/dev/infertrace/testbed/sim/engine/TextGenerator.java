package dev.infertrace.testbed.sim.engine;

/**
 * Generates output deterministically, without weights: the k-th token of a request is a short
 * English word (with its leading space) or a punctuation mark chosen by a hash of the request's
 * seed and k. Every piece is exactly one token for {@link Tokenizer}, so re-tokenizing an output
 * gives back its token count.
 *
 * <p>Each request also has a natural length, the point where the model would emit end-of-sequence:
 * {@code MIN_NATURAL + seed mod NATURAL_SPREAD} tokens. Stateless and thread-safe.
 */
public final class TextGenerator {
  /** Shortest natural answer, in tokens. */
  public static final int MIN_NATURAL = 24;

  /** Natural lengths spread over {@code [MIN_NATURAL, MIN_NATURAL + NATURAL_SPREAD)}. */
  public static final int NATURAL_SPREAD = 232;

  private static final String[] PIECES = {
    " the", " of", " and", " to", " in", " a", " is", " that", " for", " it", " as", " was",
    " with", " be", " by", " on", " not", " this", " are", " or", " from", " at", " but", " have",
    " an", " they", " you", " were", " her", " one", " all", " we", " can", " has", " more",
    " will", " node", " pod", " gpu", " kv", " load", " time", " cold", " warm", " fast", " slow",
    " open", " data", " path", " span", " rate", " peak", " tail", " wait", " step", " byte", ",",
    ".", " each", " when", " then", " into", " over", " also"
  };

  private static final int[] PIECE_IDS = new int[PIECES.length];

  static {
    for (int i = 0; i < PIECES.length; i++) {
      int[] ids = Tokenizer.encode(PIECES[i]);
      if (ids.length != 1) {
        throw new AssertionError("output piece '" + PIECES[i] + "' is not one token");
      }
      PIECE_IDS[i] = ids[0];
    }
  }

  private TextGenerator() {}

  /** The seed of a request: a hash of its prompt tokens. */
  public static long seed(int[] promptTokens) {
    long h = 0xcbf29ce484222325L;
    for (int t : promptTokens) {
      h ^= t;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** The text of output token {@code k} (0-based). Never null, never empty. */
  public static String piece(long seed, int k) {
    return PIECES[index(seed, k)];
  }

  /** The token id of output token {@code k}. */
  public static int tokenId(long seed, int k) {
    return PIECE_IDS[index(seed, k)];
  }

  private static int index(long seed, int k) {
    long x = seed + 0x9e3779b97f4a7c15L * (k + 1);
    x = (x ^ (x >>> 30)) * 0xbf58476d1ce4e5b9L;
    x = (x ^ (x >>> 27)) * 0x94d049bb133111ebL;
    x ^= x >>> 31;
    return (int) Long.remainderUnsigned(x, PIECES.length);
  }

  /** How many tokens the request would produce before end-of-sequence. */
  public static int naturalLength(long seed) {
    return MIN_NATURAL + (int) Long.remainderUnsigned(seed, NATURAL_SPREAD);
  }
}
