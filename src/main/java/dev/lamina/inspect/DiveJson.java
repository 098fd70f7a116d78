package dev.lamina.inspect;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;

/**
 * Dive's JSON export ({@code dive --json}), field for field: {@code layer[{index, id, digestId, sizeBytes, command,
 * fileList}]} and {@code image{sizeBytes, inefficientBytes, efficiencyScore, fileReference[{count, sizeBytes,
 * file}]}}. Values follow dive's conventions: fileList holds every node of the layer's tree children first (whiteouts
 * as their .wh. files, implicit directories as empty records), fileMode is Go's os.FileMode, typeFlag the tar byte,
 * command without "/bin/sh -c ", id the layer's hex digest and digestId its diff id. Strings escape &lt;, &gt; and
 * &amp; as Go's encoder does, and a whole-number score prints without a fraction.
 */
public final class DiveJson {
  // Go's os.FileMode bits
  private static final long MODE_DIR = 1L << 31;
  private static final long MODE_SYMLINK = 1L << 27;
  private static final long MODE_DEVICE = 1L << 26;
  private static final long MODE_NAMED_PIPE = 1L << 25;
  private static final long MODE_SETUID = 1L << 23;
  private static final long MODE_SETGID = 1L << 22;
  private static final long MODE_CHAR_DEVICE = 1L << 21;
  private static final long MODE_STICKY = 1L << 20;

  private DiveJson() {}

