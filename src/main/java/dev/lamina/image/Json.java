package dev.lamina.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Lenient JSON field access for image metadata: absent and null read as null, wrong types are errors. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static JsonNode parse(byte[] bytes, String what) throws ImageException {
    try {
      JsonNode node = MAPPER.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw new ImageException(what + " is empty: expected a JSON document");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new ImageException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (java.io.IOException e) {
      throw new ImageException("cannot parse " + what + ": " + e.getMessage(), e);
    }
  }

  static String text(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  static long longValue(JsonNode node, String field, long missing) {
    JsonNode v = node == null ? null : node.get(field);
    return v == null || v.isNull() ? missing : v.asLong();
  }

  /** A JSON array of strings as a list; null when absent or null (docker distinguishes null from []). */
  static List<String> strings(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    if (v.isArray()) {
      v.forEach(e -> out.add(e.asText()));
    } else {
      out.add(v.asText()); // a bare string where an array belongs: docker treats it as one element
    }
    return Collections.unmodifiableList(out);
  }

  /** A JSON object of strings as an ordered map; null when absent. */
  static Map<String, String> stringMap(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    if (v == null || v.isNull() || !v.isObject()) {
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText());
    }
    return Collections.unmodifiableMap(out);
  }

  /** The keys of a JSON object used as a set ({"80/tcp": {}}); null when absent. */
  static List<String> keys(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    if (v == null || v.isNull() || !v.isObject()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    v.fieldNames().forEachRemaining(out::add);
    return Collections.unmodifiableList(out);
  }
}
