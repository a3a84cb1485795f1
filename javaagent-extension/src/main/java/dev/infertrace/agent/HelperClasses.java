package dev.infertrace.agent;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The helper classes an instrumentation module needs injected next to the instrumented library. A
 * Maven build has no muzzle plugin to list them, so they are found here the way muzzle does: every
 * class of ours reachable from the roots through the class files' constant pools (class references
 * and type descriptors), read from the extension's class loader — then ordered so that each
 * superclass and interface comes before the classes that extend it, as class definition requires.
 */
public final class HelperClasses {
  private static final String OURS = "dev/infertrace/";
  private static final Pattern DESCRIPTOR = Pattern.compile("L(dev/infertrace/[^;<]+);");

  private HelperClasses() {}

  /** Our classes reachable from {@code roots} (binary names), parents first. */
  public static List<String> reachableFrom(String... roots) {
    ClassLoader loader = HelperClasses.class.getClassLoader();
    Map<String, ClassFile> found = new LinkedHashMap<>();
    Deque<String> todo = new ArrayDeque<>();
    for (String r : roots) {
      todo.add(r.replace('.', '/'));
    }
    while (!todo.isEmpty()) {
      String internal = todo.poll();
      if (found.containsKey(internal)) {
        continue;
      }
      try (InputStream in = loader.getResourceAsStream(internal + ".class")) {
        if (in == null) {
          continue; // not in the jar (e.g. an annotation type that is not shipped)
        }
        ClassFile c = ClassFile.read(in);
        found.put(internal, c);
        for (String ref : c.references) {
          if (ref.startsWith(OURS) && !found.containsKey(ref)) {
            todo.add(ref);
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + internal + " from the extension", e);
      }
    }
    Set<String> ordered = new LinkedHashSet<>();
    for (String c : found.keySet()) {
      visit(c, found, ordered);
    }
    List<String> out = new ArrayList<>(ordered.size());
    ordered.forEach(c -> out.add(c.replace('/', '.')));
    return out;
  }

  private static void visit(String c, Map<String, ClassFile> found, Set<String> done) {
    if (done.contains(c)) {
      return;
    }
    ClassFile f = found.get(c);
    for (String p : f.supertypes) {
      if (found.containsKey(p)) {
        visit(p, found, done);
      }
    }
    done.add(c);
  }

  /** What a class file names: its supertypes and every class it refers to (internal names). */
  static final class ClassFile {
    final List<String> supertypes = new ArrayList<>();
    final Set<String> references = new LinkedHashSet<>();

    static ClassFile read(InputStream classFile) throws IOException {
      ClassFile f = new ClassFile();
      DataInputStream d = new DataInputStream(classFile);
      d.readInt(); // magic
      d.readUnsignedShort();
      d.readUnsignedShort();
      int count = d.readUnsignedShort();
      String[] utf8 = new String[count];
      int[] classNameIndex = new int[count];
      for (int i = 1; i < count; i++) {
        int tag = d.readUnsignedByte();
        switch (tag) {
          case 1:
            utf8[i] = d.readUTF();
            break;
          case 7:
            classNameIndex[i] = d.readUnsignedShort();
            break;
          case 8:
          case 16:
          case 19:
          case 20:
            d.readUnsignedShort();
            break;
          case 3:
          case 4:
          case 9:
          case 10:
          case 11:
          case 12:
          case 17:
          case 18:
            d.readInt();
            break;
          case 5:
          case 6:
            d.readLong();
            i++; // eight-byte constants take two slots
            break;
          case 15:
            d.readUnsignedByte();
            d.readUnsignedShort();
            break;
          default:
            throw new IOException("unknown constant pool tag " + tag);
        }
      }
      for (int i = 1; i < count; i++) {
        if (classNameIndex[i] != 0) {
          String name = utf8[classNameIndex[i]];
          int l = name.indexOf('L');
          if (name.startsWith("[") && l >= 0) {
            name = name.substring(l + 1, name.length() - 1);
          }
          f.references.add(name);
        } else if (utf8[i] != null && utf8[i].contains("Ldev/infertrace/")) {
          Matcher m = DESCRIPTOR.matcher(utf8[i]);
          while (m.find()) {
            f.references.add(m.group(1));
          }
        }
      }
      d.readUnsignedShort(); // access flags
      d.readUnsignedShort(); // this class
      int superIndex = d.readUnsignedShort();
      if (superIndex != 0) {
        f.supertypes.add(utf8[classNameIndex[superIndex]]);
      }
      int interfaces = d.readUnsignedShort();
      for (int i = 0; i < interfaces; i++) {
        f.supertypes.add(utf8[classNameIndex[d.readUnsignedShort()]]);
      }
      return f;
    }
  }
}