  /** The export as pretty-printed JSON (two-space indent, like dive). */
  public static String render(LayerAnalysis a, Efficiency.Mode mode) {
    StringWriter w = new StringWriter();
    ObjectMapper mapper = new ObjectMapper();
    try (JsonGenerator g = mapper.getFactory().createGenerator(w)) {
      g.setCharacterEscapes(new GoEscapes());
      DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
          .withObjectIndenter(new DefaultIndenter("  ", "\n"))
          .withArrayIndenter(new DefaultIndenter("  ", "\n"))
          .withSeparators(com.fasterxml.jackson.core.util.Separators.createDefaultInstance()
              .withObjectFieldValueSpacing(com.fasterxml.jackson.core.util.Separators.Spacing.AFTER));
      g.setPrettyPrinter(pp);
      g.writeStartObject();
      g.writeArrayFieldStart("layer");
      for (LayerInfo l : a.layers()) {
        writeLayer(g, l, a.trees().get(l.index()));
      }
      g.writeEndArray();
      EfficiencyResult eff = a.efficiency(mode);
      g.writeObjectFieldStart("image");
      g.writeNumberField("sizeBytes", a.sizeBytes());
      g.writeNumberField("inefficientBytes", eff.wastedBytes());
      g.writeFieldName("efficiencyScore");
      writeGoFloat(g, eff.score());
      g.writeArrayFieldStart("fileReference");
      for (EfficiencyPath p : eff.inefficient()) {
        g.writeStartObject();
        g.writeNumberField("count", p.count());
        g.writeNumberField("sizeBytes", p.cumulativeSize());
        writeName(g, "file", p.path());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing JSON to a string failed", e);
    }
    // Jackson writes an empty array as "[ ]", Go as "[]"
    return w.toString().replaceAll("(?m): \\[ \\](,?)$", ": []$1") + "\n";
  }

  private static void writeLayer(JsonGenerator g, LayerInfo l, LayerTree tree) throws IOException {
    g.writeStartObject();
    g.writeNumberField("index", l.index());
    int colon = l.digest().indexOf(':');
    g.writeStringField("id", colon < 0 ? l.digest() : l.digest().substring(colon + 1));
    g.writeStringField("digestId", l.diffId().isEmpty() ? l.digest() : l.diffId());
    g.writeNumberField("sizeBytes", tree.sizeBytes());
    g.writeStringField("command", l.diveCommand());
    g.writeArrayFieldStart("fileList");
    IOException[] failure = {null};
    DiveOrder.walk(tree.root(), (n, whiteout) -> {
      try {
        writeFileInfo(g, whiteout ? n.whiteout() : n.entry());
      } catch (IOException e) {
        failure[0] = e;
      }
    });
    if (failure[0] != null) {
      throw failure[0];
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /** One dive FileInfo; null (an implicit directory) is dive's zero value. */
  private static void writeFileInfo(JsonGenerator g, LayerEntry e) throws IOException {
    g.writeStartObject();
    writeName(g, "path", e == null ? "" : e.tarName());
    g.writeNumberField("typeFlag", e == null ? 0 : goTypeFlag(e));
    writeName(g, "linkName", e == null ? "" : e.linkTarget());
    g.writeNumberField("size", e == null ? 0 : e.size());
    g.writeNumberField("fileMode", e == null ? 0 : goFileMode(e));
    g.writeNumberField("uid", e == null ? 0 : e.uid());
    g.writeNumberField("gid", e == null ? 0 : e.gid());
    g.writeBooleanField("isDir", e != null && e.isDir());
    g.writeEndObject();
  }

  /** Go's tar reader reports the old '\0' regular-file flag as '0' ('5' for names ending in '/'). */
  static int goTypeFlag(LayerEntry e) {
    int f = e.typeFlag() & 0xff;
    if (f == 0) {
      return e.isDir() ? '5' : '0';
    }
    return f;
  }

  /** Go's os.FileMode for a tar header, as archive/tar's FileInfo().Mode() computes it. */
  static long goFileMode(LayerEntry e) {
    long m = e.mode() & 0777;
    if ((e.mode() & 04000) != 0) {
      m |= MODE_SETUID;
    }
    if ((e.mode() & 02000) != 0) {
      m |= MODE_SETGID;
    }
    if ((e.mode() & 01000) != 0) {
      m |= MODE_STICKY;
    }
    switch (e.kind()) {
      case DIR -> m |= MODE_DIR;
      case SYMLINK -> m |= MODE_SYMLINK;
      case CHAR_DEVICE -> m |= MODE_DEVICE | MODE_CHAR_DEVICE;
      case BLOCK_DEVICE -> m |= MODE_DEVICE;
      case FIFO -> m |= MODE_NAMED_PIPE;
      default -> { }
    }
    return m;
  }

  /** Go prints float64 1 as "1", other values in shortest form. */
  private static void writeGoFloat(JsonGenerator g, double v) throws IOException {
    if (v == Math.rint(v) && Math.abs(v) < 1e21) {
      g.writeNumber((long) v);
    } else {
      g.writeNumber(v);
    }
  }

  /**
   * A file name: as a plain string when it is UTF-8; otherwise each byte that is not UTF-8 is written as the escape
   * {@code \\udcXX} of {@link dev.lamina.sys.FileNames} (Python's surrogateescape), so the JSON says which bytes the
   * name has instead of a replacement character that would make two names one.
   */
  private static void writeName(JsonGenerator g, String field, String name) throws java.io.IOException {
    if (!dev.lamina.sys.FileNames.hasInvalidBytes(name)) {
      g.writeStringField(field, name);
      return;
    }
    StringBuilder q = new StringBuilder(name.length() + 16).append('"');
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean escapedByte = c >= 0xdc80 && c <= 0xdcff && (i == 0 || !Character.isHighSurrogate(name.charAt(i - 1)));
      if (escapedByte || c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
        q.append(String.format("\\u%04x", (int) c));
      } else if (c == '"' || c == '\\') {
        q.append('\\').append(c);
      } else {
        q.append(c);
      }
    }
    g.writeFieldName(field);
    g.writeRawValue(q.append('"').toString());
  }

  /** Go's json.Marshal escapes &lt;, &gt; and &amp; (HTML-safe output). */
  private static final class GoEscapes extends CharacterEscapes {
    private final int[] table = standardAsciiEscapesForJSON();

    GoEscapes() {
      table['<'] = ESCAPE_CUSTOM;
      table['>'] = ESCAPE_CUSTOM;
      table['&'] = ESCAPE_CUSTOM;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return table;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return new SerializedString(String.format("\\u%04x", ch));
    }
  }
}
